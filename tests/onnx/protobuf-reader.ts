// A minimal protocol-buffer reader for tests: decodes a message into its fields, so the tests can
// check what the ONNX exporter wrote without trusting the writer's own code.

export interface Field { field: number; wire: number; value: number | Uint8Array }

export function readFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0, mul = 1, byte: number;
    do {
      if (i >= b.length) throw new Error('truncated varint');
      byte = b[i++];
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return v;
  };
  while (i < b.length) {
    const key = varint();
    const field = Math.floor(key / 8), wire = key % 8;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const len = varint();
      if (i + len > b.length) throw new Error('truncated field');
      out.push({ field, wire, value: b.subarray(i, i + len) });
      i += len;
    } else if (wire === 5) {
      out.push({ field, wire, value: new DataView(b.buffer, b.byteOffset + i, 4).getFloat32(0, true) });
      i += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

const dec = new TextDecoder();
export const all = (fs: Field[], n: number): Field[] => fs.filter((f) => f.field === n);
export const bytesOf = (f: Field): Uint8Array => {
  if (!(f.value instanceof Uint8Array)) throw new Error(`field ${f.field} is not length-delimited`);
  return f.value;
};
export const str = (f: Field): string => dec.decode(bytesOf(f));
export const sub = (f: Field): Field[] => readFields(bytesOf(f));
export const num = (f: Field): number => {
  if (typeof f.value !== 'number') throw new Error(`field ${f.field} is not a number`);
  return f.value;
};
