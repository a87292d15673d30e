// Average pooling and LeCun's subsampling (engine/arch.ts `pooling`), 2×2 windows, stride 2.
// x is (N, C, H, W) with H and W even; pooled outputs are (N, C, H/2, W/2), P = H·W/4 per map.
//
//   average      out = (x00 + x01 + x10 + x11) · ¼            (sum in row-major window order)
//   subsampling  out = k[c] · average + b[c]                  (then the activation, by the caller)
//
// LeCun et al. 1998: "the four inputs to a unit in S2 are added, then multiplied by a trainable
// coefficient, and added to a trainable bias"; one coefficient and one bias per feature map. The
// ¼ keeps a coefficient of 1 meaning "the mean" (init.ts starts the coefficients there).

import type { Floats } from './conv';

/** out (N,C,H/2,W/2) = the mean of each 2×2 window of x (N,C,H,W). */
export function avgpoolForward(out: Floats, x: Floats, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const x0 = p * H * W, o0 = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i = x0 + 2 * oh * W + 2 * ow;
        out[o0 + oh * OW + ow] = (x[i] + x[i + 1] + x[i + W] + x[i + W + 1]) * 0.25;
      }
    }
  }
}

/** ADDS ¼ · dout into each of the window's four inputs. dx is (N,C,H,W), dout (N,C,H/2,W/2). */
export function avgpoolBackward(dx: Floats, dout: Floats, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const x0 = p * H * W, o0 = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = dout[o0 + oh * OW + ow] * 0.25;
        const i = x0 + 2 * oh * W + 2 * ow;
        dx[i] += g; dx[i + 1] += g; dx[i + W] += g; dx[i + W + 1] += g;
      }
    }
  }
}

/** out (N,C,P) = k[c] · x + b[c]: subsampling's trainable coefficient and bias per map. */
export function channelScaleForward(out: Floats, x: Floats, k: Floats, b: Floats, N: number, C: number, P: number): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const o = (n * C + c) * P, kc = k[c], bc = b[c];
      for (let i = 0; i < P; i++) out[o + i] = kc * x[o + i] + bc;
    }
  }
}

/** Backward of channelScaleForward: ADDS dk[c] += Σ dout·x, db[c] += Σ dout, dx += dout · k[c]. */
export function channelScaleBackward(dx: Floats, dk: Floats, db: Floats, dout: Floats, x: Floats, k: Floats, N: number, C: number, P: number): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const o = (n * C + c) * P, kc = k[c];
      let sk = 0, sb = 0;
      for (let i = 0; i < P; i++) {
        const g = dout[o + i];
        sk += g * x[o + i];
        sb += g;
        dx[o + i] += g * kc;
      }
      dk[c] += sk;
      db[c] += sb;
    }
  }
}
