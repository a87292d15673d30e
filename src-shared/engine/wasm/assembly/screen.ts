// Flush-to-zero inside the forward GEMMs, done once per call instead of once per product.
//
// A layer's output sums products w·x. When every product of a weight w with the inputs it meets
// in this batch is below FLT_MIN (|w| · max|x| < FLT_MIN), each is a subnormal (a ~100-cycle
// microcode assist on x86 per instruction) that flush-to-zero hardware would replace by 0. A
// network collapsed to tiny weights (≈1e-35, the report preset at batch 50) computes almost
// nothing else: C3's forward ran 20× slower. So before the GEMM such weights are replaced by 0 in
// a copy of the weight matrix: exactly the products FTZ would flush, and nothing else (a weight
// whose products are only partly subnormal is kept as it is). Healthy weights pass a quick check
// (the smallest non-zero |w| times the smallest non-zero input maximum) and the copy is skipped.
//
//   screenConv    w (F, C, KK), inputs x (n, C, HW): the maximum is per input channel
//   screenAffine  w (OUT, IN), inputs x (n, IN): the maximum is per input column

import { FLT_MIN } from './ftz';

/** max |v| over n floats at p (0 for none; NaN is ignored, as the products with it are NaN anyway). */
@inline function absMax(p: usize, n: i32): f32 {
  let m = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.pmax(m, f32x4.abs(v128.load(p + (<usize>i << 2))));
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; i < n; i++) {
    const v = abs<f32>(load<f32>(p + (<usize>i << 2)));
    if (v > r) r = v;
  }
  return r;
}

/** The smallest non-zero |w| over n floats at p (+Infinity if all are 0). */
function minNonZero(p: usize, n: i32): f32 {
  const inf = f32x4.splat(Infinity), zero = f32x4.splat(0);
  let m = inf;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = f32x4.abs(v128.load(p + (<usize>i << 2)));
    m = f32x4.pmin(m, v128.bitselect(inf, v, f32x4.eq(v, zero)));
  }
  let r = min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; i < n; i++) {
    const v = abs<f32>(load<f32>(p + (<usize>i << 2)));
    if (v != 0 && v < r) r = v;
  }
  return r;
}

/**
 * The weights a conv layer should use for this batch: w itself, or `out` (same shape, F × C × KK)
 * with the weights whose every product would flush set to 0. maxes: C floats of scratch.
 */
export function screenConv(out: usize, w: usize, F: i32, C: i32, KK: i32, x: usize, n: i32, HW: i32, maxes: usize): usize {
  let smallest: f32 = Infinity;
  for (let c = 0; c < C; c++) {
    let m: f32 = 0;
    for (let i = 0; i < n; i++) m = max(m, absMax(x + (<usize>((i * C + c) * HW) << 2), HW));
    store<f32>(maxes + (<usize>c << 2), m);
    if (m != 0 && m < smallest) smallest = m;
  }
  if (minNonZero(w, F * C * KK) * smallest >= FLT_MIN) return w;
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < C; c++) {
      const m = load<f32>(maxes + (<usize>c << 2));
      const o = <usize>((f * C + c) * KK) << 2;
      for (let k = 0; k < KK; k++) {
        const v = load<f32>(w + o + (<usize>k << 2));
        store<f32>(out + o + (<usize>k << 2), abs<f32>(v) * m < FLT_MIN ? <f32>0 : v);
      }
    }
  }
  return out;
}

/**
 * The weights an affine layer should use for this batch: w itself, or `out` (OUT × IN) with the
 * weights whose every product would flush set to 0. maxes: IN floats of scratch.
 */
export function screenAffine(out: usize, w: usize, OUT: i32, IN: i32, x: usize, n: i32, maxes: usize): usize {
  memory.fill(maxes, 0, <usize>IN << 2);
  for (let i = 0; i < n; i++) {
    const row = x + (<usize>(i * IN) << 2);
    let k = 0;
    for (; k + 4 <= IN; k += 4) {
      const q = maxes + (<usize>k << 2);
      v128.store(q, f32x4.pmax(v128.load(q), f32x4.abs(v128.load(row + (<usize>k << 2)))));
    }
    for (; k < IN; k++) {
      const q = maxes + (<usize>k << 2);
      store<f32>(q, max(load<f32>(q), abs<f32>(load<f32>(row + (<usize>k << 2)))));
    }
  }
  if (minNonZero(w, OUT * IN) * minNonZero(maxes, IN) >= FLT_MIN) return w;
  for (let o = 0; o < OUT; o++) {
    const r = <usize>(o * IN) << 2;
    for (let k = 0; k < IN; k++) {
      const v = load<f32>(w + r + (<usize>k << 2));
      store<f32>(out + r + (<usize>k << 2), abs<f32>(v) * load<f32>(maxes + (<usize>k << 2)) < FLT_MIN ? <f32>0 : v);
    }
  }
  return out;
}

/**
 * For a layer whose weights are all tiny (max |w| < 2^-20, a collapsed network): a power of two
 * S such that S·max|w| is in [1, 2), or less where S·max|b| would reach 2^100 (no overflow), else 1. The
 * caller computes with S·w and S·b and multiplies the outputs by 1/S. Scaling by a power of two
 * is exact in the normal range, so the outputs are the same bits as without it, except where a
 * product w·x would have been subnormal: C1's inputs are data (centred pixels reach 1e-3 and
 * below), so with weights ≈1e-36 many of its products were, and they now stay normal. Writes
 * S·w (count floats) to wOut and S·b (F floats) to bOut when S > 1.
 */
export function scaleUp(wOut: usize, w: usize, count: i32, bOut: usize, b: usize, F: i32): f32 {
  let wm: f32 = 0, bm: f32 = 0;
  for (let i = 0; i < count; i++) wm = max(wm, abs<f32>(load<f32>(w + (<usize>i << 2))));
  for (let f = 0; f < F; f++) bm = max(bm, abs<f32>(load<f32>(b + (<usize>f << 2))));
  if (!(wm > 0 && wm < <f32>9.5367431640625e-7)) return 1; // 2^-20; NaN fails the test
  let k = 127 - <i32>((reinterpret<u32>(wm) >> 23) & 0xff); // S·wm ∈ [1, 2)
  if (bm > 0 && bm < Infinity) k = min(k, 100 - (<i32>((reinterpret<u32>(bm) >> 23) & 0xff) - 127) - 1);
  if (k <= 0) return 1;
  const S = reinterpret<f32>(<u32>(127 + k) << 23);
  for (let i = 0; i < count; i++) store<f32>(wOut + (<usize>i << 2), load<f32>(w + (<usize>i << 2)) * S);
  for (let f = 0; f < F; f++) store<f32>(bOut + (<usize>f << 2), load<f32>(b + (<usize>f << 2)) * S);
  return S;
}
