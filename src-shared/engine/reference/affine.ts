// Affine (fully connected) layer, PyTorch's convention: x is (N, IN), w is (OUT, IN), b is (OUT),
// out = x · wᵀ + b is (N, OUT).

import type { Floats } from './conv';

/** out (N,OUT) = x (N,IN) · wᵀ + b. Overwrites out[0 .. N·OUT). */
export function affineForward(out: Floats, x: Floats, w: Floats, b: Floats, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) {
    const x0 = n * IN;
    for (let o = 0; o < OUT; o++) {
      const w0 = o * IN;
      let s = 0;
      for (let i = 0; i < IN; i++) s += x[x0 + i] * w[w0 + i];
      out[n * OUT + o] = s + b[o];
    }
  }
}

/**
 * Backward of affineForward. dout is (N,OUT). ADDS into dw (OUT,IN) += doutᵀ · x, db (OUT) += Σ_n dout,
 * and, unless null, dx (N,IN) += dout · w.
 */
export function affineBackward(dx: Floats | null, dw: Floats, db: Floats, dout: Floats, x: Floats, w: Floats, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) {
    const x0 = n * IN;
    for (let o = 0; o < OUT; o++) {
      const g = dout[n * OUT + o];
      if (g === 0) continue; // common after ReLU; skipping changes nothing numerically
      const w0 = o * IN;
      db[o] += g;
      for (let i = 0; i < IN; i++) dw[w0 + i] += g * x[x0 + i];
      if (dx !== null) {
        for (let i = 0; i < IN; i++) dx[x0 + i] += g * w[w0 + i];
      }
    }
  }
}
