// Pure metric helpers shared by the API (src-main/api) and the renderer: per-class precision /
// recall / F1 from a confusion matrix, config differences between runs, confusion differences
// and the set algebra of misclassified test images. No I/O, no Node, no DOM.

export const NUM_CLASSES = 10;

export interface ClassMetrics {
  /** The class (0..9). */
  label: number;
  /** Test images of this class (the confusion row's sum). */
  support: number;
  /** Images predicted as this class (the column's sum). */
  predicted: number;
  /** tp / predicted; null when nothing was predicted as this class. */
  precision: number | null;
  /** tp / support; null when the class has no images. */
  recall: number | null;
  /** Harmonic mean of precision and recall; null when either is null, 0 when both are 0. */
  f1: number | null;
}

function checkConfusion(confusion: ArrayLike<number>, k: number): void {
  if (confusion.length !== k * k) throw new Error(`A confusion matrix must have ${k * k} cells (got ${confusion.length}).`);
  for (let i = 0; i < confusion.length; i++) {
    const v = confusion[i];
    if (!Number.isInteger(v) || v < 0) throw new Error(`Confusion cell ${i} must be a count (got ${v}).`);
  }
}

/** Per-class precision, recall and F1 from a k×k confusion matrix (row = true, column = predicted). */
export function perClassMetrics(confusion: ArrayLike<number>, k = NUM_CLASSES): ClassMetrics[] {
  checkConfusion(confusion, k);
  const out: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += confusion[c * k + j];
      predicted += confusion[j * k + c];
    }
    const tp = confusion[c * k + c];
    const precision = predicted > 0 ? tp / predicted : null;
    const recall = support > 0 ? tp / support : null;
    const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    out.push({ label: c, support, predicted, precision, recall, f1 });
  }
  return out;
}

/** Overall accuracy of a confusion matrix (trace / total); null when it is empty. */
export function confusionAccuracy(confusion: ArrayLike<number>, k = NUM_CLASSES): number | null {
  checkConfusion(confusion, k);
  let total = 0;
  let trace = 0;
  for (let i = 0; i < k * k; i++) total += confusion[i];
  for (let c = 0; c < k; c++) trace += confusion[c * k + c];
  return total > 0 ? trace / total : null;
}

/** Cell-wise A − B of two confusion matrices of the same size. */
export function confusionDifference(a: ArrayLike<number>, b: ArrayLike<number>, k = NUM_CLASSES): number[] {
  checkConfusion(a, k);
  checkConfusion(b, k);
  const out = new Array<number>(k * k);
  for (let i = 0; i < k * k; i++) out[i] = a[i] - b[i];
  return out;
}

/** The off-diagonal cells sorted by count, largest first: the most confused (true, predicted) pairs. */
export function mostConfusedPairs(confusion: ArrayLike<number>, top = 5, k = NUM_CLASSES): { label: number; predicted: number; count: number }[] {
  checkConfusion(confusion, k);
  const cells: { label: number; predicted: number; count: number }[] = [];
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) if (t !== p && confusion[t * k + p] > 0) cells.push({ label: t, predicted: p, count: confusion[t * k + p] });
  }
  cells.sort((x, y) => y.count - x.count || x.label - y.label || x.predicted - y.predicted);
  return cells.slice(0, top);
}

export interface ConfigDifference {
  key: string;
  /** One value per compared config, in the order given. */
  values: unknown[];
}

/**
 * The settings whose values differ between configs (compared with Object.is, so NaN equals NaN
 * and 0 differs from -0 — configs never hold either). Keys are taken from every config, in the
 * order they first appear; a key missing from a config has the value undefined there.
 */
export function configDiff(configs: readonly Readonly<Record<string, unknown>>[]): ConfigDifference[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of configs) {
    for (const k of Object.keys(c)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const out: ConfigDifference[] = [];
  for (const key of keys) {
    const values = configs.map((c) => (Object.prototype.hasOwnProperty.call(c, key) ? c[key] : undefined));
    if (values.some((v) => !Object.is(v, values[0]))) out.push({ key, values });
  }
  return out;
}

export interface MisclassifiedSets {
  /** Wrong in A, right in B. */
  onlyA: number[];
  /** Wrong in B, right in A. */
  onlyB: number[];
  /** Wrong in both. */
  both: number[];
}

/**
 * Set algebra of misclassified test images, given each run's misclassified image indices (any
 * order, duplicates ignored). Every output list is sorted ascending.
 */
export function misclassifiedSets(wrongA: Iterable<number>, wrongB: Iterable<number>): MisclassifiedSets {
  const a = new Set(wrongA);
  const b = new Set(wrongB);
  const onlyA: number[] = [];
  const onlyB: number[] = [];
  const both: number[] = [];
  for (const i of a) (b.has(i) ? both : onlyA).push(i);
  for (const i of b) if (!a.has(i)) onlyB.push(i);
  const asc = (x: number, y: number) => x - y;
  return { onlyA: onlyA.sort(asc), onlyB: onlyB.sort(asc), both: both.sort(asc) };
}

/** Indices where predicted differs from label (both of the same length). */
export function misclassifiedIndices(labels: ArrayLike<number>, predicted: ArrayLike<number>): number[] {
  if (labels.length !== predicted.length) throw new Error(`labels (${labels.length}) and predictions (${predicted.length}) differ in length.`);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== predicted[i]) out.push(i);
  return out;
}

/** The cartesian product of a grid of hyperparameter values, keys in the given order. */
export function gridProduct(grid: readonly (readonly [string, readonly unknown[]])[]): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of grid) {
    const next: Record<string, unknown>[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [key]: v });
    combos = next;
  }
  return combos;
}

/** Number of runs a grid would create (the product of the value counts). */
export function gridSize(grid: readonly (readonly [string, readonly unknown[]])[]): number {
  return grid.reduce((n, [, values]) => n * values.length, 1);
}
