// LeNet-5's parameter layout: one flat Float32Array for all parameters, one for all gradients,
// same layout (llm.c's malloc_and_point_parameters). Shapes follow PyTorch: conv weights are
// (F, C, K, K); affine weights are (out, in) and y = x·Wᵀ + b. C5 flattens S4's (16, 5, 5) in
// C-H-W order, as torch.flatten does.

export interface ParamEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

const SPEC: ReadonlyArray<[string, number[]]> = [
  ['c1.w', [6, 1, 5, 5]],
  ['c1.b', [6]],
  ['c3.w', [16, 6, 5, 5]],
  ['c3.b', [16]],
  ['c5.w', [120, 400]],
  ['c5.b', [120]],
  ['f6.w', [84, 120]],
  ['f6.b', [84]],
  ['out.w', [10, 84]],
  ['out.b', [10]],
];

function build(): { table: ParamEntry[]; count: number } {
  const table: ParamEntry[] = [];
  let offset = 0;
  for (const [name, shape] of SPEC) {
    const size = shape.reduce((a, b) => a * b, 1);
    table.push(Object.freeze({ name, shape: Object.freeze(shape.slice()), offset, size }));
    offset += size;
  }
  return { table, count: offset };
}

const built = build();

/** Every parameter tensor in buffer order. */
export const PARAM_TABLE: readonly ParamEntry[] = Object.freeze(built.table);
/** 61,706 for the report's LeNet-5. */
export const PARAM_COUNT = built.count;

export function paramEntry(name: string): ParamEntry {
  const e = PARAM_TABLE.find((p) => p.name === name);
  if (!e) throw new Error(`No parameter named "${name}"`);
  return e;
}

/** A view of one parameter tensor inside a flat buffer (no copy). */
export function view(buf: Float32Array, name: string): Float32Array {
  const e = paramEntry(name);
  return buf.subarray(e.offset, e.offset + e.size);
}

export const INPUT_SIZE = 32;
export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;
