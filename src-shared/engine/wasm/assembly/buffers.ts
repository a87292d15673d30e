// This instance's memory: where the parameters, gradients, the batch, every activation and the
// scratch live, laid out once by setup() (own memory) or setupShared() + attach() (one shared
// memory, one instance per thread), and the pointers to them in module globals (per instance).
// Only this file moves a pointer (the bind* functions move them to a shard's slice and gradient
// buffer); the stages (stages.ts) and the work items (index.ts) read them. Part of the kernels
// module whose entry and overview is index.ts.

import { ARCH_DATA_BYTES, C1_SIZE, C3_SIZE, COL1_SIZE, COL2_SIZE, LECUN_FILTERS, POOL_MAX, POOL_SUBSAMPLING, S2_SIZE, S4_SIZE, SHARD_COUNT, X_SIZE, archCode, configure, lecun, paramCount, paramStride, pooling, rbf, reluMax, updateChunkCount } from './layout';
import { affineScratchBytes } from './affine';

// ---- one thread's buffers ---------------------------------------------------------------------
// params: the parameters. grads: where backward adds (the gradients, or this shard's buffer).
// xs, labels, probs: the batch a call works on (moved to a shard's slice in shared mode).
// The rest: activations, their gradients and per-image scratch, for up to maxN images.

export let maxN: i32 = 0;
export let params: usize = 0, grads: usize = 0;
/** The RBF prototypes and the C3 mask (ARCH_DATA_BYTES, written by the host). */
export let archData: usize = 0;
/** Average pooling and subsampling: the squashed conv outputs y1 (n, 6, 28, 28), y3 (n, 16, 10, 10). */
export let y1: usize = 0, y3: usize = 0;
/** Subsampling: the window means m2 (n, 6, 14, 14), m4 (n, 16, 5, 5). */
export let m2: usize = 0, m4: usize = 0;
/** Per-image scratch of the variants' backward: the pooled gradient and the conv outputs' gradient. */
export let gPool: usize = 0, gConv: usize = 0;
/** The RBF loss's competition weights (n, 10). */
export let rbfQ: usize = 0;
/**
 * LeCun's C3 table, computed per input map c on its 10 connected filters only (lecunGather):
 * lecunRows (6 × 16 i32) their indices, lecunW (6 × 10 × 25) their weights for map c, and
 * scratch for one map's outputs or gradients (10 × 100) and weight gradients (10 × 25).
 */
export let lecunRows: usize = 0, lecunW: usize = 0, lecunOut: usize = 0, lecunG: usize = 0, lecunDW: usize = 0;
export let xs: usize = 0, labels: usize = 0, probs: usize = 0;
export let s2: usize = 0, arg2: usize = 0, s4: usize = 0, arg4: usize = 0;
export let h5: usize = 0, h6: usize = 0, logits: usize = 0;
export let dlogits: usize = 0, dh6: usize = 0, dh5: usize = 0, ds4: usize = 0, ds2: usize = 0;
export let c1: usize = 0, col1: usize = 0, c3: usize = 0, col2: usize = 0, dcol2: usize = 0;
/** affineBackward's scratch: the live columns of W and their product (the largest layer, C5). */
export let affScratch: usize = 0;
/** screen.ts: a layer's screened weights (the largest, C5: 120 × 400) and its input maxima. */
export let wScreen: usize = 0, inMax: usize = 0;
/** The affine layers' backward overwrites its weight gradients instead of adding (a shard's buffer). */
export let overwriteGrads: bool = false;

export let top: usize = 0;
/** Hands out `bytes` of memory, 64-byte aligned, plus 64 bytes of slack. */
export function take(bytes: usize): usize {
  const p = top;
  top = (top + bytes + 64 + 63) & ~<usize>63;
  return p;
}

/** Grows memory to hold everything up to `top`; false if it cannot. */
export function reserve(): bool {
  const have = <usize>memory.size() << 16;
  if (top <= have) return true;
  return memory.grow(<i32>((top - have + 65535) >> 16)) >= 0;
}

/** The activation buffers and scratch of one thread, for up to B images, from `top` on. */
export function takeActivations(B: usize): void {
  s2 = take(B * S2_SIZE * 4); arg2 = take(B * S2_SIZE);
  s4 = take(B * S4_SIZE * 4); arg4 = take(B * S4_SIZE);
  h5 = take(B * 120 * 4); h6 = take(B * 84 * 4);
  logits = take(B * 10 * 4);
  dlogits = take(B * 10 * 4); dh6 = take(B * 84 * 4); dh5 = take(B * 120 * 4);
  ds4 = take(B * S4_SIZE * 4); ds2 = take(B * S2_SIZE * 4);
  c1 = take(C1_SIZE * 4); col1 = take(COL1_SIZE * 4);
  c3 = take(C3_SIZE * 4); col2 = take(COL2_SIZE * 4);
  dcol2 = take(COL2_SIZE * 4);
  affScratch = take(affineScratchBytes(<i32>B, 400, 120));
  wScreen = take(120 * 400 * 4);
  inMax = take(400 * 4);
  // The variants' buffers, only where the architecture uses them (the report's model's memory
  // stays what it was).
  const dense = pooling != POOL_MAX;
  y1 = dense ? take(B * C1_SIZE * 4) : 0;
  y3 = dense ? take(B * C3_SIZE * 4) : 0;
  m2 = pooling == POOL_SUBSAMPLING ? take(B * S2_SIZE * 4) : 0;
  m4 = pooling == POOL_SUBSAMPLING ? take(B * S4_SIZE * 4) : 0;
  gPool = reluMax ? 0 : take(S2_SIZE * 4);
  gConv = dense ? take(C1_SIZE * 4) : 0;
  rbfQ = rbf ? take(B * 10 * 4) : 0;
  lecunRows = lecun ? take(96 * 4) : 0;
  lecunW = lecun ? take(LECUN_FILTERS * 6 * 25 * 4) : 0;
  lecunOut = lecun ? take(LECUN_FILTERS * 100 * 4) : 0;
  lecunG = lecun ? take(LECUN_FILTERS * 100 * 4) : 0;
  lecunDW = lecun ? take(LECUN_FILTERS * 25 * 4) : 0;
}


/**
 * One thread's buffers for batches of up to maxBatch images of the architecture `code`
 * (kernels module; 0, or omitted, is the report's model). Returns the bytes used, or 0 if memory
 * could not grow or the code is unknown. Call once, before anything else; then write the
 * prototypes and the C3 mask at archDataPtr().
 */
export function setup(maxBatch: i32, code: i32): f64 {
  if (maxN != 0 || maxBatch < 1 || !configure(code)) return 0;
  const B = <usize>maxBatch;
  top = (__heap_base + 63) & ~<usize>63;
  params = take(<usize>paramCount << 2);
  grads = take(<usize>paramCount << 2);
  archData = take(ARCH_DATA_BYTES);
  xs = take(B * X_SIZE * 4);
  labels = take(B);
  probs = take(B * 10 * 4);
  takeActivations(B);
  if (!reserve()) return 0;
  maxN = maxBatch;
  return <f64>top;
}

export function paramsPtr(): usize { return params; }
export function gradsPtr(): usize { return grads; }
export function inputPtr(): usize { return xs; }
export function labelsPtr(): usize { return labels; }
export function probsPtr(): usize { return probs; }
export function s2Ptr(): usize { return s2; }
export function s4Ptr(): usize { return s4; }
export function h5Ptr(): usize { return h5; }
export function h6Ptr(): usize { return h6; }
export function logitsPtr(): usize { return logits; }
export function archDataPtr(): usize { return archData; }

// ---- shared mode: many instances, one memory -------------------------------------------------
//
// Memory (all 64-byte aligned), laid out by setupShared on one instance:
//   header                       HEADER_WORDS u32: where everything below is
//   params, grads                paramCount f32 each (the architecture's layout)
//   optA, optB                   optimiser state: Adam m and v, or the SGD velocity (optA)
//   shardGrads                   SHARD_COUNT buffers of paramCount f32, paramStride bytes apart
//   shardLoss, l2                SHARD_COUNT and updateChunkCount f64: per-item results
//   archData                     the RBF prototypes and the C3 mask (written by the host)
//   xs, labels, probs            the batch (maxBatch, 1, 32, 32), its labels and probabilities
//   stage, lut, mean             the batch's raw bytes (maxBatch, 28, 28), the lookup table (256)
//                                and the mean image (784) of engine/batch.ts
//   step                         the descriptor of the current job (STEP_* below)
//   probe                        PROBE_SLOTS i32 (diagnostics: which thread ran an item)
//   thread regions               `threads` × the activations of ceil(maxBatch / SHARD_COUNT) images

export const H_PARAMS = 0, H_GRADS = 1, H_OPT_A = 2, H_OPT_B = 3, H_SHARD_GRADS = 4, H_SHARD_LOSS = 5, H_L2 = 6;
export const H_XS = 7, H_LABELS = 8, H_PROBS = 9, H_STAGE = 10, H_LUT = 11, H_MEAN = 12, H_STEP = 13, H_PROBE = 14;
export const H_MAX_BATCH = 15, H_THREADS = 16, H_SHARD_MAX = 17, H_REGIONS = 18, H_REGION_BYTES = 19, H_END = 20;
export const H_ARCH = 21, H_ARCH_DATA = 22;
export const HEADER_WORDS = 32;
/** Exported so the host can read the header's words by name (engine/wasm/parallel.ts). */
export const HEADER_PARAMS = H_PARAMS, HEADER_GRADS = H_GRADS, HEADER_OPT_A = H_OPT_A, HEADER_OPT_B = H_OPT_B;
export const HEADER_SHARD_LOSS = H_SHARD_LOSS, HEADER_L2 = H_L2, HEADER_XS = H_XS, HEADER_LABELS = H_LABELS;
export const HEADER_PROBS = H_PROBS, HEADER_STAGE = H_STAGE, HEADER_LUT = H_LUT, HEADER_MEAN = H_MEAN;
export const HEADER_PROBE = H_PROBE, HEADER_END = H_END, HEADER_SHARD_GRADS = H_SHARD_GRADS, HEADER_ARCH_DATA = H_ARCH_DATA;
export const PROBE_SLOTS: i32 = 256;

// The step descriptor: i32 fields, then f64 fields from byte 32.
export const STEP_N = 0, STEP_FROM_BYTES = 4, STEP_USE_MEAN = 8, STEP_MODE = 12, STEP_OPT = 16, STEP_TRAP = 20, STEP_HANG = 24;
export const STEP_LR = 32, STEP_SIZE = 40, STEP_C2 = 48, STEP_BETA1 = 56, STEP_BETA2 = 64, STEP_EPS = 72, STEP_MU = 80;
export const STEP_LAMBDA = 88, STEP_SPIN = 96, STEP_BYTES = 128;


export let header: usize = 0;
export let thread: i32 = 0;
export let sharedGrads: usize = 0, shardGrads: usize = 0, shardLoss: usize = 0, l2Sums: usize = 0;
export let optA: usize = 0, optB: usize = 0;
export let sharedXs: usize = 0, sharedLabels: usize = 0, sharedProbs: usize = 0;
export let stage: usize = 0, lut: usize = 0, meanImage: usize = 0, step: usize = 0, probe: usize = 0;

@inline export function hget(k: i32): usize { return <usize>load<u32>(header + (<usize>k << 2)); }
@inline export function hset(k: i32, v: usize): void { store<u32>(header + (<usize>k << 2), <u32>v); }

/**
 * The bytes of memory setupShared(maxBatch, threads, code) needs (0 for an unknown code).
 * Nothing is written to memory, but this instance's architecture and buffer pointers change:
 * call it on a throwaway instance (of either module).
 */
export function sharedLayoutBytes(maxBatch: i32, threads: i32, code: i32): f64 {
  if (maxBatch < 1 || threads < 1 || !configure(code)) return 0;
  const saved = top;
  layoutShared(maxBatch, threads, false);
  const end = top;
  top = saved;
  return <f64>end;
}

/**
 * Lays out the shared buffers and `threads` thread regions for batches of up to maxBatch images
 * of the architecture `code`, growing the (shared) memory if it is too small. Returns the
 * header's address, or 0 if memory could not grow or the code is unknown. Call on one instance,
 * before any attach; then the host writes the prototypes and the C3 mask at HEADER_ARCH_DATA.
 */
export function setupShared(maxBatch: i32, threads: i32, code: i32): usize {
  if (header != 0 || maxN != 0 || maxBatch < 1 || threads < 1 || !configure(code)) return 0;
  return layoutShared(maxBatch, threads, true);
}

/** The layout of setupShared; with commit false it only advances `top` (no header, no growth). */
export function layoutShared(maxBatch: i32, threads: i32, commit: bool): usize {
  const B = <usize>maxBatch;
  const shardMax = (maxBatch + SHARD_COUNT - 1) / SHARD_COUNT;
  top = (__heap_base + 63) & ~<usize>63;
  const h = take(HEADER_WORDS * 4);
  const p = take(<usize>paramCount << 2), g = take(<usize>paramCount << 2);
  const a = take(<usize>paramCount << 2), b = take(<usize>paramCount << 2);
  const sg = take(paramStride * <usize>SHARD_COUNT);
  const sl = take(<usize>SHARD_COUNT << 3), l2 = take(<usize>updateChunkCount << 3);
  const x = take(B * X_SIZE * 4), lb = take(B), pr = take(B * 10 * 4);
  const st = take(B * 784), lt = take(256 * 4), mn = take(784 * 4);
  const sp = take(STEP_BYTES), pb = take(<usize>PROBE_SLOTS << 2);
  const ad = take(ARCH_DATA_BYTES);
  const regions = top;
  takeActivations(<usize>shardMax);
  const regionBytes = top - regions;
  top = regions + regionBytes * <usize>threads;
  if (!commit) return 0;
  if (!reserve()) return 0;
  header = h;
  hset(H_PARAMS, p); hset(H_GRADS, g); hset(H_OPT_A, a); hset(H_OPT_B, b); hset(H_SHARD_GRADS, sg);
  hset(H_SHARD_LOSS, sl); hset(H_L2, l2); hset(H_XS, x); hset(H_LABELS, lb); hset(H_PROBS, pr);
  hset(H_STAGE, st); hset(H_LUT, lt); hset(H_MEAN, mn); hset(H_STEP, sp); hset(H_PROBE, pb);
  hset(H_MAX_BATCH, B); hset(H_THREADS, <usize>threads); hset(H_SHARD_MAX, <usize>shardMax);
  hset(H_REGIONS, regions); hset(H_REGION_BYTES, regionBytes); hset(H_END, top);
  hset(H_ARCH, <usize>archCode); hset(H_ARCH_DATA, ad);
  return h;
}

/** Points this instance at the shared buffers and at thread region `t` (0 ≤ t < threads). Returns false for a bad t. */
export function attach(h: usize, t: i32): bool {
  header = h;
  if (t < 0 || <usize>t >= hget(H_THREADS) || !configure(<i32>hget(H_ARCH))) return false;
  thread = t;
  archData = hget(H_ARCH_DATA);
  params = hget(H_PARAMS); sharedGrads = hget(H_GRADS); grads = sharedGrads;
  optA = hget(H_OPT_A); optB = hget(H_OPT_B);
  shardGrads = hget(H_SHARD_GRADS); shardLoss = hget(H_SHARD_LOSS); l2Sums = hget(H_L2);
  sharedXs = hget(H_XS); sharedLabels = hget(H_LABELS); sharedProbs = hget(H_PROBS);
  xs = sharedXs; labels = sharedLabels; probs = sharedProbs;
  stage = hget(H_STAGE); lut = hget(H_LUT); meanImage = hget(H_MEAN); step = hget(H_STEP); probe = hget(H_PROBE);
  top = hget(H_REGIONS) + hget(H_REGION_BYTES) * <usize>t;
  takeActivations(hget(H_SHARD_MAX));
  maxN = <i32>hget(H_SHARD_MAX);
  return true;
}

/** The address of header word k (the host reads the layout from here). */
export function headerWord(k: i32): usize { return hget(k); }

/** Moves xs/labels/probs to the slice of images [lo, …) of the shared batch. */
export function bindSlice(lo: i32): void {
  xs = sharedXs + (<usize>lo << 12);
  labels = sharedLabels + <usize>lo;
  probs = sharedProbs + <usize>lo * 40;
}

/** Backward writes into shard s's own gradient buffer, overwriting (the affine layers) instead of adding. */
export function bindShardGrads(s: i32): void {
  grads = shardGrads + paramStride * <usize>s;
  overwriteGrads = true;
}

/** Backward adds into the shared gradients again. */
export function bindSharedGrads(): void {
  overwriteGrads = false;
  grads = sharedGrads;
}

/** First byte after every buffer laid out by setup (free space up to memory.size()). */
export function scratchPtr(): usize { return top; }
