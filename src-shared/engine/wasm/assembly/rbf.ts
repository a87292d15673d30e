// The Euclidean RBF output layer and the paper's loss (engine/reference/rbf.ts is the reference;
// engine/rbf.ts holds the prototypes, which the host writes into memory).
//
//   x     (n, 84)   F6's outputs
//   w     (10, 84)  the fixed ±1 prototypes
//   pen   (n, 10)   y_i = Σ_j (x_j − w_ij)²                          (float32, four lanes at a time)
//   loss  Σ_n [ y_D + log(e^−j + Σ_i e^−y_i) ]   (a SUM, as softmax.ts: the caller divides by n)
//   q     (n, 10)   e^−y_i / (e^−j + Σ_k e^−y_k)  (the loss's competition weights, for backward)
//   probs (n, 10)   softmax(−pen)                 (class probabilities: smallest penalty wins)
// The log-sum-exps run in float64 around their largest term, like softmax.ts.

import { flush, flushTo32 } from './ftz';

const D: i32 = 84;

/** Σ of the four lanes. */
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** pen (n, 10) = squared distances of x's rows to the prototypes. */
export function rbfForward(pen: usize, x: usize, w: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * D) << 2);
    for (let k = 0; k < 10; k++) {
      const wk = w + (<usize>(k * D) << 2);
      let s = f32x4.splat(0);
      for (let j = 0; j < D; j += 4) {
        const d = f32x4.sub(v128.load(xi + (<usize>j << 2)), v128.load(wk + (<usize>j << 2)));
        s = f32x4.add(s, f32x4.mul(d, d));
      }
      store<f32>(pen + (<usize>(i * 10 + k) << 2), flush(hsum(s)));
    }
  }
}

/**
 * probs = softmax(−pen); with labels != 0 also q and the summed loss with rubbish-class constant
 * j (returned; 0 without labels).
 */
export function rbfLoss(probs: usize, q: usize, pen: usize, labels: usize, n: i32, j: f64): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r = pen + (<usize>(i * 10) << 2);
    const pr = probs + (<usize>(i * 10) << 2);
    let m = <f64>load<f32>(r);
    for (let k = 1; k < 10; k++) m = min(m, <f64>load<f32>(r + (<usize>k << 2)));
    let s: f64 = 0;
    for (let k = 0; k < 10; k++) s += Math.exp(m - <f64>load<f32>(r + (<usize>k << 2)));
    for (let k = 0; k < 10; k++) store<f32>(pr + (<usize>k << 2), <f32>(Math.exp(m - <f64>load<f32>(r + (<usize>k << 2))) / s));
    if (labels == 0) continue;
    const y = <i32>load<u8>(labels + <usize>i);
    const mj = min(m, j);
    let z = Math.exp(mj - j);
    for (let k = 0; k < 10; k++) z += Math.exp(mj - <f64>load<f32>(r + (<usize>k << 2)));
    const qr = q + (<usize>(i * 10) << 2);
    for (let k = 0; k < 10; k++) store<f32>(qr + (<usize>k << 2), <f32>(Math.exp(mj - <f64>load<f32>(r + (<usize>k << 2))) / z));
    total += <f64>load<f32>(r + (<usize>y << 2)) - mj + Math.log(z);
  }
  return total;
}

/** dpen (n, 10) = ([k = y] − q) · inv, flushed (inv = 1 / the whole batch's size). Overwrites dpen. */
export function rbfLossBackward(dpen: usize, q: usize, labels: usize, n: i32, inv: f64): void {
  for (let i = 0; i < n; i++) {
    const y = <i32>load<u8>(labels + <usize>i);
    for (let k = 0; k < 10; k++) {
      const o = <usize>(i * 10 + k) << 2;
      store<f32>(dpen + o, flushTo32(((k == y ? 1.0 : 0.0) - <f64>load<f32>(q + o)) * inv));
    }
  }
}

/** dx (n, 84) = Σ_k dpen[k] · 2 (x − w_k), in class order. Overwrites dx (the caller applies F6's activation). */
export function rbfBackward(dx: usize, dpen: usize, x: usize, w: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * D) << 2), di = dx + (<usize>(i * D) << 2);
    memory.fill(di, 0, <usize>D << 2);
    for (let k = 0; k < 10; k++) {
      const g = load<f32>(dpen + (<usize>(i * 10 + k) << 2)) * 2;
      if (g == 0) continue;
      const gv = f32x4.splat(g);
      const wk = w + (<usize>(k * D) << 2);
      for (let j = 0; j < D; j += 4) {
        const o = <usize>j << 2;
        v128.store(di + o, f32x4.add(v128.load(di + o), f32x4.mul(gv, f32x4.sub(v128.load(xi + o), v128.load(wk + o)))));
      }
    }
  }
}
