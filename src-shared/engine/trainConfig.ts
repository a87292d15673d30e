// Run-time checks of a TrainConfig inside the engine (a checkpoint's header is untrusted data;
// the engine imports nothing but itself, so this mirrors src-shared/config's field table).

import type { TrainConfig } from './types';
import { ACTIVATIONS, C3_CONNECTIONS, DEFAULT_ARCHITECTURE, OUTPUTS, POOLINGS } from './arch';

type Spec = { kind: 'int'; min: number; max: number } | { kind: 'num'; min: number; max: number; minExclusive?: boolean } | { kind: 'enum'; values: readonly string[] };

const SPECS: Record<keyof TrainConfig, Spec> = {
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  epochs: { kind: 'int', min: 1, max: 1000 },
  batchSize: { kind: 'int', min: 1, max: 65536 },
  optimizer: { kind: 'enum', values: ['adam', 'sgd'] },
  learningRate: { kind: 'num', min: 0, max: 10, minExclusive: true },
  momentum: { kind: 'num', min: 0, max: 0.9999 },
  beta1: { kind: 'num', min: 0, max: 0.9999 },
  beta2: { kind: 'num', min: 0, max: 0.999999 },
  epsilon: { kind: 'num', min: 0, max: 1, minExclusive: true },
  weightDecay: { kind: 'num', min: 0, max: 1 },
  weightDecayStart: { kind: 'int', min: 0, max: 1000 },
  decayStart: { kind: 'int', min: 0, max: 1000 },
  decayFactor: { kind: 'num', min: 0, max: 1, minExclusive: true },
  sampling: { kind: 'enum', values: ['sequential', 'shuffle', 'bootstrap'] },
  init: { kind: 'enum', values: ['normal', 'he', 'xavier'] },
  initStd: { kind: 'num', min: 0, max: 10, minExclusive: true },
  normalization: { kind: 'enum', values: ['standardize', 'scale01', 'center'] },
  validationSize: { kind: 'int', min: 1, max: 1_000_000 },
  trainEvalSize: { kind: 'int', min: 1, max: 1_000_000 },
  trainSubset: { kind: 'int', min: 0, max: 1_000_000 },
  checkpointEvery: { kind: 'int', min: 1, max: 1000 },
  activation: { kind: 'enum', values: ACTIVATIONS },
  pooling: { kind: 'enum', values: POOLINGS },
  c3Connections: { kind: 'enum', values: C3_CONNECTIONS },
  output: { kind: 'enum', values: OUTPUTS },
};

export const TRAIN_CONFIG_KEYS = Object.keys(SPECS) as (keyof TrainConfig)[];

/**
 * Returns a clean copy holding exactly the TrainConfig fields (a RunConfig's extra fields, such
 * as `dataset`, are dropped), or throws one message listing every problem.
 */
export function checkTrainConfig(input: unknown): TrainConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('The training config must be an object.');
  // Checkpoints written before weightDecay, weightDecayStart or the architecture switches existed
  // had none: read a missing value as what those runs trained with (no L2, from the first
  // iteration; the report's model).
  const obj: Record<string, unknown> = { weightDecay: 0, weightDecayStart: 0, ...DEFAULT_ARCHITECTURE, ...(input as Record<string, unknown>) };
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const key of TRAIN_CONFIG_KEYS) {
    const v = obj[key], s = SPECS[key];
    if (s.kind === 'enum') {
      if (typeof v !== 'string' || !s.values.includes(v)) problems.push(`${key} must be one of ${s.values.join(', ')} (got ${JSON.stringify(v)})`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || (s.kind === 'int' && !Number.isInteger(v))) {
      problems.push(`${key} must be a ${s.kind === 'int' ? 'whole' : 'finite'} number (got ${JSON.stringify(v)})`);
    } else if ((s.kind === 'num' && s.minExclusive ? v <= s.min : v < s.min) || v > s.max) {
      problems.push(`${key} must be between ${s.min} and ${s.max} (got ${v})`);
    }
    out[key] = v;
  }
  if (problems.length) throw new Error(`Invalid training config: ${problems.join('; ')}.`);
  return out as unknown as TrainConfig;
}
