// L2 regularisation, as the CS231n-style models the report's code follows do it:
//   loss += ½λ Σ W²  over every weight tensor (biases, and subsampling's per-map coefficients,
//                    are not regularised)
//   dW   += λ W          (stored flushed to zero below the float32 normal range, engine/ftz.ts)
// Applied after the backend's trainStep and before the optimiser step (engine/step.ts).

import { DEFAULT_LAYOUT, type ParamLayout } from './layout';
import { flush32 } from './ftz';

/** Adds λ·W into grads for every weight tensor of the layout; returns ½λ‖W‖² (accumulated in float64). */
export function addL2(params: Float32Array, grads: Float32Array, lambda: number, layout: ParamLayout = DEFAULT_LAYOUT): number {
  let sum = 0;
  for (const { offset, size, kind } of layout.table) {
    if (kind !== 'weight') continue;
    const end = offset + size;
    for (let i = offset; i < end; i++) {
      const w = params[i];
      sum += w * w;
      grads[i] = flush32(grads[i] + lambda * w);
    }
  }
  return 0.5 * lambda * sum;
}
