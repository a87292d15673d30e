// How a training set is divided for a run, and the identity check of a set for checkpoints.
//   validation: the last `validationSize` images
//   training:   images [0, nTrain): all the rest, or only the first `trainSubset` of them
//   train-eval: a fixed sample of `trainEvalSize` training images on which train accuracy is
//               measured each epoch, chosen once from the seed (its own PRNG stream), sorted

import type { ImageSet, TrainConfig } from './types';
import { Prng } from './prng';
import { IMAGE_SIZE, NUM_CLASSES } from './layout';

/** PRNG streams of one seed: each use draws from its own, so none shifts another. */
export const STREAM = { init: 1, sampling: 2, trainEval: 3 } as const;

export interface Split {
  nTrain: number;
  valStart: number;
  valCount: number;
  /** Indices (into the set) of the fixed train-accuracy sample, ascending. */
  trainEval: Uint32Array;
}

/** Throws a clear message unless `set` is a well-formed 28×28, 10-class ImageSet. */
export function checkImageSet(set: ImageSet, what: string): void {
  if (typeof set !== 'object' || set === null) throw new Error(`The ${what} set is missing.`);
  if (!Number.isInteger(set.count) || set.count < 1) throw new Error(`The ${what} set must hold at least one image (count ${set.count}).`);
  if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new Error(`The ${what} set's images must be ${IMAGE_SIZE}×${IMAGE_SIZE} (got ${set.rows}×${set.cols}).`);
  if (!(set.pixels instanceof Uint8Array) || set.pixels.length !== set.count * IMAGE_SIZE * IMAGE_SIZE) throw new Error(`The ${what} set's pixels must be ${set.count}·784 bytes.`);
  if (!(set.labels instanceof Uint8Array) || set.labels.length !== set.count) throw new Error(`The ${what} set needs ${set.count} labels.`);
  for (let i = 0; i < set.count; i++) if (set.labels[i] >= NUM_CLASSES) throw new Error(`The ${what} set's label ${set.labels[i]} at index ${i} is not a class 0..9.`);
}

/**
 * How many images a run trains on in a training set of `total` images (validation split off,
 * then the subset); throws a clear message when the config does not fit the set.
 */
export function trainingCount(cfg: Pick<TrainConfig, 'validationSize' | 'trainSubset' | 'batchSize'>, total: number): number {
  if (cfg.validationSize >= total) throw new Error(`validationSize (${cfg.validationSize}) leaves no training images in a set of ${total}.`);
  const available = total - cfg.validationSize;
  if (cfg.trainSubset > available) throw new Error(`trainSubset (${cfg.trainSubset}) exceeds the ${available} training images left after the validation split.`);
  const nTrain = cfg.trainSubset > 0 ? cfg.trainSubset : available;
  if (cfg.batchSize > nTrain) throw new Error(`batchSize (${cfg.batchSize}) is larger than the ${nTrain} training images.`);
  return nTrain;
}

export function splitTrainSet(cfg: TrainConfig, set: ImageSet): Split {
  const nTrain = trainingCount(cfg, set.count);
  const available = set.count - cfg.validationSize;
  const k = Math.min(cfg.trainEvalSize, nTrain);
  const trainEval = new Uint32Array(k);
  if (k === nTrain) {
    for (let i = 0; i < k; i++) trainEval[i] = i;
  } else {
    // Partial Fisher–Yates: the first k of a random permutation, then sorted for locality.
    const rng = new Prng(cfg.seed, STREAM.trainEval);
    const all = new Uint32Array(nTrain);
    for (let i = 0; i < nTrain; i++) all[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + rng.below(nTrain - i);
      const t = all[i]; all[i] = all[j]; all[j] = t;
    }
    trainEval.set(all.subarray(0, k));
    trainEval.sort();
  }
  return { nTrain, valStart: available, valCount: cfg.validationSize, trainEval };
}

/**
 * A 32-bit FNV-1a-style fingerprint of a set's count, labels and pixels (pixels four bytes at a
 * time where aligned), as 8 hex digits. A sanity check that a checkpoint resumes on the same
 * data, not a cryptographic hash (the store keeps the dataset's SHA-256).
 */
export function fingerprint(set: ImageSet): string {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ set.count, 0x01000193);
  const l = set.labels, p = set.pixels;
  for (let i = 0; i < l.length; i++) h = Math.imul(h ^ l[i], 0x01000193);
  const nWords = p.length >>> 2;
  if (p.byteOffset % 4 === 0) {
    const words = new Uint32Array(p.buffer, p.byteOffset, nWords); // little-endian words
    for (let w = 0; w < nWords; w++) {
      h = Math.imul(h ^ words[w], 0x01000193);
      h ^= h >>> 15;
    }
  } else {
    for (let w = 0; w < nWords; w++) {
      const j = w * 4;
      h = Math.imul(h ^ (p[j] | (p[j + 1] << 8) | (p[j + 2] << 16) | (p[j + 3] << 24)), 0x01000193);
      h ^= h >>> 15;
    }
  }
  for (let i = nWords * 4; i < p.length; i++) h = Math.imul(h ^ p[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
