// Smoothing of noisy series (the loss per iteration), as TensorBoard's scalar dashboard does it:
// an exponential moving average debiased like Adam's first moment, so the first points are not
// pulled towards zero. Apply it to the full series BEFORE thinning points for display, otherwise
// the smoothing would see a different (sparser) series at every zoom level.

/**
 * Debiased exponential moving average.
 * `weight` in [0, 1): 0 returns the values unchanged, 0.99 is very smooth.
 * Non-finite values (a diverged loss) pass through unchanged and do not poison later points.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`Smoothing weight must be in [0, 1) (got ${weight}).`);
  const out = new Float64Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    const debias = weight === 0 ? 1 : 1 - Math.pow(weight, n);
    out[i] = last / debias;
  }
  return out;
}
