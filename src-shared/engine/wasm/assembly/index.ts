// LeNet-5 (spec.md, "The model") entirely in WebAssembly: parameters, gradients and every
// activation live in this module's linear memory, laid out once by setup(maxBatch).
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
// layers run on the whole batch. The stage functions are exported one by one
// so that a profiler can time each layer; trainStep/predict run them in order.

import { gemmNN } from './gemm';
import { im2col, fillBias } from './conv';
import { reluPoolForward } from './pool';
import { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25 } from './poolconv';
import { affineForward, affineBackward } from './affine';
import { softmaxForward, softmaxBackward } from './softmax';

// Parameter offsets in floats (engine/layout.ts).
const C1W: usize = 0, C1B: usize = 150, C3W: usize = 156, C3B: usize = 2556, C5W: usize = 2572, C5B: usize = 50572;
const F6W: usize = 50692, F6B: usize = 60772, OW: usize = 60856, OB: usize = 61696;
export const PARAM_COUNT: i32 = 61706;

// Per-image sizes in floats.
const X_SIZE = 1024, C1_SIZE = 4704, S2_SIZE = 1176, C3_SIZE = 1600, S4_SIZE = 400;
const COL1_SIZE = 25 * 784, COL2_SIZE = 150 * 100;

let maxN: i32 = 0;
let params: usize = 0, grads: usize = 0;
let xs: usize = 0, labels: usize = 0;
let s2: usize = 0, arg2: usize = 0, s4: usize = 0, arg4: usize = 0;
let h5: usize = 0, h6: usize = 0, logits: usize = 0, probs: usize = 0;
let dlogits: usize = 0, dh6: usize = 0, dh5: usize = 0, ds4: usize = 0, ds2: usize = 0;
let c1: usize = 0, col1: usize = 0, c3: usize = 0, col2: usize = 0, dcol2: usize = 0;

let top: usize = 0;
/** Hands out `bytes` of memory, 64-byte aligned, plus 64 bytes of slack. */
function take(bytes: usize): usize {
  const p = top;
  top = (top + bytes + 64 + 63) & ~<usize>63;
  return p;
}

/**
 * Lays out every buffer for batches of up to maxBatch images and grows memory once to hold them.
 * Returns the number of bytes used, or 0 if memory could not grow. Call once, before anything else.
 */
export function setup(maxBatch: i32): f64 {
  if (maxN != 0 || maxBatch < 1) return 0;
  const B = <usize>maxBatch;
  top = (__heap_base + 63) & ~<usize>63;
  params = take(<usize>PARAM_COUNT << 2);
  grads = take(<usize>PARAM_COUNT << 2);
  xs = take(B * X_SIZE * 4);
  labels = take(B);
  s2 = take(B * S2_SIZE * 4); arg2 = take(B * S2_SIZE);
  s4 = take(B * S4_SIZE * 4); arg4 = take(B * S4_SIZE);
  h5 = take(B * 120 * 4); h6 = take(B * 84 * 4);
  logits = take(B * 10 * 4); probs = take(B * 10 * 4);
  dlogits = take(B * 10 * 4); dh6 = take(B * 84 * 4); dh5 = take(B * 120 * 4);
  ds4 = take(B * S4_SIZE * 4); ds2 = take(B * S2_SIZE * 4);
  c1 = take(C1_SIZE * 4); col1 = take(COL1_SIZE * 4);
  c3 = take(C3_SIZE * 4); col2 = take(COL2_SIZE * 4);
  dcol2 = take(COL2_SIZE * 4);
  const have = <usize>memory.size() << 16;
  if (top > have) {
    const pages = <i32>((top - have + 65535) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
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
  for (let i = 0; i < n; i++) {
    fillBias(c1, P(C1B), 6, 784);
    im2col(col1, xs + <usize>i * X_SIZE * 4, 1, 32, 32, 5);
    gemmNN(6, 784, 25, P(C1W), 25, 1, col1, 784, c1, 784, true);
    reluPoolForward(s2 + <usize>i * S2_SIZE * 4, arg2 + <usize>i * S2_SIZE, c1, 6, 28, 28);
  }
}

/** C3 + ReLU + S4: s2 (n, 6, 14, 14) → s4 (n, 16, 5, 5). */
export function c3Forward(n: i32): void {
  for (let i = 0; i < n; i++) {
    fillBias(c3, P(C3B), 16, 100);
    im2col(col2, s2 + <usize>i * S2_SIZE * 4, 6, 14, 14, 5);
    gemmNN(16, 100, 150, P(C3W), 150, 1, col2, 100, c3, 100, true);
    reluPoolForward(s4 + <usize>i * S4_SIZE * 4, arg4 + <usize>i * S4_SIZE, c3, 16, 10, 10);
  }
}

/** C5 + ReLU: s4 (n, 400) → h5 (n, 120). */
export function c5Forward(n: i32): void { affineForward(h5, s4, P(C5W), P(C5B), n, 400, 120, true); }
/** F6 + ReLU: h5 (n, 120) → h6 (n, 84). */
export function f6Forward(n: i32): void { affineForward(h6, h5, P(F6W), P(F6B), n, 120, 84, true); }
/** out: h6 (n, 84) → logits (n, 10). */
export function outForward(n: i32): void { affineForward(logits, h6, P(OW), P(OB), n, 84, 10, false); }
/** Softmax → probs (n, 10); returns the mean cross-entropy against the labels if withLabels. */
export function lossForward(n: i32, withLabels: bool): f64 { return softmaxForward(probs, logits, withLabels ? labels : 0, n, 10); }

// ---- backward stages (reverse order) --------------------------------------------------------

/** dlogits = (probs − onehot) / n. */
export function lossBackward(n: i32): void { softmaxBackward(dlogits, probs, labels, n, 10); }
/** out: grads out.w, out.b; dh6 (masked by F6's ReLU). */
export function outBackward(n: i32): void { affineBackward(dh6, G(OW), G(OB), dlogits, h6, P(OW), n, 84, 10); }
/** F6: grads f6.w, f6.b; dh5 (masked by C5's ReLU). */
export function f6Backward(n: i32): void { affineBackward(dh5, G(F6W), G(F6B), dh6, h5, P(F6W), n, 120, 84); }
/** C5: grads c5.w, c5.b; ds4 (masked where s4 = 0, i.e. S4's ReLU). */
export function c5Backward(n: i32): void { affineBackward(ds4, G(C5W), G(C5B), dh5, s4, P(C5W), n, 400, 120); }

/** S4 + ReLU + C3: grads c3.w, c3.b; ds2 (masked where s2 = 0, i.e. S2's ReLU). */
export function c3Backward(n: i32): void {
  for (let i = 0; i < n; i++) {
    const img2 = s2 + <usize>i * S2_SIZE * 4, d2 = ds2 + <usize>i * S2_SIZE * 4;
    im2colT5(col2, img2, 6, 14, 14);
    memory.fill(dcol2, 0, COL2_SIZE * 4);
    poolConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, ds4 + <usize>i * S4_SIZE * 4, s4 + <usize>i * S4_SIZE * 4, arg4 + <usize>i * S4_SIZE, 16, 6, 10, 10);
    memory.fill(d2, 0, S2_SIZE * 4);
    col2imT5(d2, dcol2, 6, 14, 14);
    // S2's ReLU: no gradient where s2 = 0.
    const z = f32x4.splat(0);
    for (let j = 0; j < S2_SIZE; j += 4) {
      const o = <usize>j << 2;
      v128.store(d2 + o, v128.and(v128.load(d2 + o), f32x4.gt(v128.load(img2 + o), z)));
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

/** Forward + backward on the n images and labels already in memory; returns the mean loss. */
export function trainStep(n: i32): f64 {
  forward(n);
  const loss = lossForward(n, true);
  lossBackward(n);
  outBackward(n); f6Backward(n); c5Backward(n); c3Backward(n); c1Backward(n);
  return loss;
}

/** Forward only: probabilities of the n images into probs. */
export function predict(n: i32): void {
  forward(n);
  lossForward(n, false);
}

// ---- kernel entry points for the kernel tests and micro-benchmarks ---------------------------
export { gemmNN, gemmNT } from './gemm';
export { im2col } from './conv';
export { reluPoolForward } from './pool';
export { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25 } from './poolconv';

/** First byte after every buffer laid out by setup (free space up to memory.size()). */
export function scratchPtr(): usize { return top; }
