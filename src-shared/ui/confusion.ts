// Confusion-matrix transforms for the heat map (the metric helpers — per-class P/R/F1, A − B,
// most confused pairs — live in ../metrics.ts). A matrix is n×n, row-major, row = true label,
// column = predicted label: m[t * n + p].

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
