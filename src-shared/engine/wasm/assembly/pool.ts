// 2×2 pooling, stride 2, one image (C, H, W) → (C, H/2, W/2): max-pooling fused with ReLU (the
// report's model), max-pooling alone (before a tanh or sigmoid: engine/arch.ts), and average
// pooling with LeCun's subsampling (file end).
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

import { flush, flush4, reluFlush4, FLT_MIN } from './ftz';
import { act4, actGrad4, ACT_RELU, ACT_TANH, ACT_SIGMOID } from './activation';

/** Lanes where v takes over from best: v > best, or v is the first NaN (NaN propagates, as in the reference and PyTorch). */
@inline function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

@inline function forwardGroup(out: usize, arg: usize, r0: usize, r1: usize, relu: bool): void {
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
  v128.store(out, relu ? reluFlush4(best) : flush4(best)); // ReLU + flush: best < FLT_MIN ? 0 : best (NaN stays)
  const i16 = i16x8.narrow_i32x4_u(idx, idx);
  v128.store32_lane(arg, i8x16.narrow_i16x8_u(i16, i16), 0);
}

@inline function forwardScalar(out: usize, arg: usize, r0: usize, r1: usize, relu: bool): void {
  let best: u8 = 0;
  let bv = load<f32>(r0);
  const v1 = load<f32>(r0, 4);
  if (v1 > bv || (isNaN(v1) && !isNaN(bv))) { best = 1; bv = v1; }
  const v2 = load<f32>(r1);
  if (v2 > bv || (isNaN(v2) && !isNaN(bv))) { best = 2; bv = v2; }
  const v3 = load<f32>(r1, 4);
  if (v3 > bv || (isNaN(v3) && !isNaN(bv))) { best = 3; bv = v3; }
  store<f32>(out, relu ? (bv < FLT_MIN ? <f32>0 : bv) : flush(bv));
  store<u8>(arg, best);
}

/** ReLU + max-pool of x (C, H, W): out (C, H/2, W/2), arg the winners' positions 0..3. */
export function reluPoolForward(out: usize, arg: usize, x: usize, C: i32, H: i32, W: i32): void {
  poolMax(out, arg, x, C, H, W, true);
}

/** Max-pool alone (no ReLU; flushed), for a tanh or sigmoid applied to the winners after it. */
export function maxPoolForward(out: usize, arg: usize, x: usize, C: i32, H: i32, W: i32): void {
  poolMax(out, arg, x, C, H, W, false);
}

@inline function poolMax(out: usize, arg: usize, x: usize, C: i32, H: i32, W: i32, relu: bool): void {
  const OH = H >> 1, OW = W >> 1;
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      const r0 = x + ((<usize>(c * H + 2 * oy) * W) << 2), r1 = r0 + (<usize>W << 2);
      const o = <usize>((c * OH + oy) * OW);
      if (OW >= 4) {
        let ox = 0;
        for (; ox + 4 <= OW; ox += 4) forwardGroup(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3), relu);
        if (ox < OW) {
          ox = OW - 4;
          forwardGroup(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3), relu);
        }
      } else {
        for (let ox = 0; ox < OW; ox++) forwardScalar(out + ((o + ox) << 2), arg + o + ox, r0 + (<usize>ox << 3), r1 + (<usize>ox << 3), relu);
      }
    }
  }
}

// ---- average pooling and subsampling --------------------------------------------------------
//
//   avgPoolForward         out = (x00 + x01 + x10 + x11) · ¼ (float32, row-major window order)
//   subsampleForward       s = act(k[c] · avg + b[c])   (LeCun's trainable coefficient and bias)
//   subsampleBackward      gpre = ds · act'(s);  dk[c] += Σ gpre · avg;  db[c] += Σ gpre;
//                          gpool = gpre · k[c]
//   avgPoolBackward        gz (C, H, W) = ¼ · gpool at the window · act'(y): the gradient of the
//                          conv outputs, dense (every position of a window gets a share)

/** out (C, H/2, W/2) = the mean of each 2×2 window of x (C, H, W), flushed. W/2 ≥ 4. */
export function avgPoolForward(out: usize, x: usize, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const q = f32x4.splat(0.25);
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      const r0 = x + ((<usize>(c * H + 2 * oy) * W) << 2), r1 = r0 + (<usize>W << 2);
      const o = out + (<usize>((c * OH + oy) * OW) << 2);
      let ox = 0;
      while (ox < OW) {
        if (ox + 4 > OW) ox = OW - 4; // the last group overlaps the previous one (same values)
        const a0 = v128.load(r0 + (<usize>ox << 3)), a1 = v128.load(r0 + (<usize>ox << 3), 16);
        const b0 = v128.load(r1 + (<usize>ox << 3)), b1 = v128.load(r1 + (<usize>ox << 3), 16);
        const s = f32x4.add(f32x4.add(f32x4.add(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7)), v128.shuffle<f32>(b0, b1, 0, 2, 4, 6)), v128.shuffle<f32>(b0, b1, 1, 3, 5, 7));
        v128.store(o + (<usize>ox << 2), flush4(f32x4.mul(s, q)));
        ox += 4;
      }
    }
  }
}

/** s (C, P) = act(k[c] · avg + b[c]). */
export function subsampleForward(s: usize, avg: usize, k: usize, b: usize, C: i32, P: i32, act: i32): void {
  if (act == ACT_TANH) subsampleForwardWith(s, avg, k, b, C, P, ACT_TANH);
  else if (act == ACT_SIGMOID) subsampleForwardWith(s, avg, k, b, C, P, ACT_SIGMOID);
  else subsampleForwardWith(s, avg, k, b, C, P, ACT_RELU);
}

@inline function subsampleForwardWith(s: usize, avg: usize, k: usize, b: usize, C: i32, P: i32, act: i32): void {
  for (let c = 0; c < C; c++) {
    const kc = f32x4.splat(load<f32>(k + (<usize>c << 2))), bc = f32x4.splat(load<f32>(b + (<usize>c << 2)));
    const o = <usize>(c * P) << 2;
    let i = 0;
    for (; i + 4 <= P; i += 4) {
      const at = o + (<usize>i << 2);
      v128.store(s + at, act4(f32x4.add(f32x4.mul(kc, v128.load(avg + at)), bc), act));
    }
    for (; i < P; i++) {
      const at = o + (<usize>i << 2);
      store<f32>(s + at, f32x4.extract_lane(act4(f32x4.add(f32x4.mul(kc, f32x4.splat(load<f32>(avg + at))), bc), act), 0));
    }
  }
}

/** Backward of subsampleForward: ADDS into dk, db (C); OVERWRITES gpool (C, P). */
export function subsampleBackward(gpool: usize, dk: usize, db: usize, ds: usize, s: usize, avg: usize, k: usize, C: i32, P: i32, act: i32): void {
  if (act == ACT_TANH) subsampleBackwardWith(gpool, dk, db, ds, s, avg, k, C, P, ACT_TANH);
  else if (act == ACT_SIGMOID) subsampleBackwardWith(gpool, dk, db, ds, s, avg, k, C, P, ACT_SIGMOID);
  else subsampleBackwardWith(gpool, dk, db, ds, s, avg, k, C, P, ACT_RELU);
}

@inline function subsampleBackwardWith(gpool: usize, dk: usize, db: usize, ds: usize, s: usize, avg: usize, k: usize, C: i32, P: i32, act: i32): void {
  for (let c = 0; c < C; c++) {
    const kc = load<f32>(k + (<usize>c << 2));
    const kv = f32x4.splat(kc);
    let sk = f32x4.splat(0), sb = f32x4.splat(0);
    const o = <usize>(c * P) << 2;
    let i = 0;
    for (; i + 4 <= P; i += 4) {
      const at = o + (<usize>i << 2);
      const g = actGrad4(v128.load(ds + at), v128.load(s + at), act);
      sk = f32x4.add(sk, f32x4.mul(g, v128.load(avg + at)));
      sb = f32x4.add(sb, g);
      v128.store(gpool + at, flush4(f32x4.mul(g, kv)));
    }
    let tk = (f32x4.extract_lane(sk, 0) + f32x4.extract_lane(sk, 1)) + (f32x4.extract_lane(sk, 2) + f32x4.extract_lane(sk, 3));
    let tb = (f32x4.extract_lane(sb, 0) + f32x4.extract_lane(sb, 1)) + (f32x4.extract_lane(sb, 2) + f32x4.extract_lane(sb, 3));
    for (; i < P; i++) {
      const at = o + (<usize>i << 2);
      const g = f32x4.extract_lane(actGrad4(f32x4.splat(load<f32>(ds + at)), f32x4.splat(load<f32>(s + at)), act), 0);
      tk += g * load<f32>(avg + at);
      tb += g;
      store<f32>(gpool + at, flush(g * kc));
    }
    store<f32>(dk + (<usize>c << 2), load<f32>(dk + (<usize>c << 2)) + tk);
    store<f32>(db + (<usize>c << 2), load<f32>(db + (<usize>c << 2)) + tb);
  }
}

/**
 * gz (C, H, W) = ¼ · gpool (C, H/2, W/2) at each position's window · act'(y (C, H, W)), flushed:
 * the conv outputs' gradient through an average pool and the activation before it. W % 4 ∈ {0, 2}.
 */
export function avgPoolBackward(gz: usize, gpool: usize, y: usize, C: i32, H: i32, W: i32, act: i32): void {
  if (act == ACT_TANH) avgPoolBackwardWith(gz, gpool, y, C, H, W, ACT_TANH);
  else if (act == ACT_SIGMOID) avgPoolBackwardWith(gz, gpool, y, C, H, W, ACT_SIGMOID);
  else avgPoolBackwardWith(gz, gpool, y, C, H, W, ACT_RELU);
}

@inline function avgPoolBackwardWith(gz: usize, gpool: usize, y: usize, C: i32, H: i32, W: i32, act: i32): void {
  const PW = W >> 1;
  const q = f32x4.splat(0.25);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < H; r++) {
      const row = <usize>((c * H + r) * W) << 2;
      const prow = gpool + (<usize>((c * (H >> 1) + (r >> 1)) * PW) << 2);
      let x = 0;
      for (; x + 4 <= W; x += 4) {
        // Two pooled gradients, each for two neighbouring columns: lanes (a, a, b, b).
        const two = v128.load64_zero(prow + (<usize>(x >> 1) << 2));
        const g = f32x4.mul(v128.shuffle<f32>(two, two, 0, 0, 1, 1), q);
        v128.store(gz + row + (<usize>x << 2), actGrad4(g, v128.load(y + row + (<usize>x << 2)), act));
      }
      for (; x < W; x++) {
        const g = f32x4.splat(load<f32>(prow + (<usize>(x >> 1) << 2)) * <f32>0.25);
        store<f32>(gz + row + (<usize>x << 2), f32x4.extract_lane(actGrad4(g, f32x4.splat(load<f32>(y + row + (<usize>x << 2))), act), 0));
      }
    }
  }
}
