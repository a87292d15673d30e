// Affine layer on a batch, PyTorch's convention: x (n, IN), W (OUT, IN), b (OUT),
// y (n, OUT) = x · Wᵀ + b, optionally followed by ReLU.

import { gemmNN, gemmNT } from './gemm';

/** y (n, OUT) = x (n, IN) · Wᵀ + b, then max(0, ·) if relu. Overwrites y. */
export function affineForward(y: usize, x: usize, w: usize, b: usize, n: i32, IN: i32, OUT: i32, relu: bool): void {
  // Fill with the bias, then accumulate the product.
  for (let i = 0; i < n; i++) memory.copy(y + (<usize>(i * OUT) << 2), b, <usize>OUT << 2);
  gemmNT(n, OUT, IN, x, IN, w, IN, y, OUT);
  if (relu) {
    const z = f32x4.splat(0);
    const total = n * OUT;
    let i = 0;
    for (; i + 4 <= total; i += 4) {
      const p = y + (<usize>i << 2);
      v128.store(p, f32x4.max(v128.load(p), z));
    }
    for (; i < total; i++) {
      const p = y + (<usize>i << 2);
      const v = load<f32>(p);
      store<f32>(p, v < 0 ? <f32>0 : v); // NaN propagates (f32x4.max above does too)
    }
  }
}

/**
 * Backward of affineForward. dy is (n, OUT), already through any ReLU mask. ADDS into
 * dW (OUT, IN) += dyᵀ · x and db (OUT) += Σ_n dy. If dx is not 0, OVERWRITES dx (n, IN) = dy · W,
 * then zeroes it where x ≤ 0 (x is the previous layer's ReLU output, so this is that ReLU's
 * backward).
 */
export function affineBackward(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, n: i32, IN: i32, OUT: i32): void {
  gemmNN(OUT, IN, n, dy, 1, OUT, x, IN, dw, IN, true);
  for (let i = 0; i < n; i++) {
    const row = dy + (<usize>(i * OUT) << 2);
    for (let o = 0; o < OUT; o++) {
      const p = db + (<usize>o << 2);
      store<f32>(p, load<f32>(p) + load<f32>(row + (<usize>o << 2)));
    }
  }
  if (dx == 0) return;
  gemmNN(n, IN, OUT, dy, OUT, 1, w, IN, dx, IN, false);
  const z = f32x4.splat(0);
  const total = n * IN;
  let i = 0;
  for (; i + 4 <= total; i += 4) {
    const p = dx + (<usize>i << 2);
    const mask = f32x4.gt(v128.load(x + (<usize>i << 2)), z);
    v128.store(p, v128.and(v128.load(p), mask));
  }
  for (; i < total; i++) {
    const p = dx + (<usize>i << 2);
    if (!(load<f32>(x + (<usize>i << 2)) > 0)) store<f32>(p, 0);
  }
}
