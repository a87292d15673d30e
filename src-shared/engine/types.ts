// The data and trainer types the rest of the app codes against. engine/solver implements them.
// (The engine imports nothing but itself, so its config type mirrors src-shared/config's
// RunConfig structurally; a RunConfig is assignable to TrainConfig.)

import type { Architecture } from './arch';

/** A run's training settings, the architecture switches (engine/arch.ts) included. */
export interface TrainConfig extends Architecture {
  seed: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 regularisation λ over the weights (not biases); 0 = none. */
  weightDecay: number;
  /** L2 applies from epoch weightDecayStart + 1 on (1-based); 0 = from the first iteration. */
  weightDecayStart: number;
  decayStart: number;
  decayFactor: number;
  sampling: 'sequential' | 'shuffle' | 'bootstrap';
  init: 'normal' | 'he' | 'xavier';
  initStd: number;
  normalization: 'standardize' | 'scale01' | 'center';
  validationSize: number;
  trainEvalSize: number;
  trainSubset: number;
  checkpointEvery: number;
}

/** Greyscale 28×28 images kept as bytes (a padded float copy of MNIST would cost 245 MB). */
export interface ImageSet {
  count: number;
  rows: number; // 28
  cols: number; // 28
  /** count × rows × cols bytes, row-major. */
  pixels: Uint8Array;
  /** count labels, each 0..9. */
  labels: Uint8Array;
}

/** A dataset as loaded by src-main/data: the full training and test sets. */
export interface Dataset {
  name: string;
  /** SHA-256 (hex) over the four files' contents; identifies the dataset. */
  hash: string;
  train: ImageSet;
  test: ImageSet;
}

export interface IterationInfo {
  epoch: number; // 1-based
  iteration: number; // global, 1-based
  iterationInEpoch: number; // 1-based
  itersPerEpoch: number;
  loss: number;
  learningRate: number;
}

/** One iteration's loss as it is recorded (the worker sends them, the store keeps them). */
export interface IterationLoss {
  /** Global iteration, 1-based. */
  iteration: number;
  /** 1-based epoch the iteration belongs to. */
  epoch: number;
  /** Any number: NaN and ±Infinity are kept exactly. */
  loss: number;
}

export interface EpochMetrics {
  epoch: number; // 1-based
  trainAccuracy: number; // 0..1 on the fixed training sample
  trainLoss: number; // mean loss on that sample
  valAccuracy: number;
  valLoss: number;
  learningRate: number;
  meanIterationLoss: number;
  durationMs: number;
  imagesPerSecond: number;
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  count: number;
  /** 10×10, row = true label, column = predicted: confusion[t * 10 + p]. */
  confusion: Int32Array;
  /** Per image: predicted label. */
  predicted: Uint8Array;
  /** Per image: the 10 probabilities, (count, 10). */
  probabilities: Float32Array;
}

export interface Trainer {
  readonly config: TrainConfig;
  /** Completed epochs so far (0 before the first). */
  readonly epoch: number;
  /** Global iteration count so far. */
  readonly iteration: number;
  readonly itersPerEpoch: number;
  readonly done: boolean;
  /** The flat parameter buffer (engine/layout). */
  readonly params: Float32Array;
  /** Runs one minibatch. Returns its info; at an epoch's last batch, `epochEnd` holds the epoch's metrics. */
  step(): IterationInfo & { epochEnd?: EpochMetrics };
  /** Serialises everything needed to continue exactly (magic number + format version). */
  checkpoint(): Uint8Array;
  /** Evaluates the current parameters on a set (e.g. the test set). */
  evaluate(set: ImageSet): Evaluation;
}
