// Convolution forward helpers around the GEMM kernel: im2col and the bias fill, and C1's
// convolution without im2col (conv1Direct). One image at a time, CHW layout, K×K kernels,
// stride 1, no padding ('valid').
//
//   x    (C, H, W)               one image
//   col  (C·K·K, OH·OW)          col[(c·K·K + ky·K + kx), y·OW + x] = x[c, y+ky, x+kx]
//   conv out (F, OH·OW) = W (F, C·K·K) · col + b         (gemmNN)
//
// The backward pass (through ReLU and max-pool) is in poolconv.ts.

import { fma4 } from './gemm';

/** Copies n floats from src to dst, 4 at a time (unaligned loads are fine in wasm). */
@inline function copyRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** col (C·K·K, OH·OW) from x (C, H, W). */
export function im2col(col: usize, x: usize, C: i32, H: i32, W: i32, K: i32): void {
  const OH = H - K + 1, OW = W - K + 1;
  let dst = col;
  for (let c = 0; c < C; c++) {
    for (let ky = 0; ky < K; ky++) {
      for (let kx = 0; kx < K; kx++) {
        let src = x + ((<usize>(c * H + ky) * W + kx) << 2);
        for (let y = 0; y < OH; y++) {
          copyRow(dst, src, OW);
          dst += <usize>OW << 2;
          src += <usize>W << 2;
        }
      }
    }
  }
}

/** out (F, P): row f set to b[f]. P % 4 == 0. */
export function fillBias(out: usize, b: usize, F: i32, P: i32): void {
  let p = out;
  for (let f = 0; f < F; f++) {
    const v = f32x4.splat(load<f32>(b + (<usize>f << 2)));
    for (let j = 0; j < P; j += 4) {
      v128.store(p, v);
      p += 16;
    }
  }
}

/**
 * C1's convolution of one image without im2col: out (F, 784) += w (F, 25) ⊛ x (1, 32, 32), for
 * F a multiple of 3, out pre-filled with the bias. Per output exactly the operations of
 * gemmNN(F, 784, 25, w, 25, 1, im2col(x), 784, out, 784, true) in the same order (its 3×8
 * tiles: the current value, then k = 0 … 24, each a rounded product and a rounded add), so the
 * same bits, without writing and re-reading the 25 × 784 column matrix (0.44 ms of a batch of
 * 200). Four consecutive output positions never cross an output row (28 % 4 == 0), so each of a
 * tile's two column vectors is one unaligned load from x per k.
 */
export function conv1Direct(out: usize, w: usize, x: usize, F: i32): void {
  const row: usize = 784 << 2;
  for (let f = 0; f + 3 <= F; f += 3) {
    const a = w + (<usize>(f * 25) << 2);
    for (let p = 0; p < 784; p += 8) {
      const q = p + 4;
      const x0 = x + (<usize>((p / 28) * 32 + p % 28) << 2);
      const x1 = x + (<usize>((q / 28) * 32 + q % 28) << 2);
      const c = out + (<usize>(f * 784 + p) << 2), c1 = c + row, c2 = c1 + row;
      let r00 = v128.load(c), r01 = v128.load(c, 16);
      let r10 = v128.load(c1), r11 = v128.load(c1, 16);
      let r20 = v128.load(c2), r21 = v128.load(c2, 16);
      let pa = a, p0 = x0, p1 = x1;
      for (let ky = 0; ky < 5; ky++) {
        for (let kx = 0; kx < 5; kx++) {
          const b0 = v128.load(p0), b1 = v128.load(p1);
          p0 += 4; p1 += 4;
          let s = v128.load32_splat(pa);
          r00 = fma4(r00, s, b0); r01 = fma4(r01, s, b1);
          s = v128.load32_splat(pa + 100);
          r10 = fma4(r10, s, b0); r11 = fma4(r11, s, b1);
          s = v128.load32_splat(pa + 200);
          r20 = fma4(r20, s, b0); r21 = fma4(r21, s, b1);
          pa += 4;
        }
        p0 += 27 << 2; p1 += 27 << 2;
      }
      v128.store(c, r00); v128.store(c, r01, 16);
      v128.store(c1, r10); v128.store(c1, r11, 16);
      v128.store(c2, r20); v128.store(c2, r21, 16);
    }
  }
}
