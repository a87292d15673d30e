// The few protocol-buffer encodings an ONNX file needs, written by hand (the format is small and
// stable: varints, length-delimited fields and little-endian fixed32), so exporting a model pulls
// in no protobuf library. Messages are built bottom-up: each field is encoded to bytes, and a
// message is the concatenation of its fields.
// Wire types: 0 varint, 2 length-delimited, 5 fixed32.

export type Bytes = Uint8Array;

const enc = new TextEncoder();

/** Base-128 varint of a non-negative whole number up to 2⁵³ (ONNX's int64 fields here are never negative). */
export function varint(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`protobuf: ${n} is not a non-negative safe integer.`);
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export function concat(parts: readonly Bytes[]): Bytes {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function tag(field: number, wire: 0 | 2 | 5): Bytes {
  return varint(field * 8 + wire);
}

/** A varint field (int32, int64, enum, bool). */
export function fVarint(field: number, n: number): Bytes {
  return concat([tag(field, 0), varint(n)]);
}

/** A length-delimited field holding raw bytes or an encoded sub-message. */
export function fBytes(field: number, bytes: Bytes): Bytes {
  return concat([tag(field, 2), varint(bytes.length), bytes]);
}

export function fString(field: number, s: string): Bytes {
  return fBytes(field, enc.encode(s));
}

/** A float field (fixed32, little-endian). */
export function fFloat(field: number, f: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, f, true);
  return concat([tag(field, 5), b]);
}

/** A message from its encoded fields. */
export function message(fields: readonly Bytes[]): Bytes {
  return concat(fields);
}

/** float32 values as little-endian bytes (ONNX raw_data). */
export function float32Bytes(values: ArrayLike<number>): Bytes {
  const b = new Uint8Array(values.length * 4);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return b;
}

/** int64 values as little-endian bytes (ONNX raw_data); safe integers only. */
export function int64Bytes(values: readonly number[]): Bytes {
  const b = new Uint8Array(values.length * 8);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => {
    if (!Number.isSafeInteger(v)) throw new Error(`protobuf: ${v} is not a safe integer.`);
    dv.setBigInt64(i * 8, BigInt(v), true);
  });
  return b;
}
