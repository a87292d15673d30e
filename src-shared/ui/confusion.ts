// Confusion-matrix transforms for the heat map and the compare view. A matrix is n×n, row-major,
// row = true label, column = predicted label: m[t * n + p].

function sideOf(m: ArrayLike<number>): number {
  const n = Math.round(Math.sqrt(m.length));
  if (n === 0 || n * n !== m.length) throw new RangeError(`A confusion matrix must be square (got ${m.length} cells).`);
  for (let i = 0; i < m.length; i++) {
    const v = m[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`Confusion counts must be whole numbers ≥ 0 (cell ${i} is ${v}).`);
  }
  return n;
}

/** Each row divided by its sum (the recall view); rows with no samples stay 0. */
export function rowNormalize(m: ArrayLike<number>): Float64Array {
  const n = sideOf(m);
  const out = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    let sum = 0;
    for (let p = 0; p < n; p++) sum += m[t * n + p];
    if (sum === 0) continue;
    for (let p = 0; p < n; p++) out[t * n + p] = m[t * n + p] / sum;
  }
  return out;
}

/** A − B cell by cell (counts may differ in total if the test sets differ; callers check). */
export function confusionDiff(a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const n = sideOf(a);
  if (sideOf(b) !== n) throw new RangeError(`Cannot subtract a ${Math.sqrt(b.length)}×${Math.sqrt(b.length)} matrix from a ${n}×${n} one.`);
  const out = new Int32Array(n * n);
  for (let i = 0; i < n * n; i++) out[i] = a[i] - b[i];
  return out;
}

export interface ClassMetrics {
  label: number;
  precision: number; // NaN when nothing was predicted as this class
  recall: number; // NaN when the class has no samples
  f1: number; // NaN when precision or recall is NaN, 0 when both are 0
  support: number;
}

export function perClassMetrics(m: ArrayLike<number>): ClassMetrics[] {
  const n = sideOf(m);
  const out: ClassMetrics[] = [];
  for (let c = 0; c < n; c++) {
    let row = 0;
    let col = 0;
    for (let k = 0; k < n; k++) {
      row += m[c * n + k];
      col += m[k * n + c];
    }
    const tp = m[c * n + c];
    const precision = col === 0 ? NaN : tp / col;
    const recall = row === 0 ? NaN : tp / row;
    const f1 = Number.isNaN(precision) || Number.isNaN(recall) ? NaN : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    out.push({ label: c, precision, recall, f1, support: row });
  }
  return out;
}

export interface ConfusedPair {
  trueLabel: number;
  predicted: number;
  count: number;
}

/** Off-diagonal cells by count, largest first (ties: by true label, then predicted). */
export function mostConfused(m: ArrayLike<number>, k = 5): ConfusedPair[] {
  const n = sideOf(m);
  const pairs: ConfusedPair[] = [];
  for (let t = 0; t < n; t++) for (let p = 0; p < n; p++) if (t !== p && m[t * n + p] > 0) pairs.push({ trueLabel: t, predicted: p, count: m[t * n + p] });
  pairs.sort((x, y) => y.count - x.count || x.trueLabel - y.trueLabel || x.predicted - y.predicted);
  return pairs.slice(0, k);
}

/** Accuracy from the matrix: trace / total (NaN for an empty matrix). */
export function accuracyOf(m: ArrayLike<number>): number {
  const n = sideOf(m);
  let tr = 0;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i];
  for (let c = 0; c < n; c++) tr += m[c * n + c];
  return total === 0 ? NaN : tr / total;
}

/**
 * Cell intensity in [0, 1] for the heat map. Diagonal and off-diagonal cells are scaled
 * separately (the diagonal would otherwise wash out every mistake): off-diagonal cells relative to
 * the largest off-diagonal value, the diagonal relative to the largest diagonal value.
 */
export function heatIntensities(values: ArrayLike<number>): Float64Array {
  const n = Math.round(Math.sqrt(values.length));
  if (n === 0 || n * n !== values.length) throw new RangeError(`A confusion matrix must be square (got ${values.length} cells).`);
  let maxDiag = 0;
  let maxOff = 0;
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = Math.abs(values[t * n + p]);
      if (t === p) maxDiag = Math.max(maxDiag, v);
      else maxOff = Math.max(maxOff, v);
    }
  const out = new Float64Array(n * n);
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = Math.abs(values[t * n + p]);
      const max = t === p ? maxDiag : maxOff;
      out[t * n + p] = max === 0 ? 0 : v / max;
    }
  return out;
}
