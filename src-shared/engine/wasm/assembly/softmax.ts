// Softmax + cross-entropy over a batch; logits (n, K), labels n bytes. Computed in float64
// like the reference (row maximum subtracted before exp), probabilities stored as float32.
// The loss is returned as a SUM over the images: a shard of a batch (index.ts) adds its sum to
// the others' and the caller divides by the batch size.

import { flushTo32 } from './ftz';

/** probs (n, K) = softmax(logits). Returns the summed cross-entropy if labels != 0, else 0. */
export function softmaxForward(probs: usize, logits: usize, labels: usize, n: i32, K: i32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r = logits + (<usize>(i * K) << 2);
    const q = probs + (<usize>(i * K) << 2);
    let m = <f64>load<f32>(r);
    for (let k = 1; k < K; k++) {
      const v = <f64>load<f32>(r + (<usize>k << 2));
      if (v > m) m = v;
    }
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(<f64>load<f32>(r + (<usize>k << 2)) - m);
    for (let k = 0; k < K; k++) store<f32>(q + (<usize>k << 2), <f32>(Math.exp(<f64>load<f32>(r + (<usize>k << 2)) - m) / sum));
    if (labels != 0) {
      const y = <i32>load<u8>(labels + <usize>i);
      total += Math.log(sum) - (<f64>load<f32>(r + (<usize>y << 2)) - m);
    }
  }
  return total;
}

/**
 * dlogits (n, K) = (probs − onehot(y)) · inv, flushed to zero below FLT_MIN. Overwrites dlogits.
 * inv is 1 / (the whole batch's size): a shard's images get the gradient of the batch's mean loss.
 */
export function softmaxBackward(dlogits: usize, probs: usize, labels: usize, n: i32, K: i32, inv: f64): void {
  for (let i = 0; i < n; i++) {
    const y = <i32>load<u8>(labels + <usize>i);
    for (let k = 0; k < K; k++) {
      const o = <usize>(i * K + k) << 2;
      store<f32>(dlogits + o, flushTo32((<f64>load<f32>(probs + o) - (k == y ? 1.0 : 0.0)) * inv));
    }
  }
}
