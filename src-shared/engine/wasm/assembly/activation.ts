// The squashing functions of the architecture switch `activation` (engine/arch.ts), four lanes at
// a time, and their derivatives taken from the OUTPUT y (engine/reference/activation.ts is the
// reference):
//
//   ACT_RELU     max(0, x)                  relu'    = [y > 0]
//   ACT_TANH     A·tanh(S·x), A = 1.7159,   tanh'    = (S/A)·(A² − y²)
//                S = 2/3
//   ACT_SIGMOID  1 / (1 + e^−x)             sigmoid' = y·(1 − y)
//
// WebAssembly has no exp or tanh instruction, and a scalar Math call per element would cost more
// than the convolution that produced it, so exp is Cephes' expf in SIMD (range reduction by a
// power of two, degree-5 polynomial, ≈1 ulp on [−87.3, 88.4], inputs clamped to that range) and
// tanh a rational approximation (tanh4). Results differ from the reference's Math.tanh and
// Math.exp by a few float32 ulps (tests/engine/wasm-arch.test.ts). NaN propagates; outputs are
// flushed to zero below FLT_MIN (ftz.ts). The loops are written once per activation, so the
// choice is made once per call, not per vector.

import { flush4, reluFlush4 } from './ftz';

export const ACT_RELU: i32 = 0, ACT_TANH: i32 = 1, ACT_SIGMOID: i32 = 2;

const TANH_A: f32 = 1.7159;
const TANH_S: f32 = <f32>(2.0 / 3.0);

/** e^x per lane (Cephes expf). */
@inline export function exp4(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  // n = round(x / ln 2); r = x − n·ln 2 in two parts (C1 + C2 = ln 2, C1 exact in few bits).
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1));
  // 2^n through the exponent bits (n ∈ [−126, 127] after the clamp).
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/**
 * A·tanh(S·x) per lane: tanh(t) = t·P(t²)/Q(t²) on t clamped to ±7.905 (where tanh rounds to ±1
 * in float32), the rational approximation of Eigen's ptanh_float (degree 13 over 6; a few ulps,
 * and t·(α₁/β₀) near 0, so small inputs keep their relative precision). One division and eleven
 * multiply-adds per four lanes: the conv layers of LeCun's network squash every output.
 */
@inline export function tanh4(x: v128): v128 {
  const t = f32x4.max(f32x4.min(f32x4.mul(x, f32x4.splat(TANH_S)), f32x4.splat(7.90531110763549805)), f32x4.splat(-7.90531110763549805));
  const z = f32x4.mul(t, t);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(5.12229709037114e-08));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.48572235717979e-05));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(6.37261928875436e-04));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(4.89352455891786e-03));
  let q = f32x4.splat(1.19825839466702e-06);
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(1.18534705686654e-04));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(2.26843463243900e-03));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(4.89352518554385e-03));
  // NaN: the clamp (min/max) keeps it, and NaN · … / … stays NaN.
  return f32x4.mul(f32x4.div(f32x4.mul(t, p), q), f32x4.splat(TANH_A));
}

/** 1 / (1 + e^−x) per lane. */
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(x))));
}

/** The activation of v, flushed. */
@inline export function act4(v: v128, act: i32): v128 {
  if (act == ACT_TANH) return flush4(tanh4(v));
  if (act == ACT_SIGMOID) return flush4(sigmoid4(v));
  return reluFlush4(v);
}

/** g · act'(·) from the output y, flushed. */
@inline export function actGrad4(g: v128, y: v128, act: i32): v128 {
  if (act == ACT_TANH) {
    const d = f32x4.mul(f32x4.sub(f32x4.splat(TANH_A * TANH_A), f32x4.mul(y, y)), f32x4.splat(TANH_S / TANH_A));
    return flush4(f32x4.mul(g, d));
  }
  if (act == ACT_SIGMOID) return flush4(f32x4.mul(g, f32x4.mul(y, f32x4.sub(f32x4.splat(1), y))));
  return v128.and(flush4(g), f32x4.gt(y, f32x4.splat(0)));
}

/** dst[0..n) ← act(src[0..n)) (dst may be src). The tail goes through a one-lane vector. */
export function activate(dst: usize, src: usize, n: i32, act: i32): void {
  if (act == ACT_TANH) activateWith(dst, src, n, ACT_TANH);
  else if (act == ACT_SIGMOID) activateWith(dst, src, n, ACT_SIGMOID);
  else activateWith(dst, src, n, ACT_RELU);
}

/** p[0..n) ← act(p[0..n)). */
export function activateInPlace(p: usize, n: i32, act: i32): void {
  activate(p, p, n, act);
}

@inline function activateWith(dst: usize, src: usize, n: i32, act: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, act4(v128.load(src + o), act));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, f32x4.extract_lane(act4(f32x4.splat(load<f32>(src + o)), act), 0));
  }
}

/** dst[0..n) ← g[0..n) · act'(y[0..n)), flushed (dst may be g). */
export function activationGrad(dst: usize, g: usize, y: usize, n: i32, act: i32): void {
  if (act == ACT_TANH) gradWith(dst, g, y, n, ACT_TANH);
  else if (act == ACT_SIGMOID) gradWith(dst, g, y, n, ACT_SIGMOID);
  else gradWith(dst, g, y, n, ACT_RELU);
}

@inline function gradWith(dst: usize, g: usize, y: usize, n: i32, act: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, actGrad4(v128.load(g + o), v128.load(y + o), act));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, f32x4.extract_lane(actGrad4(f32x4.splat(load<f32>(g + o)), f32x4.splat(load<f32>(y + o)), act), 0));
  }
}
