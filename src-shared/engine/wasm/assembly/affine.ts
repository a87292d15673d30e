// Affine layer on a batch, PyTorch's convention: x (n, IN), W (OUT, IN), b (OUT),
// y (n, OUT) = x · Wᵀ + b, optionally followed by ReLU. Outputs are flushed to zero below the
// float32 normal range (ftz.ts).

import { gemmNN, gemmNT } from './gemm';
import { flush, flush4, flushBuffer, reluFlush4, FLT_MIN } from './ftz';
import { activationGrad, ACT_RELU } from './activation';

/** affineBackwardAct's dxAct for an input that no activation produced (the gradient passes as it is). */
export const DX_PLAIN: i32 = -1;

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
 * the same, from 0, in the same order). If dx is not 0, OVERWRITES dx (n, IN) = dy · W, zeroed
 * where x ≤ 0 (x is the previous layer's ReLU output, so this is that ReLU's backward) and
 * flushed (inputGradient). (dW and db are flushed by the caller.) scratch: affineScratchBytes.
 */
export function affineBackward(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, n: i32, IN: i32, OUT: i32, overwrite: bool, scratch: usize): void {
  affineBackwardAct(dx, dw, db, dy, x, w, n, IN, OUT, overwrite, scratch, ACT_RELU);
}

/**
 * affineBackward for any previous layer: dxAct says which activation produced x (activation.ts
 * ACT_*: dx is multiplied by its derivative, taken from x), or DX_PLAIN (dx = dy · W as it is).
 * ReLU keeps affineBackward's live-column path.
 */
export function affineBackwardAct(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, n: i32, IN: i32, OUT: i32, overwrite: bool, scratch: usize, dxAct: i32): void {
  gemmNN(OUT, IN, n, dy, 1, OUT, x, IN, dw, IN, !overwrite);
  for (let o = 0; o < OUT; o++) {
    const p = db + (<usize>o << 2);
    let sum: f32 = overwrite ? <f32>0 : load<f32>(p);
    for (let i = 0; i < n; i++) sum += load<f32>(dy + (<usize>(i * OUT + o) << 2));
    store<f32>(p, sum);
  }
  if (dx == 0) return;
  if (dxAct == ACT_RELU) {
    inputGradient(dx, dy, x, w, n, IN, OUT, scratch);
    return;
  }
  gemmNN(n, IN, OUT, dy, OUT, 1, w, IN, dx, IN, false);
  if (dxAct == DX_PLAIN) flushBuffer(dx, n * IN);
  else activationGrad(dx, dx, x, n * IN, dxAct);
}

/** Bytes of scratch affineBackward needs for n rows of IN inputs and OUT outputs. */
export function affineScratchBytes(n: i32, IN: i32, OUT: i32): usize {
  return (<usize>IN << 2) + 64 + (<usize>(OUT * IN) << 2) + 64 + (<usize>(n * IN) << 2);
}

/**
 * dx (n, IN) = dy (n, OUT) · W (OUT, IN), zeroed where x ≤ 0 and flushed, computed only for the
 * input columns k that are positive in some row. A column that is 0 in every row (an input
 * that is dead for this batch: a ReLU that never fires) would be masked to 0 anyway, and its
 * weights are what L2 decays towards zero: multiplying them by the gradient produced subnormal
 * products, each a ~100-cycle microcode assist on x86 (the backward of a trained network slowed
 * down 3×). So the live columns of W are gathered into a compact matrix, multiplied, and
 * scattered back. Each live element is the same dot product, in the same order, as in the full
 * GEMM (gemmNN sums over OUT in order in every tile shape): the bits are those of the dense form.
 */
function inputGradient(dx: usize, dy: usize, x: usize, w: usize, n: i32, IN: i32, OUT: i32, scratch: usize): void {
  const cols = scratch;
  const wc = (scratch + (<usize>IN << 2) + 63) & ~<usize>63;
  const dc = (wc + (<usize>(OUT * IN) << 2) + 63) & ~<usize>63;
  const zero = f32x4.splat(0);
  // The live columns: x > 0 in some row.
  let A = 0;
  let k = 0;
  for (; k + 4 <= IN; k += 4) {
    let any = i32x4.splat(0);
    for (let i = 0; i < n; i++) any = v128.or(any, f32x4.gt(v128.load(x + (<usize>(i * IN + k) << 2)), zero));
    if (i32x4.extract_lane(any, 0) != 0) store<i32>(cols + (<usize>(A++) << 2), k);
    if (i32x4.extract_lane(any, 1) != 0) store<i32>(cols + (<usize>(A++) << 2), k + 1);
    if (i32x4.extract_lane(any, 2) != 0) store<i32>(cols + (<usize>(A++) << 2), k + 2);
    if (i32x4.extract_lane(any, 3) != 0) store<i32>(cols + (<usize>(A++) << 2), k + 3);
  }
  for (; k < IN; k++) {
    for (let i = 0; i < n; i++) {
      if (load<f32>(x + (<usize>(i * IN + k) << 2)) > 0) {
        store<i32>(cols + (<usize>(A++) << 2), k);
        break;
      }
    }
  }
  if (A == IN) {
    // Every column live: the plain GEMM, then the ReLU mask and the flush.
    gemmNN(n, IN, OUT, dy, OUT, 1, w, IN, dx, IN, false);
    const total = n * IN;
    let i = 0;
    for (; i + 4 <= total; i += 4) {
      const p = dx + (<usize>i << 2);
      v128.store(p, v128.and(flush4(v128.load(p)), f32x4.gt(v128.load(x + (<usize>i << 2)), zero)));
    }
    for (; i < total; i++) {
      const p = dx + (<usize>i << 2);
      store<f32>(p, load<f32>(x + (<usize>i << 2)) > 0 ? flush(load<f32>(p)) : <f32>0);
    }
    return;
  }
  memory.fill(dx, 0, <usize>(n * IN) << 2);
  if (A == 0) return;
  // wc (OUT, A): the live columns of W; dc (n, A) = dy · wc.
  for (let o = 0; o < OUT; o++) {
    const src = w + (<usize>(o * IN) << 2), dst = wc + (<usize>(o * A) << 2);
    for (let a = 0; a < A; a++) store<f32>(dst + (<usize>a << 2), load<f32>(src + (<usize>load<i32>(cols + (<usize>a << 2)) << 2)));
  }
  gemmNN(n, A, OUT, dy, OUT, 1, wc, A, dc, A, false);
  // Scatter: dx[i, k] = dc[i, a] where x[i, k] > 0, flushed.
  for (let i = 0; i < n; i++) {
    const row = <usize>(i * IN), crow = dc + (<usize>(i * A) << 2);
    for (let a = 0; a < A; a++) {
      const kk = <usize>load<i32>(cols + (<usize>a << 2));
      if (load<f32>(x + ((row + kk) << 2)) > 0) store<f32>(dx + ((row + kk) << 2), flush(load<f32>(crow + (<usize>a << 2))));
    }
  }
}
