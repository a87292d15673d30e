// The end of a training step over the flat buffers, for one range [lo, hi) of parameter indices
// (engine/layout; ranges are fixed chunks, so any number of threads computes the same bits):
//
//   1. the gradient:  g = flush(0 + flush(shard_0[i]) + flush(shard_1[i]) + …) in shard order,
//                     float32 (a shard's buffer is flushed as it is read: one pass fewer over it),
//                     left in the gradient buffer; or the gradient buffer as it is
//   2. L2 (weights):  l2 += w² (float64, index order);  g ← flush(g + λ·w)
//   3. the update:    SGD, SGD with momentum or Adam, per element in float64, stored as float32
//                     with flush-to-zero (ftz.ts), exactly engine/optim.ts's formulas:
//        SGD       p ← p − lr·g
//        momentum  v ← μ·v + g;  p ← p − lr·v
//        Adam      m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g·g;  p ← p − s·m / (√v / c2 + ε)
//                  with s = lr / (1 − β1^t) and c2 = √(1 − β2^t) computed by the caller
//
// engine/optim.ts, engine/regularize.ts and engine/shards.ts are the reference; the tests
// compare them bit for bit.

import { flush, flush4, flushTo32, FLT_MIN_64 } from './ftz';

export const OPT_SGD: i32 = 0, OPT_MOMENTUM: i32 = 1, OPT_ADAM: i32 = 2;

/** Where the gradient comes from, and what happens to it. */
export const MODE_REDUCE: i32 = 0; // grads[i] ← flush(grads[i] + Σ shards): no update (Backend.trainStep)
export const MODE_FROM_SHARDS: i32 = 1; // g = Σ shards → L2 → update, grads[i] ← 0 (the fused step)
export const MODE_FROM_GRADS: i32 = 2; // g = grads[i] → L2 → update, then grads[i] ← 0 (an optimiser step)

// The weight tensors of the parameter layout (engine/layout.ts: conv and affine weights, in
// buffer order; everything between them — biases, subsampling's coefficients — is not
// regularised). Per instance (wasm globals), set by setWeightTensors for the architecture;
// initially the report's model: c1.w [0, 150), c3.w [156, 2556), c5.w [2572, 50572),
// f6.w [50692, 60772), out.w [60856, 61696). outW = −1: no output weights (the RBF output).
let wC1: i32 = 0, wC3: i32 = 156, wC5: i32 = 2572, wF6: i32 = 50692, wOut: i32 = 60856;

/** Sets where the weight tensors start (their sizes are fixed: 150, 2400, 48000, 10080, 840). */
export function setWeightTensors(c1: i32, c3: i32, c5: i32, f6: i32, out: i32): void {
  wC1 = c1; wC3 = c3; wC5 = c5; wF6 = f6; wOut = out;
}

/** Updates [lo, hi) ∩ [from, to) (nothing if empty); L2 with lambda. Returns its Σ w². */
@inline function part(lo: i32, hi: i32, from: i32, to: i32, lambda: f64, params: usize, grads: usize, opt: i32, a: usize, b: usize, lr: f64, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, mu: f64): f64 {
  const a0 = max(lo, from), a1 = min(hi, to);
  return a0 < a1 ? updateSpan(a0, a1, lambda, params, grads, opt, a, b, lr, stepSize, c2, beta1, beta2, eps, mu) : 0;
}

/**
 * Steps 1–3 for indices [lo, hi). shards: the first shard buffer, stride bytes apart, `used` a bit
 * mask of the shards to sum (the non-empty ones). Returns Σ w² over the weights in the range
 * (float64, index order), 0 without L2.
 */
export function updateRange(
  lo: i32, hi: i32, mode: i32, params: usize, grads: usize, shards: usize, stride: usize, used: i32,
  opt: i32, a: usize, b: usize, lr: f64, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, mu: f64, lambda: f64,
): f64 {
  if (mode != MODE_FROM_GRADS) sumShards(lo, hi, mode == MODE_REDUCE, grads, shards, stride, used);
  if (mode == MODE_REDUCE) return 0;
  // Each weight tensor with L2, and the span before it (biases, coefficients) without, in order.
  let l2: f64 = 0;
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const start = k == 0 ? wC1 : k == 1 ? wC3 : k == 2 ? wC5 : k == 3 ? wF6 : wOut;
    if (start < 0) continue;
    const size = k == 0 ? 150 : k == 1 ? 2400 : k == 2 ? 48000 : k == 3 ? 10080 : 840;
    l2 += part(lo, hi, from, start, 0, params, grads, opt, a, b, lr, stepSize, c2, beta1, beta2, eps, mu);
    l2 += part(lo, hi, start, start + size, lambda, params, grads, opt, a, b, lr, stepSize, c2, beta1, beta2, eps, mu);
    from = start + size;
  }
  l2 += part(lo, hi, from, hi, 0, params, grads, opt, a, b, lr, stepSize, c2, beta1, beta2, eps, mu);
  return l2;
}

/**
 * grads[i] ← flush((accumulate ? grads[i] : 0) + flush(shard_0[i]) + …) for i in [lo, hi), the
 * shards of bit mask `used` in order, stride bytes apart. Four lanes at a time: each lane is
 * the same float32 additions in the same order as the scalar reference.
 */
function sumShards(lo: i32, hi: i32, accumulate: bool, grads: usize, shards: usize, stride: usize, used: i32): void {
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const o = <usize>i << 2;
    let g = accumulate ? v128.load(grads + o) : f32x4.splat(0);
    let s = shards + o;
    for (let k = 0; k < 32; k++) {
      if ((used >>> k) == 0) break;
      if ((used >>> k) & 1) g = f32x4.add(g, flush4(v128.load(s)));
      s += stride;
    }
    v128.store(grads + o, flush4(g));
  }
  for (; i < hi; i++) {
    const o = <usize>i << 2;
    let g: f32 = accumulate ? load<f32>(grads + o) : <f32>0;
    let s = shards + o;
    for (let k = 0; k < 32; k++) {
      if ((used >>> k) == 0) break;
      if ((used >>> k) & 1) g += flush(load<f32>(s));
      s += stride;
    }
    store<f32>(grads + o, flush(g));
  }
}

/** Two float64 lanes, each flushed to +0 below FLT_MIN (NaN stays). */
@inline function flush2(x: v128): v128 {
  return v128.andnot(x, f64x2.lt(f64x2.abs(x), f64x2.splat(FLT_MIN_64)));
}

/** Two float32 at p as float64 lanes. */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two float64 lanes rounded to float32 after the flush (flushTo32 per lane): returns them as float64 again. */
@inline function round2(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(flush2(x)));
}

/** Stores two float64 lanes as float32 (they must already be float32 values, from round2). */
@inline function store2(p: usize, x: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(x), 0);
}

/**
 * Adam over [lo, hi) two elements at a time (float64x2): per lane exactly the scalar formulas of
 * updateSpan (IEEE operations round the same per lane); hi − lo must be even. Returns Σ w² of the
 * weights (index order) when lambda > 0.
 */
function adamPairs(lo: i32, hi: i32, lambda: f64, params: usize, grads: usize, a: usize, b: usize, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64): f64 {
  const vb1 = f64x2.splat(beta1), vb2 = f64x2.splat(beta2), vo1 = f64x2.splat(1.0 - beta1), vo2 = f64x2.splat(1.0 - beta2);
  const vs = f64x2.splat(stepSize), vc2 = f64x2.splat(c2), veps = f64x2.splat(eps), vl = f64x2.splat(lambda);
  let sum: f64 = 0;
  for (let i = lo; i < hi; i += 2) {
    const o = <usize>i << 2;
    let g = load2(grads + o);
    const w = load2(params + o);
    if (lambda > 0) {
      const w0 = f64x2.extract_lane(w, 0), w1 = f64x2.extract_lane(w, 1);
      sum += w0 * w0;
      sum += w1 * w1;
      g = round2(f64x2.add(g, f64x2.mul(vl, w)));
    }
    const m = round2(f64x2.add(f64x2.mul(vb1, load2(a + o)), f64x2.mul(vo1, g)));
    const v = round2(f64x2.add(f64x2.mul(vb2, load2(b + o)), f64x2.mul(f64x2.mul(vo2, g), g)));
    store2(a + o, m);
    store2(b + o, v);
    const step = f64x2.div(f64x2.mul(vs, m), f64x2.add(f64x2.div(f64x2.sqrt(v), vc2), veps));
    store2(params + o, round2(f64x2.sub(w, step)));
    v128.store64_lane(grads + o, f64x2.splat(0), 0);
  }
  return sum;
}

/** Steps 2–3 over [lo, hi) inside one tensor (lambda > 0 only for a weight tensor); grads zeroed after. */
function updateSpan(
  lo: i32, hi: i32, lambda: f64, params: usize, grads: usize,
  opt: i32, a: usize, b: usize, lr: f64, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, mu: f64,
): f64 {
  let l2: f64 = 0;
  const omb1 = 1.0 - beta1, omb2 = 1.0 - beta2;
  let i = lo;
  if (opt == OPT_ADAM) {
    i = lo + ((hi - lo) & ~1);
    l2 = adamPairs(lo, i, lambda, params, grads, a, b, stepSize, c2, beta1, beta2, eps);
  }
  for (; i < hi; i++) {
    const o = <usize>i << 2;
    let g = load<f32>(grads + o);
    const w = load<f32>(params + o);
    if (lambda > 0) {
      const wd = <f64>w;
      l2 += wd * wd;
      g = flushTo32(<f64>g + lambda * wd);
    }
    const gd = <f64>g;
    if (opt == OPT_ADAM) {
      const mi = flushTo32(beta1 * <f64>load<f32>(a + o) + omb1 * gd);
      const vi = flushTo32(beta2 * <f64>load<f32>(b + o) + omb2 * gd * gd);
      store<f32>(a + o, mi);
      store<f32>(b + o, vi);
      store<f32>(params + o, flushTo32(<f64>w - stepSize * <f64>mi / (Math.sqrt(<f64>vi) / c2 + eps)));
    } else if (opt == OPT_MOMENTUM) {
      const v = flushTo32(mu * <f64>load<f32>(a + o) + gd);
      store<f32>(a + o, v);
      store<f32>(params + o, flushTo32(<f64>w - lr * <f64>v));
    } else {
      store<f32>(params + o, flushTo32(<f64>w - lr * gd));
    }
    store<f32>(grads + o, 0);
  }
  return l2;
}
