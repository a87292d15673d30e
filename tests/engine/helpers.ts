// Test helpers for the engine: seeded random arrays and a central-difference gradient check.
import { Prng } from '../../src-shared/engine/prng';

export function randn64(rng: Prng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Central differences on L(θ) = Σ out·dout (the sum(out * dout) trick): for each checked index i
 * of `param`, (L(θ+h·e_i) − L(θ−h·e_i)) / 2h. `loss` recomputes L from the current arrays.
 */
export function numericGrad(param: Float64Array | Float32Array, loss: () => number, indices: number[], h: number): number[] {
  return indices.map((i) => {
    const old = param[i];
    param[i] = old + h;
    const lp = loss();
    param[i] = old - h;
    const lm = loss();
    param[i] = old;
    return (lp - lm) / (2 * h);
  });
}

/** max |a − b| / max(|a|, |b|, floor) over the pairs. */
export function maxRelError(analytic: number[], numeric: number[], floor = 1e-6): number {
  let worst = 0;
  for (let k = 0; k < analytic.length; k++) {
    const a = analytic[k], b = numeric[k];
    const e = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
    if (!(e <= worst)) worst = e; // NaN propagates as a failure
  }
  return worst;
}

export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
