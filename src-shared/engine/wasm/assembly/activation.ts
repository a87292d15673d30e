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
// tanh uses Cephes' odd polynomial below |S·x| = 0.625 — where (1 − e)/(1 + e) would cancel — and
// (1 − e)/(1 + e) with e = exp(−2|S·x|) above. Results differ from the reference's Math.tanh and
// Math.exp by a few float32 ulps (tests/engine/wasm-arch.test.ts). NaN propagates; outputs are
// flushed to zero below FLT_MIN (ftz.ts).

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

/** A·tanh(S·x) per lane. */
@inline export function tanh4(x: v128): v128 {
  const t = f32x4.mul(x, f32x4.splat(TANH_S));
  const a = f32x4.abs(t);
  // Small |t|: t + t·z·P(z), z = t² (Cephes tanhf).
  const z = f32x4.mul(t, t);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(t, f32x4.mul(f32x4.mul(t, z), p));
  // Large |t|: sign(t)·(1 − e)/(1 + e), e = e^(−2|t|) ∈ (0, 0.29]: no cancellation.
  const e = exp4(f32x4.mul(a, f32x4.splat(-2)));
  const mag = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e));
  const signBit = v128.and(t, i32x4.splat(<i32>0x80000000));
  const large = v128.or(mag, signBit);
  return f32x4.mul(v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(0.625))), f32x4.splat(TANH_A));
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

/** p[0..n) ← act(p[0..n)). The tail (n not a multiple of 4) goes through a zero-padded vector. */
export function activateInPlace(p: usize, n: i32, act: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, act4(v128.load(q), act));
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, f32x4.extract_lane(act4(f32x4.splat(load<f32>(q)), act), 0));
  }
}

/** dst[0..n) ← g[0..n) · act'(y[0..n)), flushed (dst may be g). */
export function activationGrad(dst: usize, g: usize, y: usize, n: i32, act: i32): void {
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
