// Image bytes by index, fetched in batches through the API and cached per dataset and split (a
// digit is 784 bytes; 10,000 of them are 7.8 MB, so the cache keeps everything it has seen). Test
// images by default; the validation images of a run's timeline are training-set images.
import { api } from '../api';

const cache = new Map<string, Map<number, { pixels: Uint8Array; label: number }>>();
const MAX_BATCH = 1000;

export interface GalleryItem {
  index: number;
  /** Big caption, e.g. "4 → 9". */
  title: string;
  /** Small lines, e.g. "confidence 87.10%". */
  lines: string[];
  /** Short facts shown as unbreakable chips, e.g. the top 3 classes "9 87.1%", "4 12.0%". */
  chips?: { label: string; text: string }[];
}

export interface Digit {
  pixels: Uint8Array;
  label: number;
}

export async function loadDigits(dataset: string, indices: readonly number[], split: 'train' | 'test' = 'test'): Promise<Map<number, Digit>> {
  const key = `${split}:${dataset}`;
  let ds = cache.get(key);
  if (!ds) {
    ds = new Map();
    cache.set(key, ds);
  }
  const missing = [...new Set(indices)].filter((i) => !ds.has(i));
  for (let s = 0; s < missing.length; s += MAX_BATCH) {
    const chunk = missing.slice(s, s + MAX_BATCH);
    const b = await api.getImages({ dataset, split, indices: chunk });
    const size = b.rows * b.cols;
    chunk.forEach((idx, k) => ds.set(idx, { pixels: b.pixels.slice(k * size, (k + 1) * size), label: b.labels[k] }));
  }
  const out = new Map<number, Digit>();
  for (const i of indices) {
    const d = ds.get(i);
    if (d) out.set(i, d);
  }
  return out;
}
