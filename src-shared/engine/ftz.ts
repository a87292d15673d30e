// Flush-to-zero, the reference rule (the wasm kernels apply the same one: wasm/assembly/ftz.ts).
//
// A value whose magnitude is below the smallest normal float32, FLT_MIN = 2^-126 ≈ 1.18e-38, is
// stored as +0 instead of as a subnormal float. This deliberately departs from IEEE 754's gradual
// underflow: WebAssembly has no flush-to-zero mode, and x86 CPUs take a microcode assist
// (~100 cycles) on every instruction that reads or produces a subnormal, so runs whose weights
// and optimiser moments decay towards zero slowed down 3× (the report preset, from epoch 29) to
// 30× (a run collapsed to tiny weights). Values that small carry nothing a float32 network can
// use; every PyTorch comparison in tests/engine stays within its tolerance.
//
// Where it applies: the optimiser's new parameters and moments (engine/optim.ts), the gradient
// after L2 (engine/regularize.ts), and in the wasm kernels every activation and gradient they
// write. NaN and ±Infinity pass unchanged (a diverged run must still show a NaN loss).

/** 2^-126, the smallest normal float32. */
export const FLT_MIN = 1.1754943508222875e-38;

/**
 * x (computed in float64) as the float32 that gets stored: +0 when |x| < FLT_MIN (checked before
 * rounding, so no subnormal is ever produced), else Math.fround(x).
 */
export function flush32(x: number): number {
  return Math.abs(x) < FLT_MIN ? 0 : Math.fround(x);
}
