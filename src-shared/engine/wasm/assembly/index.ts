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
//
// Architecture (engine/arch.ts): setup/setupShared take the architecture's code (arch.ts
// architectureCode: activation in bits 0–1, pooling in bits 2–3, LeCun's C3 in bit 4, the RBF
// output in bit 5; 0 is the report's model) and configure() lays the parameters out as
// engine/layout.ts layoutFor does. The report's model runs exactly the kernels it always ran;
// the variants swap pieces in (same shapes):
//   tanh/sigmoid + max  pool the conv outputs first (pool.ts maxPoolForward), squash the winners;
//                       backward through the winners only (poolconv.ts winner kernels)
//   average/subsampling squash every conv output (kept per image: y1, y3), average the windows
//                       (subsampling: × k + b and squash again, keeping the means: m2, m4);
//                       backward dense (avgPoolBackward, then GEMMs)
//   LeCun's C3          the unconnected kernels' gradient is zeroed after each backward
//   RBF                 F6 → penalties (rbf.ts) into `logits`, the paper's loss
// The prototypes and the C3 mask are written by the host into `archData` (engine/rbf.ts and
// engine/arch.ts are their one definition).
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

import { gemmNN, gemmNT } from './gemm';
import { im2col, fillBias } from './conv';
import { reluPoolForward, maxPoolForward, avgPoolForward, avgPoolBackward, subsampleForward, subsampleBackward } from './pool';
import { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25, winnerConvBackward, winnerWeightGrad25 } from './poolconv';
import { affineForward, affineBackward, affineBackwardAct, affineScratchBytes, DX_PLAIN } from './affine';
import { softmaxForward, softmaxBackward } from './softmax';
import { rbfForward, rbfLoss, rbfLossBackward, rbfBackward } from './rbf';
import { activateInPlace, activationGrad, ACT_RELU } from './activation';
import { assembleImages } from './batch';
import { flush4, flushBuffer } from './ftz';
import { screenConv, screenAffine, scaleUp } from './screen';
import { updateRange, setWeightTensors, MODE_FROM_GRADS } from './optim';

// ---- the architecture and its parameter layout (per instance: wasm globals) -----------------

const POOL_MAX: i32 = 0, POOL_AVERAGE: i32 = 1, POOL_SUBSAMPLING: i32 = 2;
/** The RBF loss's rubbish-class constant j (engine/rbf.ts RBF_J). */
const RBF_J: f64 = 1;
/** archData: the prototypes (10 × 84 f32) then the C3 mask (16 × 6 u8, 1 = connected). */
const PROTO_BYTES: usize = 10 * 84 * 4;
const ARCH_DATA_BYTES: usize = PROTO_BYTES + 96;

let archCode: i32 = 0;
let act: i32 = ACT_RELU, pooling: i32 = POOL_MAX;
let lecun: bool = false, rbf: bool = false;
/** The report's fused path: ReLU + max-pool (exactly the kernels of the earlier engines). */
let reluMax: bool = true;
/** Parameter offsets in floats (engine/layout.ts); −1 for a tensor the architecture lacks. */
let C1W: usize = 0, C1B: usize = 150, S2K: usize = 0, S2B: usize = 0, C3W: usize = 156, C3B: usize = 2556, S4K: usize = 0, S4B: usize = 0;
let C5W: usize = 2572, C5B: usize = 50572, F6W: usize = 50692, F6B: usize = 60772, OW: usize = 60856, OB: usize = 61696;
let paramCount: i32 = 61706;
/** A parameter-sized buffer's stride in bytes (64-byte aligned). */
let paramStride: usize = ((<usize>61706 << 2) + 63) & ~<usize>63;
let updateChunkCount: i32 = (61706 + 4095) / 4096;

/** Shards per batch: image s·n/8 … (s+1)·n/8 − 1 of n go to shard s (engine/shards.ts). */
export const SHARD_COUNT: i32 = 8;
/** Parameters per update chunk (engine/shards.ts): chunk c is [c·4096, (c+1)·4096) ∩ [0, paramCount). */
export const UPDATE_CHUNK: i32 = 4096;

/**
 * Sets this instance's architecture (the code of engine/arch.ts architectureCode) and its
 * parameter layout, in layer order as engine/layout.ts: c1.w, c1.b, [s2.k, s2.b], c3.w, c3.b,
 * [s4.k, s4.b], c5.w, c5.b, f6.w, f6.b, [out.w, out.b]. Returns false for an unknown code.
 */
function configure(code: i32): bool {
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
const X_SIZE = 1024, C1_SIZE = 4704, S2_SIZE = 1176, C3_SIZE = 1600, S4_SIZE = 400;
const COL1_SIZE = 25 * 784, COL2_SIZE = 150 * 100;

// ---- this instance's buffers -----------------------------------------------------------------
// params: the parameters. grads: where backward adds (the gradients, or this shard's buffer).
// xs, labels, probs: the batch a call works on (moved to a shard's slice in shared mode).
// The rest: activations, their gradients and per-image scratch, for up to maxN images.

let maxN: i32 = 0;
let params: usize = 0, grads: usize = 0;
/** The RBF prototypes and the C3 mask (ARCH_DATA_BYTES, written by the host). */
let archData: usize = 0;
/** Average pooling and subsampling: the squashed conv outputs y1 (n, 6, 28, 28), y3 (n, 16, 10, 10). */
let y1: usize = 0, y3: usize = 0;
/** Subsampling: the window means m2 (n, 6, 14, 14), m4 (n, 16, 5, 5). */
let m2: usize = 0, m4: usize = 0;
/** Per-image scratch of the variants' backward: the pooled gradient and the conv outputs' gradient. */
let gPool: usize = 0, gConv: usize = 0;
/** The RBF loss's competition weights (n, 10). */
let rbfQ: usize = 0;
/**
 * LeCun's C3 table, computed per input map c on its 10 connected filters only (lecunGather):
 * lecunRows (6 × 16 i32) their indices, lecunW (6 × 10 × 25) their weights for map c, and
 * scratch for one map's outputs or gradients (10 × 100) and weight gradients (10 × 25).
 */
let lecunRows: usize = 0, lecunW: usize = 0, lecunOut: usize = 0, lecunG: usize = 0, lecunDW: usize = 0;
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

/** Every S2 map feeds 10 of the 16 C3 maps in LeCun's Table I (engine/arch.ts). */
const LECUN_FILTERS: i32 = 10;

/**
 * For each S2 map c: the C3 maps it feeds (lecunRows, from the mask in archData) and their 5×5
 * kernels for map c out of w (16, 6, 25) into lecunW (c, j, 25). Returns false if the mask does
 * not give every map LECUN_FILTERS filters (the caller then computes the full C3).
 */
function lecunGather(w: usize): bool {
  const mask = archData + PROTO_BYTES;
  for (let c = 0; c < 6; c++) {
    let j = 0;
    for (let f = 0; f < 16; f++) {
      if (load<u8>(mask + <usize>(f * 6 + c)) == 0) continue;
      if (j == LECUN_FILTERS) return false;
      store<i32>(lecunRows + (<usize>(c * 16 + j) << 2), f);
      memory.copy(lecunW + (<usize>((c * LECUN_FILTERS + j) * 25) << 2), w + (<usize>((f * 6 + c) * 25) << 2), 100);
      j++;
    }
    if (j != LECUN_FILTERS) return false;
  }
  return true;
}

@inline function lecunRow(c: i32, j: i32): i32 { return load<i32>(lecunRows + (<usize>(c * 16 + j) << 2)); }

/** dst[0..n) += src[0..n) (n % 4 == 0). */
@inline function addInto(dst: usize, src: usize, n: i32): void {
  for (let q = 0; q < n; q += 4) {
    const o = <usize>q << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
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

@inline function P(off: usize): usize { return params + (off << 2); }
@inline function G(off: usize): usize { return grads + (off << 2); }

// ---- forward stages -------------------------------------------------------------------------

/**
 * The pooling block after a conv layer, one image: conv outputs c (C, H, H) → the block's output
 * s (C, H/2, H/2) (file comment: the report's ReLU + max-pool, or a variant). For average
 * pooling and subsampling c is the image's slot of y1/y3, squashed here in place and kept for
 * the backward pass; m: the window means (subsampling), k, b: subsampling's parameters.
 */
function blockForward(s: usize, arg: usize, c: usize, m: usize, k: usize, b: usize, C: i32, H: i32): void {
  const size = C * H * H, P = (H * H) >> 2;
  if (reluMax) {
    reluPoolForward(s, arg, c, C, H, H);
  } else if (pooling == POOL_MAX) {
    maxPoolForward(s, arg, c, C, H, H);
    activateInPlace(s, C * P, act);
  } else {
    activateInPlace(c, size, act);
    if (pooling == POOL_AVERAGE) {
      avgPoolForward(s, c, C, H, H);
    } else {
      avgPoolForward(m, c, C, H, H);
      subsampleForward(s, m, k, b, C, P, act);
    }
  }
}

/** C1 + activation + S2: x (n, 1, 32, 32) → s2 (n, 6, 14, 14). */
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
  const dense = pooling != POOL_MAX;
  for (let i = 0; i < n; i++) {
    // Average pooling and subsampling keep the conv outputs (squashed): compute them in place there.
    const c = dense ? y1 + <usize>i * C1_SIZE * 4 : c1;
    fillBias(c, b, 6, 784);
    im2col(col1, xs + <usize>i * X_SIZE * 4, 1, 32, 32, 5);
    gemmNN(6, 784, 25, w, 25, 1, col1, 784, c, 784, true);
    if (S != 1) for (let j: usize = 0; j < <usize>C1_SIZE * 4; j += 16) v128.store(c + j, f32x4.mul(v128.load(c + j), inv));
    const at = <usize>i * S2_SIZE;
    blockForward(s2 + at * 4, arg2 + at, c, m2 + at * 4, P(S2K), P(S2B), 6, 28);
  }
}

/** C3 + activation + S4: s2 (n, 6, 14, 14) → s4 (n, 16, 5, 5). */
export function c3Forward(n: i32): void {
  const w = screenConv(wScreen, P(C3W), 16, 6, 25, s2, n, 196, inMax);
  const dense = pooling != POOL_MAX;
  // LeCun's table: 60 of the 96 (filter, map) kernels, so per S2 map a GEMM over its 10 filters
  // (37.5% fewer products than the full C3, whose other kernels are zeros anyway).
  const sparse = lecun && lecunGather(w);
  for (let i = 0; i < n; i++) {
    const c = dense ? y3 + <usize>i * C3_SIZE * 4 : c3;
    fillBias(c, P(C3B), 16, 100);
    im2col(col2, s2 + <usize>i * S2_SIZE * 4, 6, 14, 14, 5);
    if (sparse) {
      for (let ch = 0; ch < 6; ch++) {
        gemmNN(LECUN_FILTERS, 100, 25, lecunW + (<usize>(ch * LECUN_FILTERS * 25) << 2), 25, 1, col2 + (<usize>(ch * 25 * 100) << 2), 100, lecunOut, 100, false);
        for (let j = 0; j < LECUN_FILTERS; j++) addInto(c + (<usize>(lecunRow(ch, j) * 100) << 2), lecunOut + (<usize>(j * 100) << 2), 100);
      }
    } else {
      gemmNN(16, 100, 150, w, 150, 1, col2, 100, c, 100, true);
    }
    const at = <usize>i * S4_SIZE;
    blockForward(s4 + at * 4, arg4 + at, c, m4 + at * 4, P(S4K), P(S4B), 16, 10);
  }
}

/** An affine layer followed by the activation (ReLU fused, as the report's model does). */
function affineAct(y: usize, x: usize, w: usize, b: usize, n: i32, IN: i32, OUT: i32): void {
  affineForward(y, x, w, b, n, IN, OUT, act == ACT_RELU);
  if (act != ACT_RELU) activateInPlace(y, n * OUT, act);
}

/** C5 + activation: s4 (n, 400) → h5 (n, 120). */
export function c5Forward(n: i32): void { affineAct(h5, s4, screenAffine(wScreen, P(C5W), 120, 400, s4, n, inMax), P(C5B), n, 400, 120); }
/** F6 + activation: h5 (n, 120) → h6 (n, 84). */
export function f6Forward(n: i32): void { affineAct(h6, h5, screenAffine(wScreen, P(F6W), 84, 120, h5, n, inMax), P(F6B), n, 120, 84); }
/** out: h6 (n, 84) → logits (n, 10); with the RBF output, the penalties. */
export function outForward(n: i32): void {
  if (rbf) rbfForward(logits, h6, archData, n);
  else affineForward(logits, h6, screenAffine(wScreen, P(OW), 10, 84, h6, n, inMax), P(OB), n, 84, 10, false);
}
/** The n images' probabilities into probs; with labels, their summed loss (else 0). */
function lossSum(n: i32, withLabels: bool): f64 {
  return rbf ? rbfLoss(probs, rbfQ, logits, withLabels ? labels : 0, n, RBF_J) : softmaxForward(probs, logits, withLabels ? labels : 0, n, 10);
}
/** Probabilities → probs (n, 10); returns the mean loss against the labels if withLabels. */
export function lossForward(n: i32, withLabels: bool): f64 { return lossSum(n, withLabels) / <f64>n; }

// ---- backward stages (reverse order) --------------------------------------------------------

/** dlogits = d(loss)/d(logits) · inv (softmax: probs − onehot; RBF: onehot − q). */
function lossGrad(n: i32, inv: f64): void {
  if (rbf) rbfLossBackward(dlogits, rbfQ, labels, n, inv);
  else softmaxBackward(dlogits, probs, labels, n, 10, inv);
}
/** dlogits for the batch's mean loss. */
export function lossBackward(n: i32): void { lossGrad(n, 1.0 / <f64>n); }
/** out: grads out.w, out.b (softmax); dh6 through F6's activation. */
export function outBackward(n: i32): void {
  if (rbf) {
    rbfBackward(dh6, dlogits, h6, archData, n);
    activationGrad(dh6, dh6, h6, n * 84, act);
  } else {
    affineBackwardAct(dh6, G(OW), G(OB), dlogits, h6, P(OW), n, 84, 10, overwriteGrads, affScratch, act);
  }
}
/** F6: grads f6.w, f6.b; dh5 through C5's activation. */
export function f6Backward(n: i32): void { affineBackwardAct(dh5, G(F6W), G(F6B), dh6, h5, P(F6W), n, 120, 84, overwriteGrads, affScratch, act); }
/**
 * C5: grads c5.w, c5.b; ds4. With ReLU masked where s4 = 0 (right for every pooling: a zero
 * output has zero derivative there); otherwise as it is (the S4 block applies its activation).
 */
export function c5Backward(n: i32): void { affineBackwardAct(ds4, G(C5W), G(C5B), dh5, s4, P(C5W), n, 400, 120, overwriteGrads, affScratch, act == ACT_RELU ? ACT_RELU : DX_PLAIN); }

/**
 * The variants' block backward, one image, up to the conv outputs' gradient: from ds (C, H/2,
 * H/2) to gPool (max: ds · act'(s), for the winner kernels) or to gConv (C, H, H) (average,
 * subsampling: dense; subsampling adds its coefficients' and biases' gradients into gk, gb).
 */
function blockBackward(ds: usize, s: usize, y: usize, m: usize, k: usize, gk: usize, gb: usize, C: i32, H: i32): void {
  const P = (H * H) >> 2;
  if (pooling == POOL_MAX) {
    activationGrad(gPool, ds, s, C * P, act);
    return;
  }
  let g = ds;
  if (pooling == POOL_SUBSAMPLING) {
    subsampleBackward(gPool, gk, gb, ds, s, m, k, C, P, act);
    g = gPool;
  }
  avgPoolBackward(gConv, g, y, C, H, H, act);
}

/**
 * S4 + activation + C3: grads c3.w, c3.b (and s4.k, s4.b; LeCun's unconnected kernels' zeroed
 * after the last image); ds2 (with ReLU masked where s2 = 0).
 */
export function c3Backward(n: i32): void {
  // The dense path's LeCun shortcut gathers the (unscreened) weights once per call.
  const sparse = lecun && pooling != POOL_MAX && lecunGather(P(C3W));
  for (let i = 0; i < n; i++) {
    const img2 = s2 + <usize>i * S2_SIZE * 4, d2 = ds2 + <usize>i * S2_SIZE * 4;
    const at = <usize>i * S4_SIZE;
    im2colT5(col2, img2, 6, 14, 14);
    // The winner kernels add into dcol2; the dense path's GEMM overwrites it.
    if (pooling == POOL_MAX) memory.fill(dcol2, 0, COL2_SIZE * 4);
    if (reluMax) {
      poolConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, ds4 + at * 4, s4 + at * 4, arg4 + at, 16, 6, 10, 10);
    } else {
      blockBackward(ds4 + at * 4, s4 + at * 4, y3 + <usize>i * C3_SIZE * 4, m4 + at * 4, P(S4K), G(S4K), G(S4B), 16, 10);
      if (pooling == POOL_MAX) {
        winnerConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, gPool, arg4 + at, 16, 6, 10, 10);
      } else {
        // Dense: dW (16, 150) += gConv (16, 100) · colT (100, 150); db += Σ gConv;
        // dcolT (100, 150) = gConvᵀ · W (16, 150). LeCun's table: per S2 map, on its 10 filters.
        rowSums(G(C3B), gConv, 16, 100);
        if (sparse) {
          for (let ch = 0; ch < 6; ch++) {
            for (let j = 0; j < LECUN_FILTERS; j++) memory.copy(lecunG + (<usize>(j * 100) << 2), gConv + (<usize>(lecunRow(ch, j) * 100) << 2), 400);
            gemmNN(LECUN_FILTERS, 25, 100, lecunG, 100, 1, col2 + (<usize>(ch * 25) << 2), 150, lecunDW, 25, false);
            for (let j = 0; j < LECUN_FILTERS; j++) {
              const dst = G(C3W) + (<usize>((lecunRow(ch, j) * 6 + ch) * 25) << 2), src = lecunDW + (<usize>(j * 25) << 2);
              for (let k = 0; k < 25; k++) store<f32>(dst + (<usize>k << 2), load<f32>(dst + (<usize>k << 2)) + load<f32>(src + (<usize>k << 2)));
            }
            gemmNN(100, 25, LECUN_FILTERS, lecunG, 1, 100, lecunW + (<usize>(ch * LECUN_FILTERS * 25) << 2), 25, dcol2 + (<usize>(ch * 25) << 2), 150, false);
          }
        } else {
          gemmNN(16, 150, 100, gConv, 100, 1, col2, 150, G(C3W), 150, true);
          gemmNN(100, 150, 16, gConv, 1, 100, P(C3W), 150, dcol2, 150, false);
        }
      }
    }
    memory.fill(d2, 0, S2_SIZE * 4);
    col2imT5(d2, dcol2, 6, 14, 14);
    // ReLU: no gradient where s2 = 0 (whatever the pooling: a zero output has a zero
    // derivative); and flush-to-zero. Other activations: their derivative is C1's block's.
    const z = f32x4.splat(0);
    for (let j = 0; j < S2_SIZE; j += 4) {
      const o = <usize>j << 2;
      const v = flush4(v128.load(d2 + o));
      v128.store(d2 + o, act == ACT_RELU ? v128.and(v, f32x4.gt(v128.load(img2 + o), z)) : v);
    }
  }
  maskC3();
}

/** S2 + activation + C1: grads c1.w, c1.b (and s2.k, s2.b) (the input needs no gradient). */
export function c1Backward(n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i * S2_SIZE, x = xs + <usize>i * X_SIZE * 4;
    if (reluMax) {
      im2colT5(col1, x, 1, 32, 32);
      poolConvWeightGrad25(G(C1W), G(C1B), col1, ds2 + at * 4, s2 + at * 4, arg2 + at, 6, 28, 28);
      continue;
    }
    blockBackward(ds2 + at * 4, s2 + at * 4, y1 + <usize>i * C1_SIZE * 4, m2 + at * 4, P(S2K), G(S2K), G(S2B), 6, 28);
    if (pooling == POOL_MAX) {
      im2colT5(col1, x, 1, 32, 32);
      winnerWeightGrad25(G(C1W), G(C1B), col1, gPool, arg2 + at, 6, 28, 28);
    } else {
      // Dense: dW (6, 25) += gConv (6, 784) · col1ᵀ, col1 (25, 784) = im2col: 150 dot products
      // of length 784 (gemmNT, vectorised along the positions); db += Σ gConv.
      im2col(col1, x, 1, 32, 32, 5);
      gemmNT(6, 25, 784, gConv, 784, col1, 784, G(C1W), 25);
      rowSums(G(C1B), gConv, 6, 784);
    }
  }
}

/** b[r] += Σ of row r of a (rows × cols, cols % 4 == 0), four lanes at a time. */
function rowSums(b: usize, a: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = a + (<usize>(r * cols) << 2);
    let v = f32x4.splat(0);
    for (let q = 0; q < cols; q += 4) v = f32x4.add(v, v128.load(row + (<usize>q << 2)));
    const pb = b + (<usize>r << 2);
    store<f32>(pb, load<f32>(pb) + ((f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))));
  }
}

/** LeCun's C3 table: zero the gradient of the unconnected kernels (archData's mask), so they stay 0. */
function maskC3(): void {
  if (!lecun) return;
  const mask = archData + PROTO_BYTES;
  for (let f = 0; f < 96; f++) if (load<u8>(mask + <usize>f) == 0) memory.fill(G(C3W) + (<usize>f * 25 << 2), 0, 100);
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
  flushBuffer(grads, paramCount);
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

const H_PARAMS = 0, H_GRADS = 1, H_OPT_A = 2, H_OPT_B = 3, H_SHARD_GRADS = 4, H_SHARD_LOSS = 5, H_L2 = 6;
const H_XS = 7, H_LABELS = 8, H_PROBS = 9, H_STAGE = 10, H_LUT = 11, H_MEAN = 12, H_STEP = 13, H_PROBE = 14;
const H_MAX_BATCH = 15, H_THREADS = 16, H_SHARD_MAX = 17, H_REGIONS = 18, H_REGION_BYTES = 19, H_END = 20;
const H_ARCH = 21, H_ARCH_DATA = 22;
const HEADER_WORDS = 32;
/** Exported so the host can read the header's words by name (engine/wasm/parallel.ts). */
export const HEADER_PARAMS = H_PARAMS, HEADER_GRADS = H_GRADS, HEADER_OPT_A = H_OPT_A, HEADER_OPT_B = H_OPT_B;
export const HEADER_SHARD_LOSS = H_SHARD_LOSS, HEADER_L2 = H_L2, HEADER_XS = H_XS, HEADER_LABELS = H_LABELS;
export const HEADER_PROBS = H_PROBS, HEADER_STAGE = H_STAGE, HEADER_LUT = H_LUT, HEADER_MEAN = H_MEAN;
export const HEADER_PROBE = H_PROBE, HEADER_END = H_END, HEADER_SHARD_GRADS = H_SHARD_GRADS, HEADER_ARCH_DATA = H_ARCH_DATA;
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
function layoutShared(maxBatch: i32, threads: i32, commit: bool): usize {
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
  // The conv layers (and subsampling's coefficients) add into their gradients image by image:
  // zero them (2,572 floats for the report's model); the affine layers (the other 59,134)
  // overwrite theirs. The reduction flushes every value it reads.
  grads = shardGrads + paramStride * <usize>s;
  memory.fill(grads, 0, C5W << 2);
  overwriteGrads = true;
  forward(m);
  store<f64>(shardLoss + (<usize>s << 3), lossSum(m, true));
  lossGrad(m, 1.0 / <f64>n);
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
  lossSum(m, false);
}

/** Parameter chunk c: optim.ts updateRange; its Σ w² into l2[c]. */
function updateChunk(c: i32): void {
  const lo = c * UPDATE_CHUNK, hi = min(paramCount, lo + UPDATE_CHUNK);
  const mode = load<i32>(step + STEP_MODE);
  const l2 = updateRange(
    lo, hi, mode, params, sharedGrads, shardGrads, paramStride, mode == MODE_FROM_GRADS ? 0 : usedShards(load<i32>(step + STEP_N)),
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
export { reluPoolForward, maxPoolForward, avgPoolForward, avgPoolBackward, subsampleForward, subsampleBackward } from './pool';
export { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25, winnerConvBackward, winnerWeightGrad25 } from './poolconv';
export { activateInPlace, activationGrad } from './activation';
export { rbfForward, rbfLoss, rbfLossBackward, rbfBackward } from './rbf';
export { affineBackwardAct } from './affine';
export { assembleImages } from './batch';
export { updateRange } from './optim';
export { flushBuffer } from './ftz';
export { screenConv, screenAffine, scaleUp } from './screen';

/** First byte after every buffer laid out by setup (free space up to memory.size()). */
export function scratchPtr(): usize { return top; }
