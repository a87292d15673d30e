// Convolution, 'valid' (no padding), stride 1, square K×K kernels, any C → F channels.
// Plain loops: the readable reference that every fast kernel is tested against.
//
// Layout (NCHW, PyTorch's): x is (N, C, H, W), w is (F, C, K, K), b is (F),
// out is (N, F, OH, OW) with OH = H − K + 1, OW = W − K + 1.
//
// The arrays may be Float32Array (training) or Float64Array (gradient checks in tests).

export type Floats = Float32Array | Float64Array;

/** out (N,F,OH,OW) = conv(x (N,C,H,W), w (F,C,K,K)) + b (F). Overwrites out[0 .. N·F·OH·OW). */
export function convForward(out: Floats, x: Floats, w: Floats, b: Floats, N: number, C: number, H: number, W: number, F: number, K: number): void {
  const OH = H - K + 1, OW = W - K + 1;
  const outPlane = OH * OW, inPlane = H * W;
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      const o0 = (n * F + f) * outPlane;
      const bf = b[f];
      for (let i = 0; i < outPlane; i++) out[o0 + i] = bf;
      for (let c = 0; c < C; c++) {
        const x0 = (n * C + c) * inPlane;
        const w0 = (f * C + c) * K * K;
        for (let ki = 0; ki < K; ki++) {
          for (let kj = 0; kj < K; kj++) {
            const wv = w[w0 + ki * K + kj];
            for (let oh = 0; oh < OH; oh++) {
              const orow = o0 + oh * OW;
              const xrow = x0 + (oh + ki) * W + kj;
              for (let ow = 0; ow < OW; ow++) out[orow + ow] += wv * x[xrow + ow];
            }
          }
        }
      }
    }
  }
}

/**
 * Backward of convForward. dout is (N,F,OH,OW). ADDS into dw (F,C,K,K), db (F) and, unless it
 * is null, dx (N,C,H,W) (the first layer needs no input gradient).
 */
export function convBackward(dx: Floats | null, dw: Floats, db: Floats, dout: Floats, x: Floats, w: Floats, N: number, C: number, H: number, W: number, F: number, K: number): void {
  const OH = H - K + 1, OW = W - K + 1;
  const outPlane = OH * OW, inPlane = H * W;
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      const o0 = (n * F + f) * outPlane;
      let s = 0;
      for (let i = 0; i < outPlane; i++) s += dout[o0 + i];
      db[f] += s;
      for (let c = 0; c < C; c++) {
        const x0 = (n * C + c) * inPlane;
        const w0 = (f * C + c) * K * K;
        for (let ki = 0; ki < K; ki++) {
          for (let kj = 0; kj < K; kj++) {
            // dw[f,c,ki,kj] += Σ_{oh,ow} dout[n,f,oh,ow] · x[n,c,oh+ki,ow+kj]
            // dx[n,c,oh+ki,ow+kj] += dout[n,f,oh,ow] · w[f,c,ki,kj]
            const wv = w[w0 + ki * K + kj];
            let g = 0;
            for (let oh = 0; oh < OH; oh++) {
              const orow = o0 + oh * OW;
              const xrow = x0 + (oh + ki) * W + kj;
              for (let ow = 0; ow < OW; ow++) g += dout[orow + ow] * x[xrow + ow];
              if (dx !== null) {
                for (let ow = 0; ow < OW; ow++) dx[xrow + ow] += dout[orow + ow] * wv;
              }
            }
            dw[w0 + ki * K + kj] += g;
          }
        }
      }
    }
  }
}
