// The measurement rules behind the report's verdicts: each turns recorded run data into one
// number (or a yes/no) by a rule that can be stated in a sentence, so the page and the CLI can
// show the rule next to its result. Accuracies are fractions 0..1; tolerances below are in the
// same unit (0.001 = 0.1 percentage point). Pure functions: no I/O, no Node, no DOM.

/** The per-epoch values the rules read (an EpochRow of the API fits). Null = not recorded / not finite. */
export interface EpochPoint {
  epoch: number;
  trainAccuracy: number | null;
  valAccuracy: number | null;
  meanIterationLoss: number | null;
}

/** 0.1 percentage point: one validation image in 1,000, the report's last printed digit of a test accuracy. */
export const ACCURACY_TOL = 0.001;

/** Converged-epoch rule: train and validation accuracy stay within this of their final values. */
export const CONVERGED_TOL = 0.001;

/**
 * The converged-epoch rule: the first epoch from which the train and the validation accuracy both
 * stay within CONVERGED_TOL (0.1 point) of their values at the run's last epoch. Null when the
 * run has no epoch with both accuracies.
 */
export function convergedEpoch(epochs: readonly EpochPoint[], tol = CONVERGED_TOL): number | null {
  const rows = epochs.filter((e) => e.trainAccuracy !== null && e.valAccuracy !== null);
  if (rows.length === 0) return null;
  const last = rows[rows.length - 1];
  let from = last.epoch;
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (Math.abs(r.trainAccuracy! - last.trainAccuracy!) > tol || Math.abs(r.valAccuracy! - last.valAccuracy!) > tol) break;
    from = r.epoch;
  }
  return from;
}

/** Mean of the epochs' mean iteration losses from `fromEpoch` (inclusive) to the end; null when none is recorded. */
export function meanLossFrom(epochs: readonly EpochPoint[], fromEpoch: number): number | null {
  const vals = epochs.filter((e) => e.epoch >= fromEpoch && e.meanIterationLoss !== null).map((e) => e.meanIterationLoss!);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
}

/** How many leading epochs the speed rule averages. */
export const EARLY_EPOCHS = 5;

/**
 * Convergence speed ("early accuracy"): the mean validation accuracy over the first EARLY_EPOCHS
 * (5) epochs, or over all of them in a shorter run. Higher is faster. Null without any.
 */
export function earlyAccuracy(epochs: readonly EpochPoint[], n = EARLY_EPOCHS): number | null {
  const vals = epochs.filter((e) => e.epoch <= n && e.valAccuracy !== null).map((e) => e.valAccuracy!);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
}

/** Two early accuracies closer than this count as "about as fast". */
export const SPEED_TOL = 0.001;

/** 'faster' when a's early accuracy beats b's by more than SPEED_TOL, 'slower' when below by more, else 'same'. */
export function compareSpeed(a: number, b: number, tol = SPEED_TOL): 'faster' | 'slower' | 'same' {
  if (a > b + tol) return 'faster';
  if (a < b - tol) return 'slower';
  return 'same';
}

/** The epoch's row, or null when the run has none for it. */
export function epochAt(epochs: readonly EpochPoint[], epoch: number): EpochPoint | null {
  return epochs.find((e) => e.epoch === epoch) ?? null;
}

// ---------------------------------------------------------------------------------------------
// The stall detector ("the loss stops falling").

/** A loss above this has not learned much yet (a learning LeNet-5 is below 0.5 after one epoch; chance is ln 10 ≈ 2.303). */
export const STALL_LEVEL = 1.0;
/** Over one epoch the loss must fall below (1 − this) × its level at the start, or the run stalls. */
export const STALL_DROP = 0.02;

export interface Stall {
  /** 1-based iterations of the stalled stretch (or the first and last iteration of the stalled epochs). */
  fromIteration: number;
  toIteration: number;
  /** The loss level (window or epoch mean) where it stopped falling. */
  level: number;
}

/**
 * The stall detector on iteration losses: cut them into windows of a tenth of an epoch
 * (ceil(itersPerEpoch / 10) iterations) and take each window's mean. The run stalls when, for one
 * epoch's worth of windows (the window and the next ones up to an epoch), the loss stays above
 * STALL_LEVEL (1.0) and never falls below (1 − STALL_DROP) = 98% of the first window's mean. A
 * non-finite loss ends the search (that is a divergence, not a stall). Returns the first stall, or
 * null.
 */
export function detectStall(losses: ArrayLike<number>, itersPerEpoch: number): Stall | null {
  if (!(Number.isInteger(itersPerEpoch) && itersPerEpoch > 0)) throw new Error(`itersPerEpoch must be a positive whole number (got ${itersPerEpoch}).`);
  const w = Math.ceil(itersPerEpoch / 10);
  const span = Math.ceil(itersPerEpoch / w);
  const means: number[] = [];
  for (let start = 0; start + w <= losses.length; start += w) {
    let s = 0;
    for (let i = start; i < start + w; i++) s += losses[i];
    if (!Number.isFinite(s)) break;
    means.push(s / w);
  }
  for (let k = 0; k + span <= means.length; k++) {
    const level = means[k];
    if (level < STALL_LEVEL) continue;
    let stalled = true;
    for (let j = k + 1; j < k + span; j++) {
      if (means[j] < (1 - STALL_DROP) * level) {
        stalled = false;
        break;
      }
    }
    if (stalled) return { fromIteration: k * w + 1, toIteration: (k + span) * w, level };
  }
  return null;
}

/** ln 10: the loss of a network that predicts every class with probability 1/10. */
export const CHANCE_LOSS = Math.log(10);

/**
 * The stall detector on epoch means only (when a run's iteration losses are not at hand): an
 * epoch whose mean iteration loss is within STALL_DROP (2%) of chance (ln 10: it never moved), or
 * two consecutive epochs above STALL_LEVEL where the second is not 2% below the first.
 */
export function detectStallInEpochs(epochs: readonly EpochPoint[], itersPerEpoch: number): Stall | null {
  const rows = epochs.filter((e) => e.meanIterationLoss !== null && Number.isFinite(e.meanIterationLoss));
  const first = (e: number) => (e - 1) * itersPerEpoch + 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i], level = r.meanIterationLoss!;
    if (Math.abs(level - CHANCE_LOSS) <= STALL_DROP * CHANCE_LOSS) return { fromIteration: first(r.epoch), toIteration: r.epoch * itersPerEpoch, level };
    const next = rows[i + 1];
    if (next && next.epoch === r.epoch + 1 && level >= STALL_LEVEL && next.meanIterationLoss! >= (1 - STALL_DROP) * level) {
      return { fromIteration: first(r.epoch), toIteration: next.epoch * itersPerEpoch, level };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Spread of a value over seeds.

export interface Spread {
  n: number;
  mean: number;
  min: number;
  max: number;
}

/** Mean, min and max of a non-empty list. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spreadOf needs at least one value.');
  return { n: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * The seed-spread rule: the report's value is 'inside' when it lies in our seeds' [min, max]
 * widened by `tol` on each side; 'near' when it lies within one more width of that range (the
 * range's own width, at least `tol`) beyond it; else 'outside'.
 */
export function placeInSpread(report: number, s: Spread, tol = ACCURACY_TOL): 'inside' | 'near' | 'outside' {
  const lo = s.min - tol, hi = s.max + tol;
  if (report >= lo && report <= hi) return 'inside';
  const w = Math.max(s.max - s.min, tol);
  if (report >= lo - w && report <= hi + w) return 'near';
  return 'outside';
}

// ---------------------------------------------------------------------------------------------
// Confused pairs.

export interface ConfusedPair {
  /** The smaller digit first: 4/9 counts 4 taken for 9 and 9 taken for 4. */
  a: number;
  b: number;
  count: number;
}

/**
 * Unordered confused pairs of a 10×10 confusion matrix (row = true, column = predicted), both
 * directions added, largest first (ties by digits).
 */
export function confusedPairs(confusion: ArrayLike<number>, k = 10): ConfusedPair[] {
  if (confusion.length !== k * k) throw new Error(`A confusion matrix must have ${k * k} cells (got ${confusion.length}).`);
  const out: ConfusedPair[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const count = confusion[a * k + b] + confusion[b * k + a];
      if (count > 0) out.push({ a, b, count });
    }
  }
  return out.sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b);
}

/** Pair counts averaged over several matrices (each pair's mean over all of them), largest first. */
export function meanConfusedPairs(confusions: readonly ArrayLike<number>[], k = 10): ConfusedPair[] {
  if (confusions.length === 0) return [];
  const sums = new Map<string, ConfusedPair>();
  for (const c of confusions) {
    for (const p of confusedPairs(c, k)) {
      const key = `${p.a}/${p.b}`;
      const s = sums.get(key);
      if (s) s.count += p.count;
      else sums.set(key, { ...p });
    }
  }
  return [...sums.values()].map((p) => ({ ...p, count: p.count / confusions.length })).sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b);
}

/** The first `n` pairs, plus any tied with the n-th. */
export function topPairs(pairs: readonly ConfusedPair[], n: number): ConfusedPair[] {
  if (pairs.length <= n) return [...pairs];
  const cut = pairs[n - 1].count;
  return pairs.filter((p, i) => i < n || p.count === cut);
}
