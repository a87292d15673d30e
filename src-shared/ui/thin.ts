// Thinning of long series for charts: 40 epochs × 295 iterations is 11,800 points per run, and a
// chart only has a few hundred pixels. Each bucket keeps its minimum and its maximum (in order),
// so spikes stay visible; the first and last points are always kept.

export interface Point {
  x: number;
  y: number;
}

/**
 * Reduces `xs`/`ys` to at most `maxPoints` points (maxPoints ≥ 4). Points whose y is not finite
 * are kept as gaps (y NaN) only if they fall on a bucket's min/max; NaN y values are otherwise
 * skipped when picking extremes.
 */
export function thinPoints(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): Point[] {
  if (xs.length !== ys.length) throw new RangeError(`x and y differ in length (${xs.length} vs ${ys.length}).`);
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new RangeError(`maxPoints must be a whole number ≥ 4 (got ${maxPoints}).`);
  const n = xs.length;
  if (n <= maxPoints) {
    const all: Point[] = new Array(n);
    for (let i = 0; i < n; i++) all[i] = { x: xs[i], y: ys[i] };
    return all;
  }
  const out: Point[] = [{ x: xs[0], y: ys[0] }];
  const buckets = Math.floor((maxPoints - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i];
      if (Number.isNaN(y)) continue;
      if (lo < 0 || y < ys[lo]) lo = i;
      if (hi < 0 || y > ys[hi]) hi = i;
    }
    if (lo < 0) continue;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out.push({ x: xs[first], y: ys[first] });
    if (second !== first) out.push({ x: xs[second], y: ys[second] });
  }
  out.push({ x: xs[n - 1], y: ys[n - 1] });
  return out;
}
