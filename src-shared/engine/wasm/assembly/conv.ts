// Convolution helpers around the GEMM kernels: im2col, col2im, bias fill and bias gradient.
// One image at a time, CHW layout, K×K kernels, stride 1, no padding ('valid').
//
//   x    (C, H, W)               one image
//   col  (C·K·K, OH·OW)          col[(c·K·K + ky·K + kx), y·OW + x] = x[c, y+ky, x+kx]
//   conv out (F, OH·OW) = W (F, C·K·K) · col + b         (gemmNN)
//   dW (F, C·K·K) += dout (F, OH·OW) · colᵀ              (gemmNT)
//   dcol (C·K·K, OH·OW) = Wᵀ · dout;  dx = col2im(dcol)  (gemmNN with A read transposed)

/** Copies n floats from src to dst, 4 at a time (unaligned loads are fine in wasm). */
@inline function copyRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** dst[0..n) += src[0..n). */
@inline function addRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const p = dst + (<usize>j << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>j << 2))));
  }
  for (; j < n; j++) {
    const p = dst + (<usize>j << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>j << 2)));
  }
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

/** dx (C, H, W) += col2im(dcol (C·K·K, OH·OW)): the adjoint of im2col. */
export function col2im(dx: usize, dcol: usize, C: i32, H: i32, W: i32, K: i32): void {
  const OH = H - K + 1, OW = W - K + 1;
  let src = dcol;
  for (let c = 0; c < C; c++) {
    for (let ky = 0; ky < K; ky++) {
      for (let kx = 0; kx < K; kx++) {
        let dst = dx + ((<usize>(c * H + ky) * W + kx) << 2);
        for (let y = 0; y < OH; y++) {
          addRow(dst, src, OW);
          src += <usize>OW << 2;
          dst += <usize>W << 2;
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

/** db (F) += row sums of dout (F, P). P % 4 == 0. */
export function biasGradRows(db: usize, dout: usize, F: i32, P: i32): void {
  let p = dout;
  for (let f = 0; f < F; f++) {
    let s = f32x4.splat(0);
    for (let j = 0; j < P; j += 4) {
      s = f32x4.add(s, v128.load(p));
      p += 16;
    }
    const q = db + (<usize>f << 2);
    store<f32>(q, load<f32>(q) + ((f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3))));
  }
}

/** dst (cols, rows) = srcᵀ for src (rows, cols), both dense. 4×4 blocks by shuffles, scalar edges. */
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  const r4 = rows & ~3, c4 = cols & ~3;
  const rs = <usize>cols << 2, ds = <usize>rows << 2;
  for (let r = 0; r < r4; r += 4) {
    for (let c = 0; c < c4; c += 4) {
      const s = src + ((<usize>r * cols + c) << 2);
      const a = v128.load(s), b = v128.load(s + rs), e = v128.load(s + 2 * rs), f = v128.load(s + 3 * rs);
      const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const ef0 = v128.shuffle<f32>(e, f, 0, 4, 1, 5), ef1 = v128.shuffle<f32>(e, f, 2, 6, 3, 7);
      const d = dst + ((<usize>c * rows + r) << 2);
      v128.store(d, v128.shuffle<f32>(ab0, ef0, 0, 1, 4, 5));
      v128.store(d + ds, v128.shuffle<f32>(ab0, ef0, 2, 3, 6, 7));
      v128.store(d + 2 * ds, v128.shuffle<f32>(ab1, ef1, 0, 1, 4, 5));
      v128.store(d + 3 * ds, v128.shuffle<f32>(ab1, ef1, 2, 3, 6, 7));
    }
  }
  for (let r = 0; r < rows; r++) {
    const c0 = r < r4 ? c4 : 0;
    for (let c = c0; c < cols; c++) store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
  }
}
