// The architecture this instance computes and its parameter layout (engine/arch.ts
// architectureCode, engine/layout.ts layoutFor), the per-image sizes, and the shard and chunk
// split (engine/shards.ts). Module globals, so per instance (per thread): configure() sets them
// from the architecture's code; everything else reads them. Part of the kernels module whose
// entry and overview is index.ts.

import { ACT_RELU } from './activation';
import { setWeightTensors } from './optim';

export const POOL_MAX: i32 = 0, POOL_AVERAGE: i32 = 1, POOL_SUBSAMPLING: i32 = 2;
/** The RBF loss's rubbish-class constant j (engine/rbf.ts RBF_J). */
export const RBF_J: f64 = 1;
/** archData: the prototypes (10 × 84 f32) then the C3 mask (16 × 6 u8, 1 = connected). */
export const PROTO_BYTES: usize = 10 * 84 * 4;
export const ARCH_DATA_BYTES: usize = PROTO_BYTES + 96;

export let archCode: i32 = 0;
export let act: i32 = ACT_RELU, pooling: i32 = POOL_MAX;
export let lecun: bool = false, rbf: bool = false;
/** The report's fused path: ReLU + max-pool (exactly the kernels of the earlier engines). */
export let reluMax: bool = true;
/** Parameter offsets in floats (engine/layout.ts); −1 for a tensor the architecture lacks. */
export let C1W: usize = 0, C1B: usize = 150, S2K: usize = 0, S2B: usize = 0, C3W: usize = 156, C3B: usize = 2556, S4K: usize = 0, S4B: usize = 0;
export let C5W: usize = 2572, C5B: usize = 50572, F6W: usize = 50692, F6B: usize = 60772, OW: usize = 60856, OB: usize = 61696;
export let paramCount: i32 = 61706;
/** A parameter-sized buffer's stride in bytes (64-byte aligned). */
export let paramStride: usize = ((<usize>61706 << 2) + 63) & ~<usize>63;
export let updateChunkCount: i32 = (61706 + 4095) / 4096;

/** Shards per batch: image s·n/8 … (s+1)·n/8 − 1 of n go to shard s (engine/shards.ts). */
export const SHARD_COUNT: i32 = 8;
/** Parameters per update chunk (engine/shards.ts): chunk c is [c·4096, (c+1)·4096) ∩ [0, paramCount). */
export const UPDATE_CHUNK: i32 = 4096;

/**
 * Sets this instance's architecture (the code of engine/arch.ts architectureCode) and its
 * parameter layout, in layer order as engine/layout.ts: c1.w, c1.b, [s2.k, s2.b], c3.w, c3.b,
 * [s4.k, s4.b], c5.w, c5.b, f6.w, f6.b, [out.w, out.b]. Returns false for an unknown code.
 */
export function configure(code: i32): bool {
  const a = code & 3, p = (code >> 2) & 3;
  if (a > 2 || p > 2 || (code & ~63) != 0) return false;
  archCode = code;
  act = a;
  pooling = p;
  lecun = (code & 16) != 0;
  rbf = (code & 32) != 0;
  reluMax = act == ACT_RELU && pooling == POOL_MAX;
  const sub = pooling == POOL_SUBSAMPLING;
  let o: usize = 0;
  C1W = o; o += 150; C1B = o; o += 6;
  if (sub) { S2K = o; o += 6; S2B = o; o += 6; }
  C3W = o; o += 2400; C3B = o; o += 16;
  if (sub) { S4K = o; o += 16; S4B = o; o += 16; }
  C5W = o; o += 48000; C5B = o; o += 120;
  F6W = o; o += 10080; F6B = o; o += 84;
  if (!rbf) { OW = o; o += 840; OB = o; o += 10; }
  paramCount = <i32>o;
  paramStride = ((o << 2) + 63) & ~<usize>63;
  updateChunkCount = (paramCount + UPDATE_CHUNK - 1) / UPDATE_CHUNK;
  setWeightTensors(<i32>C1W, <i32>C3W, <i32>C5W, <i32>F6W, rbf ? -1 : <i32>OW);
  return true;
}

/** Floats of parameters of this instance's architecture. */
export function paramCountOf(): i32 { return paramCount; }
/** Update chunks of this instance's layout. */
export function updateChunks(): i32 { return updateChunkCount; }
/**
 * Where tensor k starts (floats) in this instance's layout, k in the order c1.w, c1.b, s2.k,
 * s2.b, c3.w, c3.b, s4.k, s4.b, c5.w, c5.b, f6.w, f6.b, out.w, out.b; −1 if absent (a test
 * compares these with engine/layout.ts for every architecture).
 */
export function tensorOffset(k: i32): i32 {
  const sub = pooling == POOL_SUBSAMPLING;
  if ((k == 2 || k == 3 || k == 6 || k == 7) && !sub) return -1;
  if (k >= 12 && rbf) return -1;
  const o = k == 0 ? C1W : k == 1 ? C1B : k == 2 ? S2K : k == 3 ? S2B : k == 4 ? C3W : k == 5 ? C3B : k == 6 ? S4K : k == 7 ? S4B
    : k == 8 ? C5W : k == 9 ? C5B : k == 10 ? F6W : k == 11 ? F6B : k == 12 ? OW : OB;
  return <i32>o;
}

// Per-image sizes in floats.
export const X_SIZE = 1024, C1_SIZE = 4704, S2_SIZE = 1176, C3_SIZE = 1600, S4_SIZE = 400;
export const COL1_SIZE = 25 * 784, COL2_SIZE = 150 * 100;

/** Every S2 map feeds 10 of the 16 C3 maps in LeCun's Table I (engine/arch.ts). */
export const LECUN_FILTERS: i32 = 10;
