// Flush-to-zero: values whose magnitude is below the smallest normal float32 (FLT_MIN = 2^-126 ≈
// 1.18e-38) become +0 where the kernels write them. This is a deliberate departure from IEEE
// gradual underflow. WebAssembly has no FTZ/DAZ mode, and on x86 every arithmetic instruction
// that reads or produces a subnormal takes a microcode assist (~100 cycles): runs whose weights
// decay towards zero (L2 under Adam) or collapse to tiny values slowed down 3–30× (docs/results.md,
// docs/performance.md). Values that small carry no information a float32 network can use: the
// results stay within the PyTorch tolerances of tests/engine. The TypeScript reference of the same
// rule is engine/ftz.ts (flush32); NaN and ±Infinity pass through unchanged (a diverged run must
// still show a NaN loss).

/** 2^-126, the smallest normal float32. */
export const FLT_MIN: f32 = 1.1754943508222875e-38;
/** The same threshold for values computed in float64 before they are stored as float32. */
export const FLT_MIN_64: f64 = 1.1754943508222875e-38;

/** v with every lane of magnitude < FLT_MIN replaced by +0 (NaN compares false: it stays). */
@inline export function flush4(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(FLT_MIN)));
}

/** ReLU and flush in one: lanes below FLT_MIN (negative, ±0 or subnormal) become +0; NaN stays. */
@inline export function reluFlush4(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(v, f32x4.splat(FLT_MIN)));
}

/** Scalar flush of a float32. */
@inline export function flush(x: f32): f32 {
  return abs<f32>(x) < FLT_MIN ? <f32>0 : x;
}

/**
 * A float64 result stored as float32, flushed BEFORE the conversion (so no subnormal is ever
 * produced, not even by the conversion): |x| < FLT_MIN → +0, else the nearest float32.
 */
@inline export function flushTo32(x: f64): f32 {
  return abs<f64>(x) < FLT_MIN_64 ? <f32>0 : <f32>x;
}

/** Flushes n floats in place (a final pass over a gradient buffer). */
export function flushBuffer(p: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, flush4(v128.load(q)));
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, flush(load<f32>(q)));
  }
}
