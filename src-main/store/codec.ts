// Binary encodings of the store's BLOB columns, and the NaN convention for REAL columns.
//
// BLOBs are little-endian typed arrays (every platform Electron ships on is little-endian; the
// module refuses to load elsewhere rather than silently mis-read):
//   iteration losses  Float64 per iteration (NaN and ±Infinity keep their bits)
//   probabilities     Float32 × 10 per prediction (40 bytes)
//   confusion matrix  Int32 × 100, row = true label, column = predicted
//
// NaN in REAL columns: SQLite stores NaN as NULL, which would read back as null and sort or sum
// like a missing value. ±Infinity are stored as REAL and read back exactly. For NaN, each table
// with NaN-able REAL columns has a `nan_mask INTEGER` column: bit i set ⇔ the i-th NaN-able
// column (listed next to the table in the migration) holds NaN, and the column itself is NULL.
// A CHECK constraint ties the two together, so a NULL without its bit is rejected. Readers go
// through `fromReal`, which turns a flagged NULL back into NaN.

import { endianness } from 'node:os';

if (endianness() !== 'LE') throw new Error('The LeNet Workbench store needs a little-endian machine.');

export function f64Blob(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function f32Blob(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function i32Blob(a: Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Copies (a BLOB Buffer may not be aligned for a typed-array view). */
export function blobF64(b: Buffer): Float64Array {
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function blobF32(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function blobI32(b: Buffer): Int32Array {
  const out = new Int32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Encodes NaN-able values for REAL columns: NaN → NULL plus bit i in the returned mask. */
export function toReals(values: readonly number[]): { reals: (number | null)[]; mask: number } {
  let mask = 0;
  const reals = values.map((v, i) => {
    if (Number.isNaN(v)) {
      mask |= 1 << i;
      return null;
    }
    return v;
  });
  return { reals, mask };
}

/** Decodes one NaN-able REAL column: a NULL with its mask bit set is NaN. */
export function fromReal(v: number | null, mask: number, bit: number): number | null {
  if (v === null) return mask & (1 << bit) ? NaN : null;
  return v;
}

/** Like fromReal for columns that are never NULL except for NaN. */
export function fromRealRequired(v: number | null, mask: number, bit: number): number {
  const r = fromReal(v, mask, bit);
  if (r === null) throw new Error(`A required REAL column is NULL without its NaN flag (bit ${bit}); the database was edited outside the app.`);
  return r;
}
