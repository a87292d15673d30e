// The architecture switches: the four ways the report's "improved LeNet-5" departs from LeCun et
// al. 1998 (spec.md), each a run setting, so one change at a time can be measured.
//
//   activation     relu (the report) | tanh: LeCun's scaled 1.7159·tanh(2x/3) | sigmoid: 1/(1+e^−x)
//   pooling        max (the report) | average | subsampling: LeCun's average × a trainable
//                  coefficient + a trainable bias per channel, followed by the activation
//   c3Connections  full (the report: every C3 map sees all six S2 maps) | lecun: Table I of the
//                  paper, 60 of the 96 map pairs
//   output         softmax (the report: affine 84→10, softmax cross-entropy) | rbf: 10 Euclidean
//                  RBF units on F6 with fixed ±1 prototypes (engine/rbf.ts) and the paper's loss
//
// The default is the report's model, whose numbers are those of every earlier engine version.
//
// Where the activation sits (why pooling first, for max): every activation here is
// non-decreasing, so max-pooling commutes with it; the network pools the pre-activations and
// applies the activation to the 196 (S2) or 25 (S4) winners instead of to all 784 or 100 conv
// outputs. ReLU keeps the report's order (ReLU, then pool) — the same values and winners.
//   max          conv → pool (max, first maximum wins) → activation
//   average      conv → activation → 2×2 mean
//   subsampling  conv → activation → 2×2 mean × coefficient + bias → activation

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
export const POOLINGS = ['max', 'average', 'subsampling'] as const;
export const C3_CONNECTIONS = ['full', 'lecun'] as const;
export const OUTPUTS = ['softmax', 'rbf'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Pooling = (typeof POOLINGS)[number];
export type C3Connections = (typeof C3_CONNECTIONS)[number];
export type OutputLayer = (typeof OUTPUTS)[number];

export interface Architecture {
  activation: Activation;
  pooling: Pooling;
  c3Connections: C3Connections;
  output: OutputLayer;
}

/** The report's model. */
export const DEFAULT_ARCHITECTURE: Readonly<Architecture> = Object.freeze({ activation: 'relu', pooling: 'max', c3Connections: 'full', output: 'softmax' });

/** LeCun et al. 1998's LeNet-5: every switch original. */
export const LENET1998_ARCHITECTURE: Readonly<Architecture> = Object.freeze({ activation: 'tanh', pooling: 'subsampling', c3Connections: 'lecun', output: 'rbf' });

export const ARCHITECTURE_KEYS = ['activation', 'pooling', 'c3Connections', 'output'] as const;

/** LeCun's squashing function f(a) = A·tanh(S·a): A = 1.7159, S = 2/3, so that f(±1) = ±1. */
export const TANH_A = 1.7159;
export const TANH_S = 2 / 3;

/** The architecture fields of a config (or of anything that has them). */
export function architectureOf(c: Architecture): Architecture {
  return { activation: c.activation, pooling: c.pooling, c3Connections: c.c3Connections, output: c.output };
}

export function isDefaultArchitecture(a: Architecture): boolean {
  return sameArchitecture(a, DEFAULT_ARCHITECTURE);
}

export function sameArchitecture(a: Architecture, b: Architecture): boolean {
  return ARCHITECTURE_KEYS.every((k) => a[k] === b[k]);
}

/** "tanh, subsampling, LeCun C3, RBF output" — for messages; the default reads "ReLU, max-pool, full C3, softmax". */
export function describeArchitecture(a: Architecture): string {
  const act = a.activation === 'relu' ? 'ReLU' : a.activation;
  const pool = a.pooling === 'max' ? 'max-pool' : a.pooling === 'average' ? 'average pool' : 'trainable subsampling';
  const c3 = a.c3Connections === 'full' ? 'full C3' : "LeCun's C3 table";
  const out = a.output === 'softmax' ? 'softmax output' : 'RBF output';
  return `${act}, ${pool}, ${c3}, ${out}`;
}

/** Checks an untrusted value (a checkpoint header) and returns a clean copy, or throws naming every problem. */
export function checkArchitecture(input: unknown): Architecture {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('The architecture must be an object.');
  const o = input as Record<string, unknown>;
  const problems: string[] = [];
  const pick = <T extends string>(key: (typeof ARCHITECTURE_KEYS)[number], values: readonly T[]): T => {
    const v = o[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) problems.push(`${key} must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  };
  const a: Architecture = {
    activation: pick('activation', ACTIVATIONS),
    pooling: pick('pooling', POOLINGS),
    c3Connections: pick('c3Connections', C3_CONNECTIONS),
    output: pick('output', OUTPUTS),
  };
  if (problems.length) throw new Error(`Invalid architecture: ${problems.join('; ')}.`);
  return a;
}

/**
 * LeCun et al. 1998, Table I: which S2 maps (rows 0–5) each C3 map (columns 0–15) reads. The
 * first six C3 maps take every contiguous triple of S2 maps (cyclically), the next six every
 * contiguous quadruple, the next three three non-contiguous quadruples, the last all six:
 * 6·3 + 6·4 + 3·4 + 6 = 60 connections, 60·25 + 16 = 1,516 trainable parameters.
 */
export const LECUN_C3_TABLE: readonly (readonly number[])[] = Object.freeze([
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
].map((r) => Object.freeze(r)));

/**
 * The C3 connection mask (16 × 6, 1 = connected) of an architecture. With 'lecun' the C3 weight
 * tensor keeps its full (16, 6, 5, 5) shape and the unconnected (f, c) kernels stay exactly 0:
 * initialised to 0, their gradient zeroed after every backward, so no optimiser ever moves them
 * (engine/layout.ts says why the full shape was kept).
 */
export function c3Mask(a: Architecture): Uint8Array {
  const m = new Uint8Array(16 * 6);
  for (let f = 0; f < 16; f++) {
    for (let c = 0; c < 6; c++) m[f * 6 + c] = a.c3Connections === 'full' || LECUN_C3_TABLE[f].includes(c) ? 1 : 0;
  }
  return m;
}

/**
 * The architecture as one integer, for the WebAssembly module (assembly/index.ts reads the
 * same bits): activation 0–2 in bits 0–1, pooling 0–2 in bits 2–3, LeCun C3 in bit 4, RBF in bit 5.
 */
export function architectureCode(a: Architecture): number {
  return ACTIVATIONS.indexOf(a.activation) | (POOLINGS.indexOf(a.pooling) << 2) | (a.c3Connections === 'lecun' ? 16 : 0) | (a.output === 'rbf' ? 32 : 0);
}
