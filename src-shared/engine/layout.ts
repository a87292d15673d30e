// LeNet-5's parameter layout: one flat Float32Array for all parameters, one for all gradients,
// same layout (llm.c's malloc_and_point_parameters). Shapes follow PyTorch: conv weights are
// (F, C, K, K); affine weights are (out, in) and y = x·Wᵀ + b. C5 flattens S4's (16, 5, 5) in
// C-H-W order, as torch.flatten does.
//
// The layout depends on the architecture (engine/arch.ts), and grows only where a variant needs
// parameters of its own; tensors are in layer order:
//
//   c1.w (6,1,5,5)  c1.b (6)
//   s2.k (6)  s2.b (6)          subsampling only: S2's trainable coefficient and bias per map
//   c3.w (16,6,5,5) c3.b (16)
//   s4.k (16) s4.b (16)         subsampling only
//   c5.w (120,400)  c5.b (120)
//   f6.w (84,120)   f6.b (84)
//   out.w (10,84)   out.b (10)  softmax only: the RBF output's prototypes are fixed (engine/rbf.ts)
//
// The report's model (the default) is exactly the layout of every earlier engine version (61,706
// floats), which PARAM_TABLE and PARAM_COUNT name. LeCun's C3 table keeps the full C3 tensor, its
// 36 unconnected 5×5 kernels held at exactly 0 (engine/arch.ts c3Mask): the same layout and the
// same kernels as the full C3 (the zeros cost C3 a third of its multiplications, which the
// benchmark shows to be affordable), and an export to ONNX is a plain Conv. A compact layout
// would have needed a second set of C3 kernels in both backends.

import { DEFAULT_ARCHITECTURE, type Architecture } from './arch';

/** weight: conv/affine weights (initialised at random, L2-regularised); bias: starts at 0; coefficient: starts at 1. */
export type ParamKind = 'weight' | 'bias' | 'coefficient';

export interface ParamEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly kind: ParamKind;
}

export interface ParamLayout {
  readonly architecture: Readonly<Architecture>;
  /** Every parameter tensor in buffer order. */
  readonly table: readonly ParamEntry[];
  /** Floats in all. */
  readonly count: number;
}

type Spec = [string, number[], ParamKind];

function specOf(a: Architecture): Spec[] {
  const sub = a.pooling === 'subsampling';
  return [
    ['c1.w', [6, 1, 5, 5], 'weight'],
    ['c1.b', [6], 'bias'],
    ...(sub ? ([['s2.k', [6], 'coefficient'], ['s2.b', [6], 'bias']] as Spec[]) : []),
    ['c3.w', [16, 6, 5, 5], 'weight'],
    ['c3.b', [16], 'bias'],
    ...(sub ? ([['s4.k', [16], 'coefficient'], ['s4.b', [16], 'bias']] as Spec[]) : []),
    ['c5.w', [120, 400], 'weight'],
    ['c5.b', [120], 'bias'],
    ['f6.w', [84, 120], 'weight'],
    ['f6.b', [84], 'bias'],
    ...(a.output === 'softmax' ? ([['out.w', [10, 84], 'weight'], ['out.b', [10], 'bias']] as Spec[]) : []),
  ];
}

function build(a: Architecture): ParamLayout {
  const table: ParamEntry[] = [];
  let offset = 0;
  for (const [name, shape, kind] of specOf(a)) {
    const size = shape.reduce((x, y) => x * y, 1);
    table.push(Object.freeze({ name, shape: Object.freeze(shape.slice()), offset, size, kind }));
    offset += size;
  }
  return Object.freeze({ architecture: Object.freeze({ ...a }), table: Object.freeze(table), count: offset });
}

const cache = new Map<string, ParamLayout>();

/** The layout of an architecture (built once per architecture, then shared). */
export function layoutFor(a: Architecture): ParamLayout {
  const key = `${a.activation}/${a.pooling}/${a.c3Connections}/${a.output}`;
  let l = cache.get(key);
  if (!l) {
    l = build(a);
    cache.set(key, l);
  }
  return l;
}

/** The report's model's layout. */
export const DEFAULT_LAYOUT: ParamLayout = layoutFor(DEFAULT_ARCHITECTURE);
/** Every parameter tensor of the report's model, in buffer order. */
export const PARAM_TABLE: readonly ParamEntry[] = DEFAULT_LAYOUT.table;
/** 61,706 for the report's LeNet-5. */
export const PARAM_COUNT = DEFAULT_LAYOUT.count;

export function paramEntry(name: string, layout: ParamLayout = DEFAULT_LAYOUT): ParamEntry {
  const e = layout.table.find((p) => p.name === name);
  if (!e) throw new Error(`No parameter named "${name}"`);
  return e;
}

/** A view of one parameter tensor inside a flat buffer (no copy). */
export function view(buf: Float32Array, name: string, layout: ParamLayout = DEFAULT_LAYOUT): Float32Array {
  const e = paramEntry(name, layout);
  return buf.subarray(e.offset, e.offset + e.size);
}

export const INPUT_SIZE = 32;
export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;
