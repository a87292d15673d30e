// Convolution forward helpers around the GEMM kernel: im2col and the bias fill.
// One image at a time, CHW layout, K×K kernels, stride 1, no padding ('valid').
//
//   x    (C, H, W)               one image
//   col  (C·K·K, OH·OW)          col[(c·K·K + ky·K + kx), y·OW + x] = x[c, y+ky, x+kx]
//   conv out (F, OH·OW) = W (F, C·K·K) · col + b         (gemmNN)
//
// The backward pass (through ReLU and max-pool) is in poolconv.ts.

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
