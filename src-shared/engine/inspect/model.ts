// A trained model out of a trainer checkpoint (engine/solver's format): its parameters and the
// run's input normalisation, which is all the inspection views and the ONNX export need. No
// training set is needed (restoreTrainer wants one to check the training state; a view does not
// train). Refuses anything that is not a LeNet-5 trainer checkpoint with a clear message.

import { decodeCheckpoint } from '../checkpoint';
import type { NormStats } from '../batch';
import { IMAGE_SIZE, PARAM_COUNT } from '../layout';

export interface CheckpointModel {
  /** The flat parameters (engine/layout), a copy owned by the caller. */
  params: Float32Array;
  normalization: NormStats;
}

const MODES = ['standardize', 'scale01', 'center'] as const;

export function modelFromCheckpoint(bytes: Uint8Array): CheckpointModel {
  const { header: h, buffers } = decodeCheckpoint(bytes);
  if (h.kind !== 'lenet5-trainer') throw new Error('This checkpoint is not a LeNet-5 trainer checkpoint.');
  const p = buffers.get('params');
  if (!(p instanceof Float32Array) || p.length !== PARAM_COUNT) throw new Error(`Corrupt checkpoint: buffer "params" must hold ${PARAM_COUNT} float32 values.`);
  const n = h.normalization as { mode?: unknown; mean?: unknown; std?: unknown; meanImage?: unknown } | null;
  const mode = MODES.find((m) => m === n?.mode);
  if (!n || !mode || typeof n.mean !== 'number' || !Number.isFinite(n.mean) || typeof n.std !== 'number' || !Number.isFinite(n.std) || !(n.std > 0)) {
    throw new Error('Corrupt checkpoint: the normalisation statistics are missing or invalid.');
  }
  const mi = n.meanImage;
  const meanImageOk = Array.isArray(mi) && mi.length === IMAGE_SIZE * IMAGE_SIZE && mi.every((v) => typeof v === 'number' && Number.isFinite(v));
  if ((mode === 'center') !== meanImageOk) throw new Error('Corrupt checkpoint: the mean image of the normalisation is missing or invalid.');
  return {
    params: Float32Array.from(p),
    normalization: { mode, mean: n.mean, std: n.std, ...(meanImageOk ? { meanImage: mi as number[] } : {}) },
  };
}
