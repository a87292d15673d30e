// Strict readers for the IDX files MNIST ships in (http://yann.lecun.com/exdb/mnist/):
//   images: u32 BE magic 2051 (0x00000803), count, rows, cols, then count×rows×cols bytes
//   labels: u32 BE magic 2049 (0x00000801), count, then count bytes
// Plain or gzipped (detected by the 1f 8b signature, never by the file name).
//
// Every problem is an IdxError naming the file and what is wrong. Nothing is ever allocated from
// a header field: a header's count is only compared against the bytes actually present, and a
// gzip stream is inflated with a hard output limit.

import { gunzipSync } from 'node:zlib';
import type { ImageSet } from '../../src-shared/engine/types';

export const IMAGE_MAGIC = 2051;
export const LABEL_MAGIC = 2049;
export const IMAGE_HEADER_BYTES = 16;
export const LABEL_HEADER_BYTES = 8;
/** The product works on 28×28 greyscale digits. */
export const EXPECTED_ROWS = 28;
export const EXPECTED_COLS = 28;
export const NUM_CLASSES = 10;
/**
 * Largest IDX file (after inflating) we accept: 256 MiB, about 340,000 images of 28×28 —
 * five times MNIST's training set. Caps both reading a file and inflating a gzip.
 */
export const MAX_IDX_BYTES = 256 * 1024 * 1024;

/** A clear, named error for a bad IDX file: `file` says which, `problem` what is wrong. */
export class IdxError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
    this.file = file;
    this.problem = problem;
  }
}

export interface IdxOptions {
  /** Upper bound for the (inflated) file size in bytes; default MAX_IDX_BYTES. */
  maxBytes?: number;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major: a view into the (inflated) input, not a copy. */
  pixels: Uint8Array;
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/**
 * Returns the file's IDX bytes: the input itself when plain, inflated when gzipped. A gzip that
 * does not inflate (corrupt, truncated, trailing garbage) or inflates past the limit is an IdxError.
 */
export function inflateIdx(data: Uint8Array, file: string, opts: IdxOptions = {}): Uint8Array {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES;
  if (!isGzip(data)) {
    if (data.length > maxBytes) throw new IdxError(file, `file is ${plural(data.length, 'byte')}, more than the limit of ${plural(maxBytes, 'byte')}.`);
    return data;
  }
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IdxError(file, `gzip data inflates to more than the limit of ${plural(maxBytes, 'byte')} (a gzip bomb or not an MNIST-sized file).`);
    }
    throw new IdxError(file, `gzip data does not inflate (${err.message || String(e)}).`);
  }
}

function u32(d: Uint8Array, at: number): number {
  return ((d[at] << 24) >>> 0) + (d[at + 1] << 16) + (d[at + 2] << 8) + d[at + 3];
}

function describeMagic(m: number): string {
  const hex = '0x' + m.toString(16).padStart(8, '0');
  if (m === IMAGE_MAGIC) return `${m} (${hex}, an IDX image file)`;
  if (m === LABEL_MAGIC) return `${m} (${hex}, an IDX label file)`;
  return `${m} (${hex})`;
}

function checkMagic(d: Uint8Array, file: string, expected: number, what: string): void {
  const magic = u32(d, 0);
  if (magic !== expected) {
    throw new IdxError(file, `wrong magic number ${describeMagic(magic)}; expected ${expected} (0x${expected.toString(16).padStart(8, '0')}) for an IDX ${what} file.`);
  }
}

/** Parses an IDX image file (plain or gzipped). Images must be 28×28. */
export function parseIdxImages(input: Uint8Array, file: string, opts: IdxOptions = {}): IdxImages {
  return readIdxImages(inflateIdx(input, file, opts), file);
}

/** Parses the bytes of an already inflated IDX image file (no gzip detection). */
export function readIdxImages(d: Uint8Array, file: string): IdxImages {
  // The magic first (when there are 4 bytes), so a wrong kind of file is named as such.
  if (d.length >= 4) checkMagic(d, file, IMAGE_MAGIC, 'image');
  if (d.length < IMAGE_HEADER_BYTES) {
    throw new IdxError(file, `file is ${plural(d.length, 'byte')}, shorter than the ${IMAGE_HEADER_BYTES}-byte IDX image header (truncated or not an IDX file).`);
  }
  const count = u32(d, 4);
  const rows = u32(d, 8);
  const cols = u32(d, 12);
  if (rows !== EXPECTED_ROWS || cols !== EXPECTED_COLS) {
    throw new IdxError(file, `images are ${rows}×${cols}; this product needs ${EXPECTED_ROWS}×${EXPECTED_COLS} greyscale images.`);
  }
  if (count === 0) throw new IdxError(file, 'header declares 0 images; an image file must hold at least one.');
  const payload = d.length - IMAGE_HEADER_BYTES;
  const perImage = rows * cols;
  const need = count * perImage; // count < 2^32 and perImage = 784: exact in a double
  if (payload < need) {
    throw new IdxError(file, `truncated: the header declares ${plural(count, 'image')} of ${rows}×${cols} (${plural(need, 'byte')}) but only ${plural(payload, 'byte')} follow the header.`);
  }
  if (payload > need) {
    throw new IdxError(file, `too long: the header declares ${plural(count, 'image')} of ${rows}×${cols} (${plural(need, 'byte')}) but ${plural(payload, 'byte')} follow the header (${plural(payload - need, 'extra byte')}).`);
  }
  return { count, rows, cols, pixels: d.subarray(IMAGE_HEADER_BYTES) };
}

/** Parses an IDX label file (plain or gzipped). Labels must be 0..9. */
export function parseIdxLabels(input: Uint8Array, file: string, opts: IdxOptions = {}): Uint8Array {
  return readIdxLabels(inflateIdx(input, file, opts), file);
}

/** Parses the bytes of an already inflated IDX label file (no gzip detection). */
export function readIdxLabels(d: Uint8Array, file: string): Uint8Array {
  // The magic first (when there are 4 bytes), so a wrong kind of file is named as such.
  if (d.length >= 4) checkMagic(d, file, LABEL_MAGIC, 'label');
  if (d.length < LABEL_HEADER_BYTES) {
    throw new IdxError(file, `file is ${plural(d.length, 'byte')}, shorter than the ${LABEL_HEADER_BYTES}-byte IDX label header (truncated or not an IDX file).`);
  }
  const count = u32(d, 4);
  if (count === 0) throw new IdxError(file, 'header declares 0 labels; a label file must hold at least one.');
  const payload = d.length - LABEL_HEADER_BYTES;
  if (payload < count) {
    throw new IdxError(file, `truncated: the header declares ${plural(count, 'label')} but only ${plural(payload, 'byte')} follow the header.`);
  }
  if (payload > count) {
    throw new IdxError(file, `too long: the header declares ${plural(count, 'label')} but ${plural(payload, 'byte')} follow the header (${plural(payload - count, 'extra byte')}).`);
  }
  const labels = d.subarray(LABEL_HEADER_BYTES);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= NUM_CLASSES) {
      throw new IdxError(file, `label ${labels[i]} at index ${i} is above ${NUM_CLASSES - 1}; this product needs ${NUM_CLASSES} classes (0–${NUM_CLASSES - 1}).`);
    }
  }
  return labels;
}

/**
 * Parses a matching pair of image and label files into an ImageSet (pixels stay bytes).
 * Mismatched counts are an IdxError naming both files.
 */
export function parseIdxPair(
  images: { data: Uint8Array; file: string },
  labels: { data: Uint8Array; file: string },
  opts: IdxOptions = {},
): ImageSet {
  return combineIdx(parseIdxImages(images.data, images.file, opts), images.file, parseIdxLabels(labels.data, labels.file, opts), labels.file);
}

/** Joins parsed images and labels into an ImageSet; mismatched counts are an IdxError naming both files. */
export function combineIdx(im: IdxImages, imagesFile: string, lb: Uint8Array, labelsFile: string): ImageSet {
  if (im.count !== lb.length) {
    throw new IdxError(
      `${imagesFile} + ${labelsFile}`,
      `mismatched counts: ${plural(im.count, 'image')} but ${plural(lb.length, 'label')}.`,
    );
  }
  return { count: im.count, rows: im.rows, cols: im.cols, pixels: im.pixels, labels: lb };
}
