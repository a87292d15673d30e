// A trained model out of a trainer checkpoint (engine/solver's format): its architecture, its
// parameters and the run's input normalisation, which is all the inspection views and the ONNX
// export need. No training set is needed (restoreTrainer wants one to check the training state;
// a view does not train). engine/solver.ts checkpointModel reads it, with the checks (and the
// messages) of restoreTrainer: anything that is not a LeNet-5 trainer checkpoint is refused.
//
// The layer views (trace, saliency, unit explanations, top-activating images, the health
// monitor's ReLU statistics) are written for the report's model; isInspectable says whether a
// model is one, and inspectableError is the message for the others (engine/arch.ts).

import type { NormStats } from '../batch';
import { describeArchitecture, isDefaultArchitecture, type Architecture } from '../arch';
import { checkpointModel } from '../solver';
import { createReferenceModel64 } from '../reference/lenet';
import { NUM_CLASSES } from '../layout';
import { writeInput, INPUT_PIXELS } from './input';

export interface CheckpointModel {
  /** The network the parameters are for. */
  architecture: Architecture;
  /** The flat parameters (engine/layout layoutFor(architecture)), a copy owned by the caller. */
  params: Float32Array;
  normalization: NormStats;
}

export function modelFromCheckpoint(bytes: Uint8Array): CheckpointModel {
  const m = checkpointModel(bytes);
  return { architecture: m.architecture, params: m.params, normalization: m.normalization };
}

/** Whether the layer views can show this model (they compute the report's LeNet-5). */
export function isInspectable(m: { architecture: Architecture }): boolean {
  return isDefaultArchitecture(m.architecture);
}

/** Why a model's layers cannot be shown, for the user. */
export function inspectableError(m: { architecture: Architecture }): string {
  return `The layer views (traces, saliency, unit explanations, top images) show the report's LeNet-5 (ReLU, max-pool, full C3, softmax output); this checkpoint is a LeNet-5 with ${describeArchitecture(m.architecture)}. Its predictions, evaluations and ONNX export work as for any run.`;
}

/**
 * One image's class probabilities under any architecture (the reference network in float64, as
 * the layer trace computes the report's model), and the predicted class (the first of equal
 * maxima). pixels: 784 bytes (28×28), from pixelOffset.
 */
export function classifyPixels(m: CheckpointModel, pixels: ArrayLike<number>, pixelOffset = 0): { probs: Float64Array; predicted: number } {
  const net = createReferenceModel64(1, { architecture: m.architecture });
  net.params.set(m.params);
  const x = new Float64Array(INPUT_PIXELS);
  writeInput(x, 0, pixels, m.normalization, pixelOffset);
  const probs = new Float64Array(NUM_CLASSES);
  net.predict(x, 1, probs);
  let predicted = 0;
  for (let k = 1; k < NUM_CLASSES; k++) if (probs[k] > probs[predicted]) predicted = k;
  return { probs, predicted };
}
