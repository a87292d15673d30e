// Affine layer on a batch, PyTorch's convention: x (n, IN), W (OUT, IN), b (OUT),
// y (n, OUT) = x · Wᵀ + b, optionally followed by ReLU. Outputs are flushed to zero below the
// float32 normal range (ftz.ts).

import { gemmNN, gemmNT } from './gemm';
import { flush, flush4, reluFlush4, FLT_MIN } from './ftz';

/** y (n, OUT) = x (n, IN) · Wᵀ + b, then max(0, ·) if relu; flushed. Overwrites y. */
export function affineForward(y: usize, x: usize, w: usize, b: usize, n: i32, IN: i32, OUT: i32, relu: bool): void {
  // Fill with the bias, then accumulate the product.
  for (let i = 0; i < n; i++) memory.copy(y + (<usize>(i * OUT) << 2), b, <usize>OUT << 2);
  gemmNT(n, OUT, IN, x, IN, w, IN, y, OUT);
  const total = n * OUT;
  let i = 0;
  if (relu) {
    // max(0, v) and flush at once: v < FLT_MIN → +0 (NaN compares false and propagates).
    for (; i + 4 <= total; i += 4) {
      const p = y + (<usize>i << 2);
      v128.store(p, reluFlush4(v128.load(p)));
    }
    for (; i < total; i++) {
      const p = y + (<usize>i << 2);
      const v = load<f32>(p);
      store<f32>(p, v < FLT_MIN ? <f32>0 : v);
    }
  } else {
    for (; i + 4 <= total; i += 4) {
      const p = y + (<usize>i << 2);
      v128.store(p, flush4(v128.load(p)));
    }
    for (; i < total; i++) {
      const p = y + (<usize>i << 2);
      store<f32>(p, flush(load<f32>(p)));
    }
  }
}

/**
 * Backward of affineForward. dy is (n, OUT), already through any ReLU mask. ADDS into
 * dW (OUT, IN) += dyᵀ · x and db (OUT) += Σ_n dy, or OVERWRITES them (dW = dyᵀ · x, db = Σ_n dy)
 * when `overwrite` (a shard's first and only gradient: no buffer to zero first; the sums are
 * the same, from 0, in the same order). If dx is not 0, OVERWRITES dx (n, IN) = dy · W, then
 * zeroes it where x ≤ 0 (x is the previous layer's ReLU output, so this is that ReLU's backward)
 * and flushes it. (dW and db are flushed by the caller.)
 */
export function affineBackward(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, n: i32, IN: i32, OUT: i32, overwrite: bool): void {
  gemmNN(OUT, IN, n, dy, 1, OUT, x, IN, dw, IN, !overwrite);
  for (let o = 0; o < OUT; o++) {
    const p = db + (<usize>o << 2);
    let sum: f32 = overwrite ? <f32>0 : load<f32>(p);
    for (let i = 0; i < n; i++) sum += load<f32>(dy + (<usize>(i * OUT + o) << 2));
    store<f32>(p, sum);
  }
  if (dx == 0) return;
  gemmNN(n, IN, OUT, dy, OUT, 1, w, IN, dx, IN, false);
  const z = f32x4.splat(0);
  const total = n * IN;
  let i = 0;
  for (; i + 4 <= total; i += 4) {
    const p = dx + (<usize>i << 2);
    const mask = f32x4.gt(v128.load(x + (<usize>i << 2)), z);
    v128.store(p, v128.and(flush4(v128.load(p)), mask));
  }
  for (; i < total; i++) {
    const p = dx + (<usize>i << 2);
    store<f32>(p, load<f32>(x + (<usize>i << 2)) > 0 ? flush(load<f32>(p)) : <f32>0);
  }
}
