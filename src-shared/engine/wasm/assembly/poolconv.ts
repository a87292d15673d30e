// Backward of conv → ReLU → 2×2 max-pool, one image, exploiting that only each window's winner
// carries a gradient: at most a quarter of the conv outputs have a non-zero gradient (none where
// the pooled value is ≤ 0 or NaN), so instead of dense GEMMs over all OH·OW positions, each
// (filter f, pooled output o) with gradient g ≠ 0 adds one row:
//
//   dW[f, :]        += g · colT[pos, :]        (colT (OH·OW, C·25): the input patch at pos)
//   dcolT[pos, :]   += g · W[f, :]             (then col2imT scatters dcolT into dx)
//   db[f]           += g
//
// where pos is the winner's position in the conv output. Same sums as the dense form, in a
// different order; the reference (engine/reference) checks it. K = 5 throughout.
//
// The ReLU kernels (poolConvBackward, poolConvWeightGrad25) take the pooled gradient and mask it
// where the pooled value is ≤ 0; the winner kernels (winnerConvBackward, winnerWeightGrad25) take
// g already through the activation (max-pool before a tanh or sigmoid: g = ds · act'(s)).
// (With average pooling every position carries gradient: assembly/stages.ts uses GEMMs there.)

/** dst[0..n) += g · src[0..n). */
@inline function axpy(dst: usize, src: usize, g: f32, n: i32): void {
  const gv = f32x4.splat(g);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(gv, v128.load(src + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + g * load<f32>(src + o));
  }
}

/**
 * colT (OH·OW, C·25) from x (C, H, W), 5×5 patches: row p = y·OW + x holds x[c, y+ky, x+kx] at
 * column c·25 + ky·5 + kx. Each 5-float run is copied as two overlapping 4-float vectors.
 */
export function im2colT5(colT: usize, x: usize, C: i32, H: i32, W: i32): void {
  const OH = H - 4, OW = W - 4;
  let d = colT;
  for (let y = 0; y < OH; y++) {
    for (let xx = 0; xx < OW; xx++) {
      for (let c = 0; c < C; c++) {
        let s = x + ((<usize>(c * H + y) * W + xx) << 2);
        for (let ky = 0; ky < 5; ky++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 4), 4);
          d += 20;
          s += <usize>W << 2;
        }
      }
    }
  }
}

/** dx (C, H, W) += col2imT(dcolT (OH·OW, C·25)): the adjoint of im2colT5. */
export function col2imT5(dx: usize, dcolT: usize, C: i32, H: i32, W: i32): void {
  const OH = H - 4, OW = W - 4;
  let s = dcolT;
  for (let y = 0; y < OH; y++) {
    for (let xx = 0; xx < OW; xx++) {
      for (let c = 0; c < C; c++) {
        let d = dx + ((<usize>(c * H + y) * W + xx) << 2);
        for (let ky = 0; ky < 5; ky++) {
          v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
          store<f32>(d, load<f32>(d, 16) + load<f32>(s, 16), 16);
          s += 20;
          d += <usize>W << 2;
        }
      }
    }
  }
}

/**
 * Gradients of conv (F filters, C·25 weights each) → ReLU → max-pool for one image, from the
 * pooled gradient dout (F, OH/2, OW/2), the pooled values out and winners arg (forward's), and
 * colT = im2colT5 of the conv input. ADDS into dw (F, C·25) and db (F). If dcolT is not 0 it must
 * hold zeros on entry and receives the input-patch gradients (scatter with col2imT5).
 */
export function poolConvBackward(dw: usize, db: usize, dcolT: usize, w: usize, colT: usize, dout: usize, out: usize, arg: usize, F: i32, C: i32, OH: i32, OW: i32): void {
  winnerBackward(dw, db, dcolT, w, colT, dout, out, arg, F, C, OH, OW, true);
}

/** poolConvBackward with g = dout as it is (no ReLU mask; `out` is not read). */
export function winnerConvBackward(dw: usize, db: usize, dcolT: usize, w: usize, colT: usize, dout: usize, arg: usize, F: i32, C: i32, OH: i32, OW: i32): void {
  winnerBackward(dw, db, dcolT, w, colT, dout, 0, arg, F, C, OH, OW, false);
}

@inline function winnerBackward(dw: usize, db: usize, dcolT: usize, w: usize, colT: usize, dout: usize, out: usize, arg: usize, F: i32, C: i32, OH: i32, OW: i32, masked: bool): void {
  const PH = OH >> 1, PW = OW >> 1, R = C * 25;
  const rowB = <usize>R << 2;
  let o: usize = 0;
  for (let f = 0; f < F; f++) {
    const dwf = dw + <usize>f * rowB, wf = w + <usize>f * rowB;
    let bsum: f32 = 0;
    for (let py = 0; py < PH; py++) {
      for (let px = 0; px < PW; px++) {
        const g = masked ? (load<f32>(out + (o << 2)) > 0 ? load<f32>(dout + (o << 2)) : <f32>0) : load<f32>(dout + (o << 2));
        if (g != 0) {
          const a = <i32>load<u8>(arg + o);
          const pos = <usize>((2 * py + (a >> 1)) * OW + 2 * px + (a & 1));
          bsum += g;
          axpy(dwf, colT + pos * rowB, g, R);
          if (dcolT != 0) axpy(dcolT + pos * rowB, wf, g, R);
        }
        o++;
      }
    }
    const pb = db + (<usize>f << 2);
    store<f32>(pb, load<f32>(pb) + bsum);
  }
}

/**
 * poolConvBackward for a single input channel (C = 1, 25 weights per filter) without an input
 * gradient (the first layer): each filter's 25 weight gradients stay in registers across all its
 * winners (per kernel row ky an f32x4 for kx 0–3 and a scalar for kx 4) instead of going through
 * memory per winner, and each winner's patch is read straight from the image x (row stride W
 * floats): no im2col (colT) is built, which cost 0.56 ms of a batch of 200. Per weight the same
 * operations in the same order as through colT (0, then + g·x per winner in order, then added to
 * dw), so the same bits.
 */
export function poolConvWeightGrad25(dw: usize, db: usize, x: usize, W: i32, dout: usize, out: usize, arg: usize, F: i32, OH: i32, OW: i32): void {
  winnerGrad25(dw, db, x, W, dout, out, arg, F, OH, OW, true);
}

/** poolConvWeightGrad25 with g = dout as it is (no ReLU mask; `out` is not read). */
export function winnerWeightGrad25(dw: usize, db: usize, x: usize, W: i32, dout: usize, arg: usize, F: i32, OH: i32, OW: i32): void {
  winnerGrad25(dw, db, x, W, dout, 0, arg, F, OH, OW, false);
}

/** dst[0..4) += v; dst[4] += t (one kernel row of a filter's weight gradient). */
@inline function addRow(dst: usize, v: v128, t: f32): void {
  v128.store(dst, f32x4.add(v128.load(dst), v));
  store<f32>(dst, load<f32>(dst, 16) + t, 16);
}

@inline function winnerGrad25(dw: usize, db: usize, x: usize, W: i32, dout: usize, out: usize, arg: usize, F: i32, OH: i32, OW: i32, masked: bool): void {
  const PH = OH >> 1, PW = OW >> 1;
  const rowB = <usize>W << 2;
  let o: usize = 0;
  for (let f = 0; f < F; f++) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, bsum: f32 = 0;
    for (let py = 0; py < PH; py++) {
      for (let px = 0; px < PW; px++) {
        const g = masked ? (load<f32>(out + (o << 2)) > 0 ? load<f32>(dout + (o << 2)) : <f32>0) : load<f32>(dout + (o << 2));
        if (g != 0) {
          const a = <i32>load<u8>(arg + o);
          let p = x + <usize>((2 * py + (a >> 1)) * W + 2 * px + (a & 1)) * 4;
          const gv = f32x4.splat(g);
          a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(p))); t0 += g * load<f32>(p, 16); p += rowB;
          a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(p))); t1 += g * load<f32>(p, 16); p += rowB;
          a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(p))); t2 += g * load<f32>(p, 16); p += rowB;
          a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(p))); t3 += g * load<f32>(p, 16); p += rowB;
          a4 = f32x4.add(a4, f32x4.mul(gv, v128.load(p))); t4 += g * load<f32>(p, 16);
          bsum += g;
        }
        o++;
      }
    }
    const d = dw + <usize>f * 100;
    addRow(d, a0, t0);
    addRow(d + 20, a1, t1);
    addRow(d + 40, a2, t2);
    addRow(d + 60, a3, t3);
    addRow(d + 80, a4, t4);
    const pb = db + (<usize>f << 2);
    store<f32>(pb, load<f32>(pb) + bsum);
  }
}

