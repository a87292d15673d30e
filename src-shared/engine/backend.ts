// What the solver needs from a compute backend. Two implement it: the plain TypeScript
// reference (engine/reference) and the WebAssembly SIMD fast path (engine/wasm), tested
// against each other. Speed lives apart from clarity (style.md). A backend may also run the
// whole training step itself (createStep, engine/step.ts): the solver then uses that instead of
// composing the step from trainStep, L2 and an optimiser.

import type { StepConfig, TrainingStep } from './step';
import type { ParamLayout } from './layout';

export interface Backend {
  readonly name: string;
  /** Largest n a call accepts (buffers are preallocated for it; no allocation per step). */
  readonly maxBatch: number;
  /** The network it computes: its architecture and parameter layout (engine/layout layoutFor). */
  readonly layout: ParamLayout;
  /** All parameters, laid out as `layout`. Written by init and optimisers. */
  readonly params: Float32Array;
  /** Gradients, same layout. trainStep ADDS into it; only the optimiser step zeroes it. */
  readonly grads: Float32Array;
  /**
   * Forward + backward on a batch. x is (n, 1, 32, 32) float32, already padded and normalised;
   * labels are n class indices. Returns the mean loss over the batch (softmax cross-entropy, or
   * the RBF output's loss) and adds d(mean loss)/d(params) into grads.
   */
  trainStep(x: Float32Array, labels: Uint8Array, n: number): number;
  /** Forward only: writes the class probabilities (n, 10) into probs. */
  predict(x: Float32Array, n: number, probs: Float32Array): void;
  /**
   * Optional: the backend's own whole step (batch assembly, forward, backward, L2, optimiser) for
   * a run. Called once per trainer; the step's optimiser state lives in the backend.
   */
  createStep?(cfg: StepConfig): TrainingStep;
}
