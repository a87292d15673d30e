// What a trainer checkpoint says about its network and data (architecture, config, input
// normalisation), checked: restoreTrainer (./solver.ts) reads it before touching a backend, and
// checkpointModel gives exports and views the network without a trainer.

import type { TrainConfig } from './types';
import { layoutFor, type ParamLayout } from './layout';
import { checkArchitecture, describeArchitecture, sameArchitecture, DEFAULT_ARCHITECTURE, type Architecture } from './arch';
import type { NormStats } from './batch';
import { checkTrainConfig } from './trainConfig';
import { decodeCheckpoint } from './checkpoint';

/** What a checkpoint's header says about its network and data, checked (restoreTrainer, checkpointModel). */
export interface CheckpointIdentity {
  config: TrainConfig;
  architecture: Architecture;
  normalization: NormStats;
}

export function readIdentity(version: number, h: Record<string, unknown>): CheckpointIdentity {
  if (h.kind !== 'lenet5-trainer') throw new Error('This checkpoint is not a LeNet-5 trainer checkpoint.');
  let cfg: TrainConfig;
  try {
    cfg = checkTrainConfig(h.config);
  } catch (e) {
    throw new Error(`Corrupt checkpoint: ${(e as Error).message}`);
  }
  // Version 1 predates the switches: the report's model (checkTrainConfig read its config so).
  let architecture: Architecture = { ...DEFAULT_ARCHITECTURE };
  if (version >= 2) {
    try {
      architecture = checkArchitecture(h.architecture);
    } catch (e) {
      throw new Error(`Corrupt checkpoint: ${(e as Error).message}`);
    }
  }
  if (!sameArchitecture(architecture, cfg)) throw new Error(`Corrupt checkpoint: its architecture (${describeArchitecture(architecture)}) is not its config's (${describeArchitecture(cfg)}).`);
  const nh = h.normalization as Partial<NormStats> | null;
  if (!nh || nh.mode !== cfg.normalization || typeof nh.mean !== 'number' || !Number.isFinite(nh.mean) || typeof nh.std !== 'number' || !(nh.std > 0) || !Number.isFinite(nh.std)) {
    throw new Error('Corrupt checkpoint: the normalisation statistics are missing or invalid.');
  }
  const mi = nh.meanImage;
  if ((nh.mode === 'center') !== Array.isArray(mi) || (Array.isArray(mi) && (mi.length !== 784 || !mi.every((v) => typeof v === 'number' && Number.isFinite(v))))) {
    throw new Error('Corrupt checkpoint: the mean image of the normalisation is missing or invalid.');
  }
  return { config: cfg, architecture, normalization: { mode: nh.mode, mean: nh.mean, std: nh.std, ...(mi ? { meanImage: mi } : {}) } };
}

/** The model inside a checkpoint, for exports and views that need no trainer. */
export interface CheckpointModel {
  architecture: Architecture;
  layout: ParamLayout;
  /** The parameters, in `layout`. */
  params: Float32Array;
  normalization: NormStats;
  epoch: number;
  iteration: number;
}

/** Reads a checkpoint's network (architecture, parameters, input normalisation); refuses what restoreTrainer refuses about them. */
export function checkpointModel(checkpoint: Uint8Array): CheckpointModel {
  const { version, header: h, buffers } = decodeCheckpoint(checkpoint);
  const { architecture, normalization } = readIdentity(version, h);
  const layout = layoutFor(architecture);
  const params = buffers.get('params');
  if (!(params instanceof Float32Array) || params.length !== layout.count) throw new Error(`Corrupt checkpoint: buffer "params" must hold ${layout.count} float32 values.`);
  const whole = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`Corrupt checkpoint: ${what} must be a whole number.`);
    return v;
  };
  return { architecture, layout, params, normalization, epoch: whole(h.epoch, 'epoch'), iteration: whole(h.iteration, 'iteration') };
}
