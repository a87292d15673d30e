// From 28×28 pixel values (0–255) to the network's 32×32 input, exactly as engine/batch's
// BatchWriter does it for bytes, but for any real pixel values: a drawn digit, or a pixel nudged
// by a finite-difference check of the saliency maps. Same float32 roundings as BatchWriter's
// lookup table, so bytes give bit-identical inputs.
//
//   x[r+2][c+2] = (p/255 − mean)/std − meanImage[r][c]   (meanImage only for 'center')
//   padding     = (0/255 − mean)/std                        (the background value, lut[0])
//
// dx/dp = 1 / (255·std) for every mode ('center' has std = 1/255, so there it is 1).

import type { NormStats } from '../batch';
import { IMAGE_SIZE, INPUT_SIZE } from '../layout';

const PAD = (INPUT_SIZE - IMAGE_SIZE) >> 1; // 2
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE; // 784
export const INPUT_PIXELS = INPUT_SIZE * INPUT_SIZE; // 1024

/**
 * How the input is rounded: 'float32' as BatchWriter's table and the network's float32 input do
 * (the default), 'float64' not at all (finite-difference checks nudge pixels by tiny amounts).
 */
export type InputPrecision = 'float32' | 'float64';

const identity = (v: number): number => v;

/**
 * Writes the padded, normalised input (1, 1, 32, 32) of one 28×28 image into `out` at `at`.
 * `pixels` holds 784 values 0–255 row-major (bytes or reals). Float32 outputs equal BatchWriter's.
 */
export function writeInput(out: Float32Array | Float64Array, at: number, pixels: ArrayLike<number>, stats: NormStats, pixelOffset = 0, precision: InputPrecision = 'float32'): void {
  if (pixelOffset < 0 || pixelOffset + PIXELS > pixels.length) throw new Error(`writeInput: need ${PIXELS} pixels at offset ${pixelOffset} (have ${pixels.length}).`);
  if (at < 0 || at + INPUT_PIXELS > out.length) throw new Error(`writeInput: the output needs ${INPUT_PIXELS} floats at ${at}.`);
  const mean = stats.meanImage;
  if (mean && mean.length !== PIXELS) throw new Error(`writeInput: the mean image must have ${PIXELS} pixels.`);
  const round = precision === 'float32' ? Math.fround : identity;
  const normalised = (p: number): number => round((p / 255 - stats.mean) / stats.std);
  const bg = normalised(0);
  out.fill(bg, at, at + INPUT_PIXELS);
  for (let r = 0; r < IMAGE_SIZE; r++) {
    const row = at + (r + PAD) * INPUT_SIZE + PAD;
    for (let c = 0; c < IMAGE_SIZE; c++) {
      const p = pixels[pixelOffset + r * IMAGE_SIZE + c];
      const v = normalised(p);
      out[row + c] = mean ? round(v - round(mean[r * IMAGE_SIZE + c])) : v;
    }
  }
}

/** d(input pixel of the 32×32 field)/d(raw pixel value): the chain-rule factor of the normalisation. */
export function pixelScale(stats: NormStats): number {
  return 1 / (255 * stats.std);
}

/** The 28×28 interior of a (32, 32) field, times `scale`: maps an input gradient to pixel space. */
export function cropInterior(field: ArrayLike<number>, at: number, scale: number, out: Float64Array = new Float64Array(PIXELS)): Float64Array {
  for (let r = 0; r < IMAGE_SIZE; r++) {
    const row = at + (r + PAD) * INPUT_SIZE + PAD;
    for (let c = 0; c < IMAGE_SIZE; c++) out[r * IMAGE_SIZE + c] = field[row + c] * scale;
  }
  return out;
}
