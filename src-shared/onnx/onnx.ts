// The subset of ONNX's onnx.proto (IR version 7, opset 13) that a LeNet-5 needs: field numbers
// and enum values as the specification defines them, encoded with ./protobuf.

import { concat, fBytes, fFloat, fString, fVarint, float32Bytes, int64Bytes, message, type Bytes } from './protobuf';

/** TensorProto.DataType */
export const DT = { FLOAT: 1, INT64: 7 } as const;
/** AttributeProto.AttributeType */
const AT = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export type Attr = { name: string; int: number } | { name: string; ints: readonly number[] } | { name: string; float: number };

/** AttributeProto: name 1, f 2, i 3, ints 8, type 20. */
function attribute(a: Attr): Bytes {
  const f: Bytes[] = [fString(1, a.name)];
  if ('int' in a) f.push(fVarint(3, a.int), fVarint(20, AT.INT));
  else if ('ints' in a) f.push(...a.ints.map((v) => fVarint(8, v)), fVarint(20, AT.INTS));
  else f.push(fFloat(2, a.float), fVarint(20, AT.FLOAT));
  return message(f);
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
export function node(op: string, name: string, inputs: readonly string[], outputs: readonly string[], attrs: readonly Attr[] = []): Bytes {
  return message([
    ...inputs.map((s) => fString(1, s)),
    ...outputs.map((s) => fString(2, s)),
    fString(3, name),
    fString(4, op),
    ...attrs.map((a) => fBytes(5, attribute(a))),
  ]);
}

/** TensorProto with raw_data: dims 1, data_type 2, name 8, raw_data 9. */
export function tensor(name: string, dims: readonly number[], values: ArrayLike<number>, type: 'float' | 'int64' = 'float'): Bytes {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`ONNX tensor ${name}: ${values.length} values for shape [${dims.join(', ')}].`);
  const raw = type === 'float' ? float32Bytes(values) : int64Bytes(Array.from(values));
  return message([...dims.map((d) => fVarint(1, d)), fVarint(2, type === 'float' ? DT.FLOAT : DT.INT64), fString(8, name), fBytes(9, raw)]);
}

/**
 * ValueInfoProto (name 1, type 2) of a float tensor; a dim is a size or a symbolic name.
 * TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.
 */
export function valueInfo(name: string, dims: readonly (number | string)[]): Bytes {
  const shape = message(dims.map((d) => fBytes(1, typeof d === 'number' ? fVarint(1, d) : fString(2, d))));
  const tensorType = message([fVarint(1, DT.FLOAT), fBytes(2, shape)]);
  return message([fString(1, name), fBytes(2, message([fBytes(1, tensorType)]))]);
}

/** GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12. */
export function graph(name: string, nodes: readonly Bytes[], initializers: readonly Bytes[], inputs: readonly Bytes[], outputs: readonly Bytes[], doc: string): Bytes {
  return message([
    ...nodes.map((n) => fBytes(1, n)),
    fString(2, name),
    ...initializers.map((t) => fBytes(5, t)),
    fString(10, doc),
    ...inputs.map((v) => fBytes(11, v)),
    ...outputs.map((v) => fBytes(12, v)),
  ]);
}

export interface ModelFields {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  doc: string;
  graph: Bytes;
  metadata: readonly (readonly [string, string])[];
}

/**
 * ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
 * opset_import 8 (OperatorSetIdProto: domain 1, version 2), metadata_props 14 (key 1, value 2).
 */
export function model(m: ModelFields): Bytes {
  return concat([
    fVarint(1, m.irVersion),
    fString(2, m.producerName),
    fString(3, m.producerVersion),
    fString(6, m.doc),
    fBytes(7, m.graph),
    fBytes(8, message([fString(1, ''), fVarint(2, m.opset)])),
    ...m.metadata.map(([k, v]) => fBytes(14, message([fString(1, k), fString(2, v)]))),
  ]);
}
