// What the claims' rules (./evaluate.ts) read off usable runs — means over the runs, the "final"
// accuracies two presets are compared on, early-epoch accuracy — and how they write numbers.

import { earlyAccuracy, EARLY_EPOCHS, epochAt, type EpochPoint } from './rules';
import type { UsableRun } from './runs';

/** 0.99223 → "99.22%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** A difference of fractions in percentage points, signed: 0.0144 → "+1.44 points". */
export function points(d: number): string {
  const v = d * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} points`;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The finite values of `pick` over the runs, or null when some run lacks one (the caller reports it missing). */
export function each(runs: readonly UsableRun[], pick: (r: UsableRun) => number | null | undefined): number[] | null {
  const out: number[] = [];
  for (const r of runs) {
    const v = pick(r);
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

export function lastEpoch(r: UsableRun): EpochPoint | null {
  const e = r.run.epochs;
  return e.length ? e[e.length - 1] : null;
}

/** The number of leading epochs every run has (at most EARLY_EPOCHS), for a fair speed comparison. */
export function commonEarly(...groups: readonly UsableRun[][]): number {
  let n = EARLY_EPOCHS;
  for (const g of groups) for (const r of g) n = Math.min(n, r.epochsDone);
  return n;
}

/**
 * The "final" accuracies two presets' runs are compared on: the test accuracy and last-epoch train
 * accuracy when every run is finished and full length; otherwise validation and train accuracy at
 * the last epoch every run has.
 */
export interface Finals {
  /** "test" or "validation at epoch n" (for "ours"), and "test accuracies" or "validation accuracies at epoch n" (for explanations). */
  label: string;
  what: string;
  /** "final train" or "train at epoch n". */
  trainLabel: string;
  a: number;
  b: number;
  trainA: number;
  trainB: number;
}

export function finals(a: readonly UsableRun[], b: readonly UsableRun[]): Finals | null {
  const all = [...a, ...b];
  if (all.every((r) => !r.provisional && r.run.test !== null)) {
    const trainA = each(a, (r) => lastEpoch(r)?.trainAccuracy), trainB = each(b, (r) => lastEpoch(r)?.trainAccuracy);
    if (!trainA || !trainB) return null;
    return { label: 'test', what: 'test accuracies', trainLabel: 'final train', a: mean(a.map((r) => r.run.test!.accuracy)), b: mean(b.map((r) => r.run.test!.accuracy)), trainA: mean(trainA), trainB: mean(trainB) };
  }
  const n = Math.min(...all.map((r) => r.epochsDone));
  const at = (runs: readonly UsableRun[], k: 'valAccuracy' | 'trainAccuracy') => each(runs, (r) => epochAt(r.run.epochs, n)?.[k]);
  const va = at(a, 'valAccuracy'), vb = at(b, 'valAccuracy'), ta = at(a, 'trainAccuracy'), tb = at(b, 'trainAccuracy');
  if (!va || !vb || !ta || !tb) return null;
  return { label: `validation at epoch ${n}`, what: `validation accuracies at epoch ${n}`, trainLabel: `train at epoch ${n}`, a: mean(va), b: mean(vb), trainA: mean(ta), trainB: mean(tb) };
}

export function earlyMean(runs: readonly UsableRun[], n: number): number | null {
  const xs = each(runs, (r) => earlyAccuracy(r.run.epochs, n));
  return xs ? mean(xs) : null;
}

export function epochsLabel(n: number): string {
  return n === 1 ? 'epoch 1' : `epochs 1–${n}`;
}
