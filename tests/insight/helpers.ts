// Test helpers for the inspection code: seeded He-style parameters and normalised MNIST inputs.
import { Prng } from '../../src-shared/engine/prng';
import { PARAM_COUNT, PARAM_TABLE } from '../../src-shared/engine/layout';
import { normStats, type NormStats } from '../../src-shared/engine/batch';
import type { ImageSet } from '../../src-shared/engine/types';
import { writeInput, INPUT_PIXELS } from '../../src-shared/engine/inspect/input';
import { mnistTest, mnistTrain } from '../engine/helpers';

/** He-style weights and small non-zero biases (so every bias matters), from a seed. */
export function randomParams(seed: number): Float32Array {
  const p = new Float32Array(PARAM_COUNT);
  const rng = new Prng(seed);
  for (const e of PARAM_TABLE) {
    const fanIn = e.shape.length === 1 ? 1 : e.size / e.shape[0];
    const std = e.shape.length === 1 ? 0.05 : Math.sqrt(2 / fanIn);
    for (let i = 0; i < e.size; i++) p[e.offset + i] = rng.normal() * std;
  }
  return p;
}

/** The standardisation statistics of the first 1,000 MNIST training images. */
export function mnistStats(mode: NormStats['mode'] = 'standardize'): NormStats {
  return normStats(mode, mnistTrain(1000), 1000);
}

/** Images [0, n) of the MNIST test set as network inputs (n, 1, 32, 32). */
export function mnistInputs(n: number, stats: NormStats): { x: Float32Array; set: ImageSet } {
  const set = mnistTest(n);
  const x = new Float32Array(n * INPUT_PIXELS);
  for (let i = 0; i < n; i++) writeInput(x, i * INPUT_PIXELS, set.pixels, stats, i * 784);
  return { x, set };
}

/** max |a − b| over the first n elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}
