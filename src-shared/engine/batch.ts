// From image bytes to the network's input: each 28×28 image is zero-padded by 2 on every side
// to 32×32 (the padding is pixel value 0, i.e. background), then every pixel is normalised:
//   'standardize': (p/255 − mean) / std with the mean and std of the TRAINING images' pixels
//   'scale01':     p/255
//   'center':      p − meanImage[pixel], on the raw 0–255 scale (the mean image of the TRAINING
//                  images, as the CS231n data pipeline the report's code descends from does;
//                  with the report's N(0, 0.001²) init this is what reproduces its first epochs)
// The training set stays bytes (a float copy of MNIST would cost 245 MB); a 256-entry lookup
// table turns bytes into floats per batch, written into a preallocated buffer.

import type { ImageSet } from './types';
import { IMAGE_SIZE, INPUT_SIZE } from './layout';

export type Normalization = 'standardize' | 'scale01' | 'center';

export interface NormStats {
  mode: Normalization;
  /** Of pixel/255 over the training images (scale01: 0 and 1, i.e. identity). */
  mean: number;
  std: number;
  /** 'center' only: the mean of each of the 28×28 pixels over the training images (0–255 scale). */
  meanImage?: number[];
}

/** Mean of each pixel over images [0, count) of a set, rounded to float32 (0–255 scale). */
export function meanImage(set: ImageSet, count: number): number[] {
  const px = set.rows * set.cols;
  if (!Number.isInteger(count) || count < 1 || count > set.count) throw new Error(`meanImage: count must be 1..${set.count} (got ${count}).`);
  const sum = new Float64Array(px);
  const p = set.pixels;
  for (let i = 0; i < count; i++) {
    const o = i * px;
    for (let j = 0; j < px; j++) sum[j] += p[o + j];
  }
  return Array.from(sum, (v) => Math.fround(v / count));
}

/** Mean and standard deviation of pixel/255 over images [0, count) of a set, from a byte histogram. */
export function pixelStats(set: ImageSet, count: number): { mean: number; std: number } {
  const px = set.rows * set.cols;
  if (!Number.isInteger(count) || count < 1 || count > set.count) throw new Error(`pixelStats: count must be 1..${set.count} (got ${count}).`);
  const hist = new Float64Array(256);
  const end = count * px;
  const p = set.pixels;
  for (let i = 0; i < end; i++) hist[p[i]]++;
  let s = 0, s2 = 0;
  for (let v = 0; v < 256; v++) { s += hist[v] * v; s2 += hist[v] * v * v; }
  const mean = s / end;
  const variance = Math.max(0, s2 / end - mean * mean);
  return { mean: mean / 255, std: Math.sqrt(variance) / 255 };
}

/** The normalisation for a run: standardize uses the training images [0, trainCount). */
export function normStats(mode: Normalization, train: ImageSet, trainCount: number): NormStats {
  if (mode === 'scale01') return { mode, mean: 0, std: 1 };
  if (mode === 'center') return { mode, mean: 0, std: 1 / 255, meanImage: meanImage(train, trainCount) };
  if (mode !== 'standardize') throw new Error(`Unknown normalization "${String(mode)}" (standardize, scale01 or center).`);
  const { mean, std } = pixelStats(train, trainCount);
  // A blank training set (all pixels equal) has std 0: fall back to 1 rather than divide by 0.
  return { mode, mean, std: std > 0 ? std : 1 };
}

/** byte → normalised float, as float32 (the value the network sees). */
export function lookupTable(stats: NormStats): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - stats.mean) / stats.std;
  return lut;
}

/** Writes the batch of images set[indices[start + i]] for i < n into x (n,1,32,32) and labels. */
export class BatchWriter {
  readonly x: Float32Array;
  readonly labels: Uint8Array;
  private readonly lut: Float32Array;
  private readonly mean: Float32Array | null;

  constructor(readonly maxBatch: number, readonly stats: NormStats) {
    this.x = new Float32Array(maxBatch * INPUT_SIZE * INPUT_SIZE);
    this.labels = new Uint8Array(maxBatch);
    this.lut = lookupTable(stats);
    this.mean = stats.meanImage ? Float32Array.from(stats.meanImage) : null;
    if (this.mean && this.mean.length !== IMAGE_SIZE * IMAGE_SIZE) throw new Error(`The mean image must have ${IMAGE_SIZE * IMAGE_SIZE} pixels.`);
  }

  /** Fills slots 0..n-1 from the given image indices (a list, read from `start`). */
  fill(set: ImageSet, indices: ArrayLike<number>, start: number, n: number): void {
    if (n > this.maxBatch) throw new Error(`BatchWriter: ${n} images exceed the buffer of ${this.maxBatch}.`);
    for (let i = 0; i < n; i++) this.writeImage(set, indices[start + i], i);
  }

  /** Fills slots 0..n-1 with images first, first+1, …, first+n-1. */
  fillRange(set: ImageSet, first: number, n: number): void {
    if (n > this.maxBatch) throw new Error(`BatchWriter: ${n} images exceed the buffer of ${this.maxBatch}.`);
    for (let i = 0; i < n; i++) this.writeImage(set, first + i, i);
  }

  private writeImage(set: ImageSet, index: number, slot: number): void {
    if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new Error(`Images must be ${IMAGE_SIZE}×${IMAGE_SIZE} (got ${set.rows}×${set.cols}).`);
    if (!(index >= 0 && index < set.count)) throw new Error(`Image index ${index} is outside the set of ${set.count}.`);
    const lut = this.lut, x = this.x, px = set.pixels, mean = this.mean;
    const pad = (INPUT_SIZE - IMAGE_SIZE) >> 1; // 2
    const bg = lut[0];
    const o = slot * INPUT_SIZE * INPUT_SIZE;
    const src = index * IMAGE_SIZE * IMAGE_SIZE;
    // Top and bottom padding rows.
    x.fill(bg, o, o + pad * INPUT_SIZE);
    x.fill(bg, o + (pad + IMAGE_SIZE) * INPUT_SIZE, o + INPUT_SIZE * INPUT_SIZE);
    for (let r = 0; r < IMAGE_SIZE; r++) {
      const row = o + (r + pad) * INPUT_SIZE;
      x[row] = bg; x[row + 1] = bg;
      const s = src + r * IMAGE_SIZE;
      if (mean) {
        const m = r * IMAGE_SIZE;
        for (let c = 0; c < IMAGE_SIZE; c++) x[row + pad + c] = lut[px[s + c]] - mean[m + c];
      } else {
        for (let c = 0; c < IMAGE_SIZE; c++) x[row + pad + c] = lut[px[s + c]];
      }
      x[row + pad + IMAGE_SIZE] = bg; x[row + pad + IMAGE_SIZE + 1] = bg;
    }
    this.labels[slot] = set.labels[index];
  }
}
