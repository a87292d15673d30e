// LeNet-5 (spec.md, "The model") entirely in WebAssembly: parameters, gradients and every
// activation live in linear memory, laid out once.
//
//   x    (n, 1, 32, 32)
//   C1+S2  conv 5×5 1→6, ReLU, max-pool 2×2      → s2 (n, 6, 14, 14)   [c1 (6, 28, 28) per image]
//   C3+S4  conv 5×5 6→16, ReLU, max-pool 2×2     → s4 (n, 16, 5, 5) = (n, 400)
//   C5     affine 400→120, ReLU                  → h5 (n, 120)
//   F6     affine 120→84, ReLU                   → h6 (n, 84)
//   out    affine 84→10                          → logits (n, 10) → softmax → probs, loss
//
// Parameters follow engine/layout.ts (c1.w, c1.b, c3.w, c3.b, c5.w, c5.b, f6.w, f6.b, out.w,
// out.b; 61,706 floats), gradients the same layout. Backward ADDS into the gradients.
// The conv layers run one image at a time (forward: im2col + GEMM; backward: only the max-pool
// winners carry gradient, see poolconv.ts), so their per-image scratch stays in cache; the affine
// layers run on the whole batch (or shard). The stage functions are exported one by one so that
// a profiler can time each layer; trainStep/predict run them in order. Every activation and
// gradient is flushed to zero below the float32 normal range (ftz.ts), and a forward layer's
// weights whose every product would be flushed count as 0 (screen.ts).
//
// The same sources build two modules (scripts/build-wasm.mjs):
// - kernels: its own memory; setup(maxBatch) lays out one thread's buffers (engine/wasm/backend.ts).
// - shared kernels: imports a shared memory; one instance per thread. setupShared() (on one
//   instance) lays out the buffers all threads share and one region per thread and writes a
//   header; attach(header, thread) points an instance at them. The threads then run work items
//   (runItem): shards of a batch — a FIXED split of the batch into SHARD_COUNT parts, each
//   with its own gradient buffer — and fixed chunks of the parameters, where the shard gradients
//   are summed in shard order and the optimiser runs (optim.ts). Which thread runs which item
//   never changes a bit of the result (engine/wasm/parallel.ts).
//
// Each instance keeps its own pointers in globals (wasm globals are per instance, so per thread).

import { gemmNN } from './gemm';
import { im2col, fillBias } from './conv';
import { reluPoolForward } from './pool';
import { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25 } from './poolconv';
import { affineForward, affineBackward, affineScratchBytes } from './affine';
import { softmaxForward, softmaxBackward } from './softmax';
import { assembleImages } from './batch';
import { flush4, flushBuffer } from './ftz';
import { screenConv, screenAffine, scaleUp } from './screen';
import { updateRange, MODE_FROM_GRADS } from './optim';

// Parameter offsets in floats (engine/layout.ts).
const C1W: usize = 0, C1B: usize = 150, C3W: usize = 156, C3B: usize = 2556, C5W: usize = 2572, C5B: usize = 50572;
const F6W: usize = 50692, F6B: usize = 60772, OW: usize = 60856, OB: usize = 61696;
export const PARAM_COUNT: i32 = 61706;
/** A parameter-sized buffer's stride in bytes (64-byte aligned). */
const PARAM_STRIDE: usize = ((<usize>PARAM_COUNT << 2) + 63) & ~<usize>63;

/** Shards per batch: image s·n/8 … (s+1)·n/8 − 1 of n go to shard s (engine/shards.ts). */
export const SHARD_COUNT: i32 = 8;
/** Parameters per update chunk (engine/shards.ts): chunk c is [c·4096, (c+1)·4096) ∩ [0, PARAM_COUNT). */
export const UPDATE_CHUNK: i32 = 4096;
export const UPDATE_CHUNKS: i32 = (PARAM_COUNT + UPDATE_CHUNK - 1) / UPDATE_CHUNK;

// Per-image sizes in floats.
const X_SIZE = 1024, C1_SIZE = 4704, S2_SIZE = 1176, C3_SIZE = 1600, S4_SIZE = 400;
const COL1_SIZE = 25 * 784, COL2_SIZE = 150 * 100;

// ---- this instance's buffers -----------------------------------------------------------------
// params: the parameters. grads: where backward adds (the gradients, or this shard's buffer).
// xs, labels, probs: the batch a call works on (moved to a shard's slice in shared mode).
// The rest: activations, their gradients and per-image scratch, for up to maxN images.

let maxN: i32 = 0;
let params: usize = 0, grads: usize = 0;
let xs: usize = 0, labels: usize = 0, probs: usize = 0;
let s2: usize = 0, arg2: usize = 0, s4: usize = 0, arg4: usize = 0;
let h5: usize = 0, h6: usize = 0, logits: usize = 0;
let dlogits: usize = 0, dh6: usize = 0, dh5: usize = 0, ds4: usize = 0, ds2: usize = 0;
let c1: usize = 0, col1: usize = 0, c3: usize = 0, col2: usize = 0, dcol2: usize = 0;
/** affineBackward's scratch: the live columns of W and their product (the largest layer, C5). */
let affScratch: usize = 0;
/** screen.ts: a layer's screened weights (the largest, C5: 120 × 400) and its input maxima. */
let wScreen: usize = 0, inMax: usize = 0;
/** The affine layers' backward overwrites its weight gradients instead of adding (a shard's buffer). */
let overwriteGrads: bool = false;

let top: usize = 0;
/** Hands out `bytes` of memory, 64-byte aligned, plus 64 bytes of slack. */
function take(bytes: usize): usize {
  const p = top;
  top = (top + bytes + 64 + 63) & ~<usize>63;
  return p;
}

/** Grows memory to hold everything up to `top`; false if it cannot. */
function reserve(): bool {
  const have = <usize>memory.size() << 16;
  if (top <= have) return true;
  return memory.grow(<i32>((top - have + 65535) >> 16)) >= 0;
}

/** The activation buffers and scratch of one thread, for up to B images, from `top` on. */
function takeActivations(B: usize): void {
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
}

/**
 * One thread's buffers for batches of up to maxBatch images (kernels module). Returns the bytes
 * used, or 0 if memory could not grow. Call once, before anything else.
 */
export function setup(maxBatch: i32): f64 {
  if (maxN != 0 || maxBatch < 1) return 0;
  const B = <usize>maxBatch;
  top = (__heap_base + 63) & ~<usize>63;
  params = take(<usize>PARAM_COUNT << 2);
  grads = take(<usize>PARAM_COUNT << 2);
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

@inline function P(off: usize): usize { return params + (off << 2); }
@inline function G(off: usize): usize { return grads + (off << 2); }

// ---- forward stages -------------------------------------------------------------------------

/** C1 + ReLU + S2: x (n, 1, 32, 32) → s2 (n, 6, 14, 14). */
export function c1Forward(n: i32): void {
  // Tiny weights (a collapsed network): compute with S·w, S·b and scale back (screen.ts scaleUp),
  // which keeps the products normal; else drop the weights whose products would all flush.
  let w = P(C1W), b = P(C1B);
  const S = scaleUp(wScreen, w, 150, wScreen + 1024, b, 6);
  if (S != 1) {
    w = wScreen;
    b = wScreen + 1024;
  } else {
    w = screenConv(wScreen, w, 6, 1, 25, xs, n, X_SIZE, inMax);
  }
  const inv = f32x4.splat(<f32>1 / S);
  for (let i = 0; i < n; i++) {
    fillBias(c1, b, 6, 784);
    im2col(col1, xs + <usize>i * X_SIZE * 4, 1, 32, 32, 5);
    gemmNN(6, 784, 25, w, 25, 1, col1, 784, c1, 784, true);
    if (S != 1) for (let j: usize = 0; j < <usize>C1_SIZE * 4; j += 16) v128.store(c1 + j, f32x4.mul(v128.load(c1 + j), inv));
    reluPoolForward(s2 + <usize>i * S2_SIZE * 4, arg2 + <usize>i * S2_SIZE, c1, 6, 28, 28);
  }
}

/** C3 + ReLU + S4: s2 (n, 6, 14, 14) → s4 (n, 16, 5, 5). */
export function c3Forward(n: i32): void {
  const w = screenConv(wScreen, P(C3W), 16, 6, 25, s2, n, 196, inMax);
  for (let i = 0; i < n; i++) {
    fillBias(c3, P(C3B), 16, 100);
    im2col(col2, s2 + <usize>i * S2_SIZE * 4, 6, 14, 14, 5);
    gemmNN(16, 100, 150, w, 150, 1, col2, 100, c3, 100, true);
    reluPoolForward(s4 + <usize>i * S4_SIZE * 4, arg4 + <usize>i * S4_SIZE, c3, 16, 10, 10);
  }
}

/** C5 + ReLU: s4 (n, 400) → h5 (n, 120). */
export function c5Forward(n: i32): void { affineForward(h5, s4, screenAffine(wScreen, P(C5W), 120, 400, s4, n, inMax), P(C5B), n, 400, 120, true); }
/** F6 + ReLU: h5 (n, 120) → h6 (n, 84). */
export function f6Forward(n: i32): void { affineForward(h6, h5, screenAffine(wScreen, P(F6W), 84, 120, h5, n, inMax), P(F6B), n, 120, 84, true); }
/** out: h6 (n, 84) → logits (n, 10). */
export function outForward(n: i32): void { affineForward(logits, h6, screenAffine(wScreen, P(OW), 10, 84, h6, n, inMax), P(OB), n, 84, 10, false); }
/** Softmax → probs (n, 10); returns the mean cross-entropy against the labels if withLabels. */
export function lossForward(n: i32, withLabels: bool): f64 { return softmaxForward(probs, logits, withLabels ? labels : 0, n, 10) / <f64>n; }

// ---- backward stages (reverse order) --------------------------------------------------------

/** dlogits = (probs − onehot) / n. */
export function lossBackward(n: i32): void { softmaxBackward(dlogits, probs, labels, n, 10, 1.0 / <f64>n); }
/** out: grads out.w, out.b; dh6 (masked by F6's ReLU). */
export function outBackward(n: i32): void { affineBackward(dh6, G(OW), G(OB), dlogits, h6, P(OW), n, 84, 10, overwriteGrads, affScratch); }
/** F6: grads f6.w, f6.b; dh5 (masked by C5's ReLU). */
export function f6Backward(n: i32): void { affineBackward(dh5, G(F6W), G(F6B), dh6, h5, P(F6W), n, 120, 84, overwriteGrads, affScratch); }
/** C5: grads c5.w, c5.b; ds4 (masked where s4 = 0, i.e. S4's ReLU). */
export function c5Backward(n: i32): void { affineBackward(ds4, G(C5W), G(C5B), dh5, s4, P(C5W), n, 400, 120, overwriteGrads, affScratch); }

/** S4 + ReLU + C3: grads c3.w, c3.b; ds2 (masked where s2 = 0, i.e. S2's ReLU). */
export function c3Backward(n: i32): void {
  for (let i = 0; i < n; i++) {
    const img2 = s2 + <usize>i * S2_SIZE * 4, d2 = ds2 + <usize>i * S2_SIZE * 4;
    im2colT5(col2, img2, 6, 14, 14);
    memory.fill(dcol2, 0, COL2_SIZE * 4);
    poolConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, ds4 + <usize>i * S4_SIZE * 4, s4 + <usize>i * S4_SIZE * 4, arg4 + <usize>i * S4_SIZE, 16, 6, 10, 10);
    memory.fill(d2, 0, S2_SIZE * 4);
    col2imT5(d2, dcol2, 6, 14, 14);
    // S2's ReLU: no gradient where s2 = 0; and flush-to-zero.
    const z = f32x4.splat(0);
    for (let j = 0; j < S2_SIZE; j += 4) {
      const o = <usize>j << 2;
      v128.store(d2 + o, v128.and(flush4(v128.load(d2 + o)), f32x4.gt(v128.load(img2 + o), z)));
    }
  }
}

/** S2 + ReLU + C1: grads c1.w, c1.b (the input needs no gradient). */
export function c1Backward(n: i32): void {
  for (let i = 0; i < n; i++) {
    im2colT5(col1, xs + <usize>i * X_SIZE * 4, 1, 32, 32);
    poolConvWeightGrad25(G(C1W), G(C1B), col1, ds2 + <usize>i * S2_SIZE * 4, s2 + <usize>i * S2_SIZE * 4, arg2 + <usize>i * S2_SIZE, 6, 28, 28);
  }
}

// ---- whole steps ----------------------------------------------------------------------------

function forward(n: i32): void {
  c1Forward(n); c3Forward(n); c5Forward(n); f6Forward(n); outForward(n);
}

function backward(n: i32): void {
  outBackward(n); f6Backward(n); c5Backward(n); c3Backward(n); c1Backward(n);
}

/** Forward + backward on the n images and labels already in memory; returns the mean loss. */
export function trainStep(n: i32): f64 {
  forward(n);
  const loss = lossForward(n, true);
  lossBackward(n);
  backward(n);
  // The weight gradients' GEMMs and sums can still produce subnormals: flush them in one pass.
  flushBuffer(grads, PARAM_COUNT);
  return loss;
}

/** Forward only: probabilities of the n images into probs. */
export function predict(n: i32): void {
  forward(n);
  lossForward(n, false);
}

// ---- shared mode: many instances, one memory -------------------------------------------------
//
// Memory (all 64-byte aligned), laid out by setupShared on one instance:
//   header                       HEADER_WORDS u32: where everything below is
//   params, grads                PARAM_COUNT f32 each
//   optA, optB                   optimiser state: Adam m and v, or the SGD velocity (optA)
//   shardGrads                   SHARD_COUNT buffers of PARAM_COUNT f32, PARAM_STRIDE bytes apart
//   shardLoss, l2                SHARD_COUNT and UPDATE_CHUNKS f64: per-item results
//   xs, labels, probs            the batch (maxBatch, 1, 32, 32), its labels and probabilities
//   stage, lut, mean             the batch's raw bytes (maxBatch, 28, 28), the lookup table (256)
//                                and the mean image (784) of engine/batch.ts
//   step                         the descriptor of the current job (STEP_* below)
//   probe                        PROBE_SLOTS i32 (diagnostics: which thread ran an item)
//   thread regions               `threads` × the activations of ceil(maxBatch / SHARD_COUNT) images

const H_PARAMS = 0, H_GRADS = 1, H_OPT_A = 2, H_OPT_B = 3, H_SHARD_GRADS = 4, H_SHARD_LOSS = 5, H_L2 = 6;
const H_XS = 7, H_LABELS = 8, H_PROBS = 9, H_STAGE = 10, H_LUT = 11, H_MEAN = 12, H_STEP = 13, H_PROBE = 14;
const H_MAX_BATCH = 15, H_THREADS = 16, H_SHARD_MAX = 17, H_REGIONS = 18, H_REGION_BYTES = 19, H_END = 20;
const HEADER_WORDS = 32;
/** Exported so the host can read the header's words by name (engine/wasm/parallel.ts). */
export const HEADER_PARAMS = H_PARAMS, HEADER_GRADS = H_GRADS, HEADER_OPT_A = H_OPT_A, HEADER_OPT_B = H_OPT_B;
export const HEADER_SHARD_LOSS = H_SHARD_LOSS, HEADER_L2 = H_L2, HEADER_XS = H_XS, HEADER_LABELS = H_LABELS;
export const HEADER_PROBS = H_PROBS, HEADER_STAGE = H_STAGE, HEADER_LUT = H_LUT, HEADER_MEAN = H_MEAN;
export const HEADER_PROBE = H_PROBE, HEADER_END = H_END, HEADER_SHARD_GRADS = H_SHARD_GRADS;
export const PROBE_SLOTS: i32 = 256;

// The step descriptor: i32 fields, then f64 fields from byte 32.
const STEP_N = 0, STEP_FROM_BYTES = 4, STEP_USE_MEAN = 8, STEP_MODE = 12, STEP_OPT = 16, STEP_TRAP = 20, STEP_HANG = 24;
const STEP_LR = 32, STEP_SIZE = 40, STEP_C2 = 48, STEP_BETA1 = 56, STEP_BETA2 = 64, STEP_EPS = 72, STEP_MU = 80;
const STEP_LAMBDA = 88, STEP_SPIN = 96, STEP_BYTES = 128;

/** Work items: runItem(job, item). */
export const JOB_TRAIN: i32 = 0; // shard `item`: forward + backward into its gradient buffer
export const JOB_PREDICT: i32 = 1; // shard `item`: forward, probabilities
export const JOB_UPDATE: i32 = 2; // parameter chunk `item`: sum the shards, L2, the optimiser
export const JOB_PROBE: i32 = 3; // diagnostics: record the thread, spin, maybe trap

let header: usize = 0;
let thread: i32 = 0;
let sharedGrads: usize = 0, shardGrads: usize = 0, shardLoss: usize = 0, l2Sums: usize = 0;
let optA: usize = 0, optB: usize = 0;
let sharedXs: usize = 0, sharedLabels: usize = 0, sharedProbs: usize = 0;
let stage: usize = 0, lut: usize = 0, meanImage: usize = 0, step: usize = 0, probe: usize = 0;

@inline function hget(k: i32): usize { return <usize>load<u32>(header + (<usize>k << 2)); }
@inline function hset(k: i32, v: usize): void { store<u32>(header + (<usize>k << 2), <u32>v); }

/**
 * The bytes of memory setupShared(maxBatch, threads) needs. Nothing is written to memory, but
 * this instance's buffer pointers move: call it on a throwaway instance (of either module).
 */
export function sharedLayoutBytes(maxBatch: i32, threads: i32): f64 {
  if (maxBatch < 1 || threads < 1) return 0;
  const saved = top;
  layoutShared(maxBatch, threads, false);
  const end = top;
  top = saved;
  return <f64>end;
}

/**
 * Lays out the shared buffers and `threads` thread regions for batches of up to maxBatch images,
 * growing the (shared) memory if it is too small. Returns the header's address, or 0 if memory
 * could not grow. Call on one instance, before any attach.
 */
export function setupShared(maxBatch: i32, threads: i32): usize {
  if (header != 0 || maxN != 0 || maxBatch < 1 || threads < 1) return 0;
  return layoutShared(maxBatch, threads, true);
}

/** The layout of setupShared; with commit false it only advances `top` (no header, no growth). */
function layoutShared(maxBatch: i32, threads: i32, commit: bool): usize {
  const B = <usize>maxBatch;
  const shardMax = (maxBatch + SHARD_COUNT - 1) / SHARD_COUNT;
  top = (__heap_base + 63) & ~<usize>63;
  const h = take(HEADER_WORDS * 4);
  const p = take(<usize>PARAM_COUNT << 2), g = take(<usize>PARAM_COUNT << 2);
  const a = take(<usize>PARAM_COUNT << 2), b = take(<usize>PARAM_COUNT << 2);
  const sg = take(PARAM_STRIDE * <usize>SHARD_COUNT);
  const sl = take(<usize>SHARD_COUNT << 3), l2 = take(<usize>UPDATE_CHUNKS << 3);
  const x = take(B * X_SIZE * 4), lb = take(B), pr = take(B * 10 * 4);
  const st = take(B * 784), lt = take(256 * 4), mn = take(784 * 4);
  const sp = take(STEP_BYTES), pb = take(<usize>PROBE_SLOTS << 2);
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
  return h;
}

/** Points this instance at the shared buffers and at thread region `t` (0 ≤ t < threads). Returns false for a bad t. */
export function attach(h: usize, t: i32): bool {
  header = h;
  if (t < 0 || <usize>t >= hget(H_THREADS)) return false;
  thread = t;
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

/** Describes the next JOB_TRAIN / JOB_PREDICT: n images; fromBytes: build them from stage first. */
export function setBatch(n: i32, fromBytes: bool, useMean: bool): void {
  store<i32>(step + STEP_N, n);
  store<i32>(step + STEP_FROM_BYTES, fromBytes ? 1 : 0);
  store<i32>(step + STEP_USE_MEAN, useMean ? 1 : 0);
}

/** Describes the next JOB_UPDATE (optim.ts: mode, optimiser and its scalars, L2 λ). */
export function setUpdate(mode: i32, opt: i32, lr: f64, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, mu: f64, lambda: f64): void {
  store<i32>(step + STEP_MODE, mode);
  store<i32>(step + STEP_OPT, opt);
  store<f64>(step + STEP_LR, lr); store<f64>(step + STEP_SIZE, stepSize); store<f64>(step + STEP_C2, c2);
  store<f64>(step + STEP_BETA1, beta1); store<f64>(step + STEP_BETA2, beta2); store<f64>(step + STEP_EPS, eps);
  store<f64>(step + STEP_MU, mu); store<f64>(step + STEP_LAMBDA, lambda);
}

/**
 * Describes the next JOB_PROBE: each item spins `spin` rounds; in thread `trap` an item traps,
 * in thread `hang` it never ends (−1: no such thread). Tests use it to fail a helper thread.
 */
export function setProbe(spin: f64, trap: i32, hang: i32): void {
  store<f64>(step + STEP_SPIN, spin);
  store<i32>(step + STEP_TRAP, trap);
  store<i32>(step + STEP_HANG, hang);
}

/** First image of shard s of a batch of n (engine/shards.ts shardStart). */
@inline function shardStart(n: i32, s: i32): i32 { return (s * n) / SHARD_COUNT; }

/** Bit s set for each shard that holds at least one of n images (the shards that are summed). */
export function usedShards(n: i32): i32 {
  let m = 0;
  for (let s = 0; s < SHARD_COUNT; s++) if (shardStart(n, s + 1) > shardStart(n, s)) m |= 1 << s;
  return m;
}

/** Moves xs/labels/probs to the slice of images [lo, …) of the shared batch. */
function bindSlice(lo: i32): void {
  xs = sharedXs + (<usize>lo << 12);
  labels = sharedLabels + <usize>lo;
  probs = sharedProbs + <usize>lo * 40;
}

/** Builds images [lo, lo + m) of the batch from their bytes when the step says so. */
function assembleSlice(lo: i32, m: i32): void {
  if (load<i32>(step + STEP_FROM_BYTES) == 0) return;
  assembleImages(xs, stage + <usize>lo * 784, m, lut, load<i32>(step + STEP_USE_MEAN) != 0 ? meanImage : 0);
}

/**
 * Shard s of the batch: its images' forward and backward, the gradient of the WHOLE batch's mean
 * loss (dlogits divided by n, not by the shard's size) into the shard's own gradient buffer
 * (replacing what was there); the sum of its images' losses into shardLoss[s].
 */
function trainShard(s: i32): void {
  const n = load<i32>(step + STEP_N);
  const lo = shardStart(n, s), m = shardStart(n, s + 1) - lo;
  if (m == 0) return;
  bindSlice(lo);
  assembleSlice(lo, m);
  // The conv layers add into their gradients image by image: zero them (2,572 floats); the affine
  // layers (the other 59,134) overwrite theirs. The reduction flushes every value it reads.
  grads = shardGrads + PARAM_STRIDE * <usize>s;
  memory.fill(grads, 0, C5W << 2);
  overwriteGrads = true;
  forward(m);
  store<f64>(shardLoss + (<usize>s << 3), softmaxForward(probs, logits, labels, m, 10));
  softmaxBackward(dlogits, probs, labels, m, 10, 1.0 / <f64>n);
  backward(m);
  overwriteGrads = false;
  grads = sharedGrads;
}

/** Shard s of the batch: probabilities only. */
function predictShard(s: i32): void {
  const n = load<i32>(step + STEP_N);
  const lo = shardStart(n, s), m = shardStart(n, s + 1) - lo;
  if (m == 0) return;
  bindSlice(lo);
  assembleSlice(lo, m);
  forward(m);
  softmaxForward(probs, logits, 0, m, 10);
}

/** Parameter chunk c: optim.ts updateRange; its Σ w² into l2[c]. */
function updateChunk(c: i32): void {
  const lo = c * UPDATE_CHUNK, hi = min(PARAM_COUNT, lo + UPDATE_CHUNK);
  const mode = load<i32>(step + STEP_MODE);
  const l2 = updateRange(
    lo, hi, mode, params, sharedGrads, shardGrads, PARAM_STRIDE, mode == MODE_FROM_GRADS ? 0 : usedShards(load<i32>(step + STEP_N)),
    load<i32>(step + STEP_OPT), optA, optB, load<f64>(step + STEP_LR), load<f64>(step + STEP_SIZE), load<f64>(step + STEP_C2),
    load<f64>(step + STEP_BETA1), load<f64>(step + STEP_BETA2), load<f64>(step + STEP_EPS), load<f64>(step + STEP_MU), load<f64>(step + STEP_LAMBDA),
  );
  store<f64>(l2Sums + (<usize>c << 3), l2);
}

/** Diagnostics: records which thread ran item i, burns `spin` rounds, traps in thread `trap`, never ends in thread `hang`. */
function probeItem(i: i32): void {
  const hang = thread == load<i32>(step + STEP_HANG);
  const spin = load<f64>(step + STEP_SPIN);
  let x: f64 = 1;
  for (let k: f64 = 0; hang || k < spin; k++) x = x * 1.0000001 + 1e-9;
  store<i32>(probe + (<usize>(i & (PROBE_SLOTS - 1)) << 2), x > 0 ? thread : -1);
  if (thread == load<i32>(step + STEP_TRAP)) unreachable();
}

/** Runs one work item of a job (JOB_*). */
export function runItem(job: i32, item: i32): void {
  if (job == JOB_TRAIN) trainShard(item);
  else if (job == JOB_PREDICT) predictShard(item);
  else if (job == JOB_UPDATE) updateChunk(item);
  else if (job == JOB_PROBE) probeItem(item);
  else unreachable();
}

// ---- kernel entry points for the kernel tests and micro-benchmarks ---------------------------
export { gemmNN, gemmNT } from './gemm';
export { im2col } from './conv';
export { reluPoolForward } from './pool';
export { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25 } from './poolconv';
export { assembleImages } from './batch';
export { updateRange } from './optim';
export { flushBuffer } from './ftz';
export { screenConv, screenAffine, scaleUp } from './screen';

/** First byte after every buffer laid out by setup (free space up to memory.size()). */
export function scratchPtr(): usize { return top; }
