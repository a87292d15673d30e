// L2 regularisation, as the CS231n-style models the report's code follows do it:
//   loss += ½λ Σ W²  over every weight tensor (biases are not regularised)
//   dW   += λ W          (stored flushed to zero below the float32 normal range, engine/ftz.ts)
// Applied after the backend's trainStep and before the optimiser step (engine/step.ts).

import { PARAM_TABLE } from './layout';
import { flush32 } from './ftz';

const WEIGHTS = PARAM_TABLE.filter((p) => p.name.endsWith('.w'));

/** Adds λ·W into grads for every weight tensor; returns ½λ‖W‖² (accumulated in float64). */
export function addL2(params: Float32Array, grads: Float32Array, lambda: number): number {
  let sum = 0;
  for (const { offset, size } of WEIGHTS) {
    const end = offset + size;
    for (let i = offset; i < end; i++) {
      const w = params[i];
      sum += w * w;
      grads[i] = flush32(grads[i] + lambda * w);
    }
  }
  return 0.5 * lambda * sum;
}
