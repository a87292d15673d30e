// How long a run is and how its learning rate falls: iterations of a whole run, the hint for a
// run too short for the report's tiny init, and the rate per epoch (re-exported by ./config.ts).

import type { RunConfig } from './config';

/** Training iterations of a whole run on a dataset with `trainCount` training images (before the validation split). */
export function totalIterations(cfg: Pick<RunConfig, 'epochs' | 'batchSize' | 'validationSize' | 'trainSubset'>, trainCount: number): number {
  const available = Math.max(0, trainCount - cfg.validationSize);
  const nTrain = cfg.trainSubset > 0 ? Math.min(cfg.trainSubset, available) : available;
  return cfg.epochs * Math.ceil(nTrain / cfg.batchSize);
}

/** Below this many iterations a tiny 'normal' init (σ ≤ 0.01) may not have left chance level yet. */
export const SLOW_START_ITERATIONS = 500;

/**
 * Why a short run may stay near chance: the report's N(0, σ²) init with a tiny σ needs a few
 * hundred iterations before the loss moves. Null when the run is long enough or the init is not
 * such a small 'normal' one.
 */
export function slowStartHint(cfg: RunConfig, trainCount: number): string | null {
  if (cfg.init !== 'normal' || cfg.initStd > 0.01) return null;
  const n = totalIterations(cfg, trainCount);
  if (n >= SLOW_START_ITERATIONS) return null;
  return (
    `This run has only ${n} iteration${n === 1 ? '' : 's'}: with the 'normal' init at σ = ${cfg.initStd} the network needs a few hundred ` +
    `before it learns, so it may stay near chance (10–20%). Use He initialisation or the "Quick check" preset for a short run.`
  );
}

/** The learning rate for a 1-based epoch. */
export function learningRateAt(cfg: Pick<RunConfig, 'learningRate' | 'decayStart' | 'decayFactor'>, epoch: number): number {
  const k = Math.max(0, epoch - cfg.decayStart);
  return cfg.learningRate * Math.pow(cfg.decayFactor, k);
}
