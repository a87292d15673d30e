// Small synthetic IDX files for the data tests, and a helper to catch the errors they cause.
import { IdxError } from '../../src-main/data/idx';

export function u32be(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** An IDX image file: header + count×rows×cols pixel bytes (deterministic pattern unless given). */
export function imageFile(count: number, opts: { rows?: number; cols?: number; magic?: number; declaredCount?: number; pixels?: Uint8Array } = {}): Uint8Array {
  const rows = opts.rows ?? 28;
  const cols = opts.cols ?? 28;
  const n = count * rows * cols;
  const out = new Uint8Array(16 + n);
  out.set([...u32be(opts.magic ?? 2051), ...u32be(opts.declaredCount ?? count), ...u32be(rows), ...u32be(cols)]);
  if (opts.pixels) out.set(opts.pixels, 16);
  else for (let i = 0; i < n; i++) out[16 + i] = (i * 37 + 11) & 255;
  return out;
}

/** An IDX label file holding the given labels. */
export function labelFile(labels: ArrayLike<number>, opts: { magic?: number; declaredCount?: number } = {}): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  out.set([...u32be(opts.magic ?? 2049), ...u32be(opts.declaredCount ?? labels.length)]);
  out.set(Array.from(labels), 8);
  return out;
}

/** Runs fn and returns the IdxError it throws; fails the test on success or on any other error type. */
export function idxError(fn: () => unknown): IdxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdxError) return e;
    throw new Error(`expected an IdxError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected an IdxError, but nothing was thrown');
}
