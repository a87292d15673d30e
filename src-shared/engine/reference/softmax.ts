// Softmax + cross-entropy, averaged over the batch. logits is (N, K); labels are N class indices.
// Numerically stable: the row maximum is subtracted before exp, and the loss is computed as
// log Σ exp(z − m) − (z_y − m), so it is finite for any finite logits. Sums run in float64.

import type { Floats } from './conv';

/**
 * Writes softmax(logits) into probs (N,K) and returns the mean cross-entropy −(1/N) Σ log p[n, y_n].
 * NaN or infinite logits give a NaN/infinite loss: the caller must see divergence, never a 0.
 */
export function softmaxCrossEntropyForward(probs: Floats, logits: Floats, labels: Uint8Array, N: number, K: number): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const r = n * K;
    const y = labels[n];
    if (y >= K) throw new Error(`Label ${y} at batch position ${n} is out of range 0..${K - 1}.`);
    const { max, sum } = softmaxRow(probs, logits, r, K);
    total += Math.log(sum) - (logits[r + y] - max);
  }
  return total / N;
}

/** Softmax only (inference): probs (N,K) = softmax(logits). */
export function softmaxForward(probs: Floats, logits: Floats, N: number, K: number): void {
  for (let n = 0; n < N; n++) softmaxRow(probs, logits, n * K, K);
}

/** One row, numerically stable: probs[r..r+K) = exp(l − max) / sum; returns max and sum. */
function softmaxRow(probs: Floats, logits: Floats, r: number, K: number): { max: number; sum: number } {
  let max = logits[r];
  for (let k = 1; k < K; k++) if (logits[r + k] > max) max = logits[r + k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(logits[r + k] - max);
  for (let k = 0; k < K; k++) probs[r + k] = Math.exp(logits[r + k] - max) / sum;
  return { max, sum };
}

/** d(mean loss)/d(logits) = (probs − onehot(y)) / N, ADDED into dlogits (N,K). */
export function softmaxCrossEntropyBackward(dlogits: Floats, probs: Floats, labels: Uint8Array, N: number, K: number): void {
  const inv = 1 / N;
  for (let n = 0; n < N; n++) {
    const r = n * K;
    const y = labels[n];
    for (let k = 0; k < K; k++) dlogits[r + k] += (probs[r + k] - (k === y ? 1 : 0)) * inv;
  }
}
