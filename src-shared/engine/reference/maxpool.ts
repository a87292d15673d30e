// Max pooling 2×2, stride 2. x is (N, C, H, W) with H and W even; out is (N, C, H/2, W/2).
//
// Ties: on zero-padded MNIST equal values side by side are common (the constant background).
// The gradient goes to the FIRST maximum of the window in row-major order only — (0,0), (0,1),
// (1,0), (1,1) — as PyTorch does. Sending it to every tied input made conv gradients differ from
// PyTorch's by up to 30% (spec.md). Forward records that winner's flat index in `argmax`.

import type { Floats } from './conv';

/** out (N,C,H/2,W/2) = 2×2 max of x (N,C,H,W); argmax (same size as out) gets the winner's index into x. */
export function maxpoolForward(out: Floats, argmax: Int32Array, x: Floats, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const x0 = p * H * W, o0 = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i00 = x0 + 2 * oh * W + 2 * ow;
        // Strict '>' keeps the earliest of equal values; `bv === bv` is false once bv is NaN.
        let best = i00, bv = x[i00];
        let v = x[i00 + 1];
        if (v > bv || (v !== v && bv === bv)) { best = i00 + 1; bv = v; }
        v = x[i00 + W];
        if (v > bv || (v !== v && bv === bv)) { best = i00 + W; bv = v; }
        v = x[i00 + W + 1];
        if (v > bv || (v !== v && bv === bv)) { best = i00 + W + 1; bv = v; }
        out[o0 + oh * OW + ow] = bv;
        argmax[o0 + oh * OW + ow] = best;
      }
    }
  }
}

/** ADDS each dout element into dx at its window's recorded winner. dout has `outSize` elements. */
export function maxpoolBackward(dx: Floats, dout: Floats, argmax: Int32Array, outSize: number): void {
  for (let i = 0; i < outSize; i++) dx[argmax[i]] += dout[i];
}
