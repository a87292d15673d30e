// The Euclidean RBF output layer and its loss (LeCun et al. 1998, II-B and equation 9;
// engine/rbf.ts holds the fixed prototypes and says how they were drawn).
//
//   x     (N, 84)   F6's outputs
//   w     (10, 84)  the prototypes (fixed: no gradient)
//   pen   (N, 10)   penalties y_i = Σ_j (x_j − w_ij)²
//   loss  (1/N) Σ_n [ y_D + log(e^−j + Σ_i e^−y_i) ]        D = the image's label
//   dL/dy_i = (1/N) ([i = D] − q_i),  q_i = e^−y_i / (e^−j + Σ_k e^−y_k)
//   dL/dx_j = Σ_i dL/dy_i · 2 (x_j − w_ij)
// The log-sum-exp is computed around its largest term, so it is finite for any finite penalties.

import type { Floats } from './conv';

/** pen (N,10) = squared distances of each row of x (N,D) to each prototype (10,D). Overwrites pen. */
export function rbfForward(pen: Floats, x: Floats, w: Floats, N: number, D: number, K: number): void {
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < D; j++) { const d = x[n * D + j] - w[k * D + j]; s += d * d; }
      pen[n * K + k] = s;
    }
  }
}

/** ADDS into dx (N,D): Σ_k dpen[n,k] · 2 (x − w_k). The prototypes get no gradient. */
export function rbfBackward(dx: Floats, dpen: Floats, x: Floats, w: Floats, N: number, D: number, K: number): void {
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const g = 2 * dpen[n * K + k];
      if (g === 0) continue;
      for (let j = 0; j < D; j++) dx[n * D + j] += g * (x[n * D + j] - w[k * D + j]);
    }
  }
}

/**
 * The paper's loss, averaged over the batch; writes the competition weights q (N,K) that the
 * backward pass needs. NaN or infinite penalties give a NaN/infinite loss.
 */
export function rbfLossForward(q: Floats, pen: Floats, labels: Uint8Array, N: number, K: number, j: number): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const r = n * K, y = labels[n];
    if (y >= K) throw new Error(`Label ${y} at batch position ${n} is out of range 0..${K - 1}.`);
    // log(e^−j + Σ e^−y_k) = −m + log(e^(−j+m) + Σ e^(−y_k+m)), m = min(j, min_k y_k).
    let m = j;
    for (let k = 0; k < K; k++) if (pen[r + k] < m) m = pen[r + k];
    let z = Math.exp(m - j);
    for (let k = 0; k < K; k++) z += Math.exp(m - pen[r + k]);
    for (let k = 0; k < K; k++) q[r + k] = Math.exp(m - pen[r + k]) / z;
    total += pen[r + y] - m + Math.log(z);
  }
  return total / N;
}

/** dpen (N,K) += ([k = y] − q) / N. */
export function rbfLossBackward(dpen: Floats, q: Floats, labels: Uint8Array, N: number, K: number): void {
  const inv = 1 / N;
  for (let n = 0; n < N; n++) {
    const r = n * K, y = labels[n];
    for (let k = 0; k < K; k++) dpen[r + k] += ((k === y ? 1 : 0) - q[r + k]) * inv;
  }
}

/** Class probabilities from penalties: softmax(−pen) per row (the smallest penalty is the most likely class). */
export function rbfProbabilities(probs: Floats, pen: Floats, N: number, K: number): void {
  for (let n = 0; n < N; n++) {
    const r = n * K;
    let m = pen[r];
    for (let k = 1; k < K; k++) if (pen[r + k] < m) m = pen[r + k];
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(m - pen[r + k]);
    for (let k = 0; k < K; k++) probs[r + k] = Math.exp(m - pen[r + k]) / s;
  }
}
