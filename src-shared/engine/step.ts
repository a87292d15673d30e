// One training step and one inference batch, as the solver asks for them: which images (by
// index into the training set, or a range), the learning rate; the step assembles the batch from
// the images' bytes, runs forward and backward, adds L2 and updates the parameters.
//
// Two implementations: composedStep below, the readable reference built from the pieces
// (BatchWriter, Backend.trainStep, addL2, an Optimizer), which works on any Backend; and a
// backend's own fused step (Backend.createStep, e.g. engine/wasm/parallel.ts: everything inside
// the wasm module, on several threads), tested against the pieces.

import type { Backend } from './backend';
import type { ImageSet } from './types';
import { BatchWriter, type NormStats } from './batch';
import { addL2 } from './regularize';
import { createOptimizer, type OptimizerConfig, type OptimizerState } from './optim';

/** Images set[indices[start + i]] for i < n, or set[start + i] when indices is null. */
export interface BatchRef {
  set: ImageSet;
  indices: ArrayLike<number> | null;
  start: number;
  n: number;
}

/** What a step needs to know about the run. */
export interface StepConfig extends OptimizerConfig {
  normalization: NormStats;
  /** L2 λ over the weights; 0 = none. */
  weightDecay: number;
}

export interface TrainingStep {
  /**
   * One step on the batch: forward, backward, L2, optimiser update at learning rate lr. Returns
   * the iteration loss: the batch's mean cross-entropy plus ½λ‖W‖² (before the update).
   * `weightDecay` is this step's λ (the solver's, which may start L2 after some epochs); omitted,
   * the run's (StepConfig.weightDecay).
   */
  train(batch: BatchRef, lr: number, weightDecay?: number): number;
  /** The softmax probabilities (n, 10) of a batch into probs. */
  predict(batch: BatchRef, probs: Float32Array): void;
  /** The optimiser's state (live views: copy them to keep a snapshot). */
  optimizerState(): OptimizerState;
  /** Restores a state from optimizerState(); sizes and name must match. */
  setOptimizerState(s: OptimizerState): void;
}

/** Fills a BatchWriter from a BatchRef (checks every index). */
export function fillWriter(writer: BatchWriter, b: BatchRef): void {
  if (b.indices) writer.fill(b.set, b.indices, b.start, b.n);
  else writer.fillRange(b.set, b.start, b.n);
}

/** The reference step on any backend: BatchWriter → trainStep → addL2 → optimiser. */
export function composedStep(backend: Backend, cfg: StepConfig): TrainingStep {
  const optimizer = createOptimizer(backend.layout.count, cfg);
  const writer = new BatchWriter(backend.maxBatch, cfg.normalization);
  return {
    train(b, lr, lambda = cfg.weightDecay) {
      fillWriter(writer, b);
      const dataLoss = backend.trainStep(writer.x, writer.labels, b.n);
      // With L2 regularisation the iteration loss is data + ½λ‖W‖², as the report's code reports it.
      const loss = lambda > 0 ? dataLoss + addL2(backend.params, backend.grads, lambda, backend.layout) : dataLoss;
      optimizer.step(backend.params, backend.grads, lr);
      return loss;
    },
    predict(b, probs) {
      fillWriter(writer, b);
      backend.predict(writer.x, b.n, probs);
    },
    optimizerState: () => optimizer.state(),
    setOptimizerState: (s) => optimizer.setState(s),
  };
}
