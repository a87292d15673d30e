// Test helpers for the engine: seeded random arrays and a central-difference gradient check.
import { Prng } from '../../src-shared/engine/prng';

export function randn64(rng: Prng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Central differences on L(θ) = Σ out·dout (the sum(out * dout) trick): for each checked index i
 * of `param`, (L(θ+h·e_i) − L(θ−h·e_i)) / 2h. `loss` recomputes L from the current arrays.
 */
export function numericGrad(param: Float64Array | Float32Array, loss: () => number, indices: number[], h: number): number[] {
  return indices.map((i) => {
    const old = param[i];
    param[i] = old + h;
    const lp = loss();
    param[i] = old - h;
    const lm = loss();
    param[i] = old;
    return (lp - lm) / (2 * h);
  });
}

/** max |a − b| / max(|a|, |b|, floor) over the pairs. */
export function maxRelError(analytic: number[], numeric: number[], floor = 1e-6): number {
  let worst = 0;
  for (let k = 0; k < analytic.length; k++) {
    const a = analytic[k], b = numeric[k];
    const e = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
    if (!(e <= worst)) worst = e; // NaN propagates as a failure
  }
  return worst;
}

export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

import type { ImageSet, TrainConfig } from '../../src-shared/engine/types';
import { loadMnist } from '../../src-main/data/mnist';
import { ACTIVATIONS, C3_CONNECTIONS, DEFAULT_ARCHITECTURE, LENET1998_ARCHITECTURE, OUTPUTS, POOLINGS, type Architecture } from '../../src-shared/engine/arch';

/** Images [start, start + count) of a set, sharing its memory. */
export function sliceSet(set: ImageSet, start: number, count: number): ImageSet {
  const px = set.rows * set.cols;
  return { count, rows: set.rows, cols: set.cols, pixels: set.pixels.subarray(start * px, (start + count) * px), labels: set.labels.subarray(start, start + count) };
}

/** The first `count` MNIST training images (real data, through the data engineer's loader). */
export function mnistTrain(count: number): ImageSet {
  return sliceSet(loadMnist().train, 0, count);
}

export function mnistTest(count: number): ImageSet {
  return sliceSet(loadMnist().test, 0, count);
}

/** A small, fast training config (TrainConfig fields only). */
export function smallConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    seed: 7, epochs: 2, batchSize: 8, optimizer: 'adam', learningRate: 1e-3, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, weightDecayStart: 0,
    decayStart: 1, decayFactor: 0.5, sampling: 'sequential', init: 'he', initStd: 0.001, normalization: 'standardize',
    validationSize: 10, trainEvalSize: 20, trainSubset: 0, checkpointEvery: 1,
    activation: 'relu', pooling: 'max', c3Connections: 'full', output: 'softmax', ...over,
  };
}

/** Asserts two float arrays are bit-identical (fast, unlike a deep equal of 61,706 numbers). */
export function expectSameBits(actual: Float32Array, expected: Float32Array, what = 'array'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) throw new Error(`${what}: first difference at index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Every architecture (engine/arch.ts): 3 activations × 3 poolings × 2 C3 tables × 2 outputs. */
export const ALL_ARCHITECTURES: Architecture[] = ACTIVATIONS.flatMap((activation) => POOLINGS.flatMap((pooling) => C3_CONNECTIONS.flatMap((c3Connections) => OUTPUTS.map((output) => ({ activation, pooling, c3Connections, output })))));

/** Each switch value flipped alone from the report's model, then LeCun's 1998 network. */
export const SINGLE_SWITCHES: readonly Architecture[] = [
  { ...DEFAULT_ARCHITECTURE, activation: 'tanh' },
  { ...DEFAULT_ARCHITECTURE, activation: 'sigmoid' },
  { ...DEFAULT_ARCHITECTURE, pooling: 'average' },
  { ...DEFAULT_ARCHITECTURE, pooling: 'subsampling' },
  { ...DEFAULT_ARCHITECTURE, c3Connections: 'lecun' },
  { ...DEFAULT_ARCHITECTURE, output: 'rbf' },
  { ...LENET1998_ARCHITECTURE },
];
