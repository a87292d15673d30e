// ReLU fused with 2×2 max pooling, stride 2, one image (C, H, W) → (C, H/2, W/2).
//
// relu then max-pool equals max-pool then relu, and the gradient routing agrees with the
// reference (relu, then pool with the FIRST maximum in row-major window order (0,0), (0,1),
// (1,0), (1,1) winning, then relu's mask x > 0): when the window's maximum is positive the first
// raw maximum is the first relu'd maximum; when it is not, the reference's gradient dies in
// relu's mask and ours dies because the pooled value is 0.
//
//   forward:  out[o] = max of window, 0 if below FLT_MIN (negative, or subnormal: flush-to-zero,
//             ftz.ts); arg[o] = winner's position 0..3 (strict
//             '>'; a NaN wins over numbers and propagates, as in the reference)
//   backward: poolconv.ts, fused with the conv's backward (only winners carry gradient, and
//             only where out[o] > 0)
//
// Four windows side by side at a time: the even and odd columns of two input rows are split
// with shuffles, so each f32x4 holds one window position of four windows. A row whose output
// width is not a multiple of 4 ends with a group that overlaps the previous one (the overlapped
// windows are computed twice, identically). Output widths below 4 use the scalar loop.

import { reluFlush4, FLT_MIN } from './ftz';

/** Lanes where v takes over from best: v > best, or v is the first NaN (NaN propagates, as in the reference and PyTorch). */
@inline function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

@inline function forwardGroup(out: usize, arg: usize, r0: usize, r1: usize): void {
  const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
  const v0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6); // (0,0) of windows 0..3
  const v1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7); // (0,1)
  const v2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6); // (1,0)
  const v3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7); // (1,1)
  let best = v0;
  let idx = i32x4.splat(0);
  let m = wins(v1, best);
  best = v128.bitselect(v1, best, m); idx = v128.bitselect(i32x4.splat(1), idx, m);
  m = wins(v2, best);
  best = v128.bitselect(v2, best, m); idx = v128.bitselect(i32x4.splat(2), idx, m);
  m = wins(v3, best);
  best = v128.bitselect(v3, best, m); idx = v128.bitselect(i32x4.splat(3), idx, m);
  v128.store(out, reluFlush4(best)); // ReLU + flush: best < FLT_MIN ? 0 : best (NaN stays)
  const i16 = i16x8.narrow_i32x4_u(idx, idx);
  v128.store32_lane(arg, i8x16.narrow_i16x8_u(i16, i16), 0);
}

@inline function forwardScalar(out: usize, arg: usize, r0: usize, r1: usize): void {
  let best: u8 = 0;
  let bv = load<f32>(r0);
  const v1 = load<f32>(r0, 4);
  if (v1 > bv || (isNaN(v1) && !isNaN(bv))) { best = 1; bv = v1; }
  const v2 = load<f32>(r1);
  if (v2 > bv || (isNaN(v2) && !isNaN(bv))) { best = 2; bv = v2; }
  const v3 = load<f32>(r1, 4);
  if (v3 > bv || (isNaN(v3) && !isNaN(bv))) { best = 3; bv = v3; }
  store<f32>(out, bv < FLT_MIN ? <f32>0 : bv);
  store<u8>(arg, best);
}

export function reluPoolForward(out: usize, arg: usize, x: usize, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      const r0 = x + ((<usize>(c * H + 2 * oy) * W) << 2), r1 = r0 + (<usize>W << 2);
      const o = <usize>((c * OH + oy) * OW);
      if (OW >= 4) {
        let ox = 0;
        for (; ox + 4 <= OW; ox += 4) forwardGroup(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3));
        if (ox < OW) {
          ox = OW - 4;
          forwardGroup(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3));
        }
      } else {
        for (let ox = 0; ox < OW; ox++) forwardScalar(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3));
      }
    }
  }
}
