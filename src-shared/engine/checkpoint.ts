// The checkpoint container (llm.c's model header idea): a magic number, a format version, a
// length-checked JSON header for the small state, the big buffers as raw little-endian arrays,
// and a CRC-32 over everything before it.
//
//   offset 0   8 bytes   magic "LENET5CK"
//          8   u32       format version (CHECKPOINT_VERSION)
//         12   u32       header length H in bytes (JSON, UTF-8, padded with spaces to a multiple of 4)
//         16   H bytes   header; header.buffers lists the arrays that follow: [{ name, type, length }]
//     16 + H   …         each buffer's elements, 4 bytes each (f32 or u32), in header order
//    end − 4   u32       CRC-32 (IEEE) of bytes [0, end − 4)
//
// The reader refuses wrong magic, unknown versions (with a hint), truncated or over-long data,
// a corrupt header and a checksum mismatch, each with a clear message.
//
// Versions (the container is the same; what the header must hold grew):
//   1  the report's LeNet-5 only: the header has no architecture
//   2  the header records the network's architecture (engine/arch.ts), and the parameter buffer
//      has that architecture's layout (engine/layout.ts layoutFor); solver.ts reads both versions,
//      a version-1 checkpoint as the report's model

export const CHECKPOINT_MAGIC = 'LENET5CK';
export const CHECKPOINT_VERSION = 2;
/** Every version this engine reads. */
export const READABLE_CHECKPOINT_VERSIONS: readonly number[] = [1, 2];
const PREFIX = 16;

export type BufferType = 'f32' | 'u32';
export type CheckpointBuffer = Float32Array | Uint32Array;

export interface BufferEntry { name: string; type: BufferType; length: number }

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('The checkpoint format assumes a little-endian machine.');
}

let crcTable: Uint32Array | null = null;
export function crc32(bytes: Uint8Array, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Serialises a header object and named buffers. `header.buffers` is set by this function. */
export function encodeCheckpoint(header: Record<string, unknown>, buffers: { name: string; data: CheckpointBuffer }[]): Uint8Array {
  const entries: BufferEntry[] = buffers.map((b) => ({ name: b.name, type: b.data instanceof Float32Array ? 'f32' : 'u32', length: b.data.length }));
  let json = JSON.stringify({ ...header, buffers: entries });
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  if (hb.length % 4) { json += ' '.repeat(4 - (hb.length % 4)); hb = enc.encode(json); }
  const dataBytes = entries.reduce((s, e) => s + e.length * 4, 0);
  const total = PREFIX + hb.length + dataBytes + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, hb.length, true);
  out.set(hb, PREFIX);
  let off = PREFIX + hb.length;
  for (const b of buffers) {
    out.set(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength), off);
    off += b.data.byteLength;
  }
  dv.setUint32(total - 4, crc32(out, total - 4), true);
  return out;
}

export interface DecodedCheckpoint {
  version: number;
  /** The parsed JSON header (untrusted: the caller checks every field). */
  header: Record<string, unknown>;
  buffers: Map<string, CheckpointBuffer>;
}

/** Parses and verifies the container; returns copies of the buffers (aligned, independent of `bytes`). */
export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint {
  if (!(bytes instanceof Uint8Array)) throw new Error('A checkpoint must be a Uint8Array of bytes.');
  if (bytes.length < PREFIX + 4) throw new Error(`Not a LeNet Workbench checkpoint: only ${bytes.length} bytes (a checkpoint starts with a ${PREFIX}-byte prefix).`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== CHECKPOINT_MAGIC.charCodeAt(i)) throw new Error(`Not a LeNet Workbench checkpoint: wrong magic number (expected "${CHECKPOINT_MAGIC}").`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!READABLE_CHECKPOINT_VERSIONS.includes(version)) {
    throw new Error(version > CHECKPOINT_VERSION
      ? `Checkpoint format version ${version} is newer than this engine reads (versions ${READABLE_CHECKPOINT_VERSIONS.join(' and ')}): update LeNet Workbench to load it.`
      : `Unknown checkpoint format version ${version} (this engine reads versions ${READABLE_CHECKPOINT_VERSIONS.join(' and ')}); the file may be damaged or come from another program.`);
  }
  const hlen = dv.getUint32(12, true);
  if (hlen % 4 !== 0) throw new Error(`Corrupt checkpoint: header length ${hlen} is not a multiple of 4.`);
  if (PREFIX + hlen + 4 > bytes.length) throw new Error(`Checkpoint is truncated: its header alone needs ${PREFIX + hlen + 4} bytes, got ${bytes.length}.`);
  let header: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + hlen)));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    header = parsed as Record<string, unknown>;
  } catch (e) {
    throw new Error(`Corrupt checkpoint: the header is not valid JSON (${(e as Error).message}).`);
  }
  const entries = header.buffers;
  if (!Array.isArray(entries)) throw new Error('Corrupt checkpoint: the header lists no buffers.');
  let dataBytes = 0;
  for (const e of entries as unknown[]) {
    const be = e as Partial<BufferEntry> | null;
    if (!be || typeof be.name !== 'string' || (be.type !== 'f32' && be.type !== 'u32') || !Number.isInteger(be.length) || (be.length as number) < 0 || (be.length as number) > 2 ** 28) {
      throw new Error('Corrupt checkpoint: a buffer entry in the header is malformed.');
    }
    dataBytes += (be.length as number) * 4;
  }
  const expected = PREFIX + hlen + dataBytes + 4;
  if (bytes.length < expected) throw new Error(`Checkpoint is truncated: expected ${expected} bytes, got ${bytes.length}.`);
  if (bytes.length > expected) throw new Error(`Checkpoint has ${bytes.length - expected} unexpected bytes after its end (expected ${expected} bytes).`);
  const stored = dv.getUint32(expected - 4, true);
  if (crc32(bytes, expected - 4) !== stored) throw new Error('Checkpoint is corrupt: checksum mismatch.');
  const buffers = new Map<string, CheckpointBuffer>();
  let off = bytes.byteOffset + PREFIX + hlen;
  for (const e of entries as BufferEntry[]) {
    if (buffers.has(e.name)) throw new Error(`Corrupt checkpoint: buffer "${e.name}" appears twice.`);
    const copy = bytes.buffer.slice(off, off + e.length * 4);
    buffers.set(e.name, e.type === 'f32' ? new Float32Array(copy) : new Uint32Array(copy));
    off += e.length * 4;
  }
  return { version, header, buffers };
}
