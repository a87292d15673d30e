// The network's forward and backward stages over the batch in memory (buffers.ts), layer by
// layer, and the whole training step and prediction that run them in order (index.ts's file
// comment: the model, the variants, and why the conv layers run image by image). The stages only
// read the layout (layout.ts) and the buffers' pointers; backward ADDS into the gradients (or,
// for a shard, the affine layers overwrite theirs: buffers.ts bindShardGrads).

import { C1B, C1W, C1_SIZE, C3B, C3W, C3_SIZE, C5B, C5W, COL2_SIZE, F6B, F6W, LECUN_FILTERS, OB, OW, POOL_AVERAGE, POOL_MAX, POOL_SUBSAMPLING, PROTO_BYTES, RBF_J, S2B, S2K, S2_SIZE, S4B, S4K, S4_SIZE, X_SIZE, act, lecun, paramCount, pooling, rbf, reluMax } from './layout';
import { affScratch, archData, arg2, arg4, c1, c3, col1, col2, dcol2, dh5, dh6, dlogits, ds2, ds4, gConv, gPool, grads, h5, h6, inMax, labels, lecunDW, lecunG, lecunOut, lecunRows, lecunW, logits, m2, m4, overwriteGrads, params, probs, rbfQ, s2, s4, wScreen, xs, y1, y3 } from './buffers';
import { ACT_RELU, activateInPlace, activationGrad } from './activation';
import { DX_PLAIN, affineBackwardAct, affineForward } from './affine';
import { avgPoolBackward, avgPoolForward, maxPoolForward, reluPoolForward, subsampleBackward, subsampleForward } from './pool';
import { col2imT5, im2colT5, poolConvBackward, poolConvWeightGrad25, winnerConvBackward, winnerWeightGrad25 } from './poolconv';
import { conv1Direct, fillBias, im2col } from './conv';
import { flush4, flushBuffer } from './ftz';
import { gemmNN, gemmNT } from './gemm';
import { rbfBackward, rbfForward, rbfLoss, rbfLossBackward } from './rbf';
import { scaleUp, screenAffine, screenConv } from './screen';
import { softmaxBackward, softmaxForward } from './softmax';

// ---- LeCun's C3 table -----------------------------------------------------------------------

/**
 * For each S2 map c: the C3 maps it feeds (lecunRows, from the mask in archData) and their 5×5
 * kernels for map c out of w (16, 6, 25) into lecunW (c, j, 25). Returns false if the mask does
 * not give every map LECUN_FILTERS filters (the caller then computes the full C3).
 */
export function lecunGather(w: usize): bool {
  const mask = archData + PROTO_BYTES;
  for (let c = 0; c < 6; c++) {
    let j = 0;
    for (let f = 0; f < 16; f++) {
      if (load<u8>(mask + <usize>(f * 6 + c)) == 0) continue;
      if (j == LECUN_FILTERS) return false;
      store<i32>(lecunRows + (<usize>(c * 16 + j) << 2), f);
      memory.copy(lecunW + (<usize>((c * LECUN_FILTERS + j) * 25) << 2), w + (<usize>((f * 6 + c) * 25) << 2), 100);
      j++;
    }
    if (j != LECUN_FILTERS) return false;
  }
  return true;
}

@inline export function lecunRow(c: i32, j: i32): i32 { return load<i32>(lecunRows + (<usize>(c * 16 + j) << 2)); }

/** dst[0..n) += src[0..n) (n % 4 == 0). */
@inline export function addInto(dst: usize, src: usize, n: i32): void {
  for (let q = 0; q < n; q += 4) {
    const o = <usize>q << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
}


@inline export function P(off: usize): usize { return params + (off << 2); }
@inline export function G(off: usize): usize { return grads + (off << 2); }

// ---- forward stages -------------------------------------------------------------------------

/**
 * The pooling block after a conv layer, one image: conv outputs c (C, H, H) → the block's output
 * s (C, H/2, H/2) (file comment: the report's ReLU + max-pool, or a variant). For average
 * pooling and subsampling c is the image's slot of y1/y3, squashed here in place and kept for
 * the backward pass; m: the window means (subsampling), k, b: subsampling's parameters.
 */
export function blockForward(s: usize, arg: usize, c: usize, m: usize, k: usize, b: usize, C: i32, H: i32): void {
  const size = C * H * H, P = (H * H) >> 2;
  if (reluMax) {
    reluPoolForward(s, arg, c, C, H, H);
  } else if (pooling == POOL_MAX) {
    maxPoolForward(s, arg, c, C, H, H);
    activateInPlace(s, C * P, act);
  } else {
    activateInPlace(c, size, act);
    if (pooling == POOL_AVERAGE) {
      avgPoolForward(s, c, C, H, H);
    } else {
      avgPoolForward(m, c, C, H, H);
      subsampleForward(s, m, k, b, C, P, act);
    }
  }
}

/** C1 + activation + S2: x (n, 1, 32, 32) → s2 (n, 6, 14, 14). */
export function c1Forward(n: i32): void {
  // Tiny weights (a collapsed network): compute with S·w, S·b and scale back (screen.ts scaleUp),
  // which keeps the products normal; else drop the weights whose products would all flush.
  let w = P(C1W), b = P(C1B);
  const S = scaleUp(wScreen, w, 150, wScreen + 1024, b, 6);
  if (S != 1) {
    w = wScreen;
    b = wScreen + 1024;
  } else {
    w = screenConv(wScreen, w, 6, 1, 25, xs, n, X_SIZE, inMax);
  }
  const inv = f32x4.splat(<f32>1 / S);
  const dense = pooling != POOL_MAX;
  for (let i = 0; i < n; i++) {
    // Average pooling and subsampling keep the conv outputs (squashed): compute them in place there.
    const c = dense ? y1 + <usize>i * C1_SIZE * 4 : c1;
    fillBias(c, b, 6, 784);
    conv1Direct(c, w, xs + <usize>i * X_SIZE * 4, 6);
    if (S != 1) for (let j: usize = 0; j < <usize>C1_SIZE * 4; j += 16) v128.store(c + j, f32x4.mul(v128.load(c + j), inv));
    const at = <usize>i * S2_SIZE;
    blockForward(s2 + at * 4, arg2 + at, c, m2 + at * 4, P(S2K), P(S2B), 6, 28);
  }
}

/** C3 + activation + S4: s2 (n, 6, 14, 14) → s4 (n, 16, 5, 5). */
export function c3Forward(n: i32): void {
  const w = screenConv(wScreen, P(C3W), 16, 6, 25, s2, n, 196, inMax);
  const dense = pooling != POOL_MAX;
  // LeCun's table: 60 of the 96 (filter, map) kernels, so per S2 map a GEMM over its 10 filters
  // (37.5% fewer products than the full C3, whose other kernels are zeros anyway).
  const sparse = lecun && lecunGather(w);
  for (let i = 0; i < n; i++) {
    const c = dense ? y3 + <usize>i * C3_SIZE * 4 : c3;
    fillBias(c, P(C3B), 16, 100);
    im2col(col2, s2 + <usize>i * S2_SIZE * 4, 6, 14, 14, 5);
    if (sparse) {
      for (let ch = 0; ch < 6; ch++) {
        gemmNN(LECUN_FILTERS, 100, 25, lecunW + (<usize>(ch * LECUN_FILTERS * 25) << 2), 25, 1, col2 + (<usize>(ch * 25 * 100) << 2), 100, lecunOut, 100, false);
        for (let j = 0; j < LECUN_FILTERS; j++) addInto(c + (<usize>(lecunRow(ch, j) * 100) << 2), lecunOut + (<usize>(j * 100) << 2), 100);
      }
    } else {
      gemmNN(16, 100, 150, w, 150, 1, col2, 100, c, 100, true);
    }
    const at = <usize>i * S4_SIZE;
    blockForward(s4 + at * 4, arg4 + at, c, m4 + at * 4, P(S4K), P(S4B), 16, 10);
  }
}

/** An affine layer followed by the activation (ReLU fused, as the report's model does). */
export function affineAct(y: usize, x: usize, w: usize, b: usize, n: i32, IN: i32, OUT: i32): void {
  affineForward(y, x, w, b, n, IN, OUT, act == ACT_RELU);
  if (act != ACT_RELU) activateInPlace(y, n * OUT, act);
}

/** C5 + activation: s4 (n, 400) → h5 (n, 120). */
export function c5Forward(n: i32): void { affineAct(h5, s4, screenAffine(wScreen, P(C5W), 120, 400, s4, n, inMax), P(C5B), n, 400, 120); }
/** F6 + activation: h5 (n, 120) → h6 (n, 84). */
export function f6Forward(n: i32): void { affineAct(h6, h5, screenAffine(wScreen, P(F6W), 84, 120, h5, n, inMax), P(F6B), n, 120, 84); }
/** out: h6 (n, 84) → logits (n, 10); with the RBF output, the penalties. */
export function outForward(n: i32): void {
  if (rbf) rbfForward(logits, h6, archData, n);
  else affineForward(logits, h6, screenAffine(wScreen, P(OW), 10, 84, h6, n, inMax), P(OB), n, 84, 10, false);
}
/** The n images' probabilities into probs; with labels, their summed loss (else 0). */
export function lossSum(n: i32, withLabels: bool): f64 {
  return rbf ? rbfLoss(probs, rbfQ, logits, withLabels ? labels : 0, n, RBF_J) : softmaxForward(probs, logits, withLabels ? labels : 0, n, 10);
}
/** Probabilities → probs (n, 10); returns the mean loss against the labels if withLabels. */
export function lossForward(n: i32, withLabels: bool): f64 { return lossSum(n, withLabels) / <f64>n; }

// ---- backward stages (reverse order) --------------------------------------------------------

/** dlogits = d(loss)/d(logits) · inv (softmax: probs − onehot; RBF: onehot − q). */
export function lossGrad(n: i32, inv: f64): void {
  if (rbf) rbfLossBackward(dlogits, rbfQ, labels, n, inv);
  else softmaxBackward(dlogits, probs, labels, n, 10, inv);
}
/** dlogits for the batch's mean loss. */
export function lossBackward(n: i32): void { lossGrad(n, 1.0 / <f64>n); }
/** out: grads out.w, out.b (softmax); dh6 through F6's activation. */
export function outBackward(n: i32): void {
  if (rbf) {
    rbfBackward(dh6, dlogits, h6, archData, n);
    activationGrad(dh6, dh6, h6, n * 84, act);
  } else {
    affineBackwardAct(dh6, G(OW), G(OB), dlogits, h6, P(OW), n, 84, 10, overwriteGrads, affScratch, act);
  }
}
/** F6: grads f6.w, f6.b; dh5 through C5's activation. */
export function f6Backward(n: i32): void { affineBackwardAct(dh5, G(F6W), G(F6B), dh6, h5, P(F6W), n, 120, 84, overwriteGrads, affScratch, act); }
/**
 * C5: grads c5.w, c5.b; ds4. With ReLU masked where s4 = 0 (right for every pooling: a zero
 * output has zero derivative there); otherwise as it is (the S4 block applies its activation).
 */
export function c5Backward(n: i32): void { affineBackwardAct(ds4, G(C5W), G(C5B), dh5, s4, P(C5W), n, 400, 120, overwriteGrads, affScratch, act == ACT_RELU ? ACT_RELU : DX_PLAIN); }

/**
 * The variants' block backward, one image, up to the conv outputs' gradient: from ds (C, H/2,
 * H/2) to gPool (max: ds · act'(s), for the winner kernels) or to gConv (C, H, H) (average,
 * subsampling: dense; subsampling adds its coefficients' and biases' gradients into gk, gb).
 */
export function blockBackward(ds: usize, s: usize, y: usize, m: usize, k: usize, gk: usize, gb: usize, C: i32, H: i32): void {
  const P = (H * H) >> 2;
  if (pooling == POOL_MAX) {
    activationGrad(gPool, ds, s, C * P, act);
    return;
  }
  let g = ds;
  if (pooling == POOL_SUBSAMPLING) {
    subsampleBackward(gPool, gk, gb, ds, s, m, k, C, P, act);
    g = gPool;
  }
  avgPoolBackward(gConv, g, y, C, H, H, act);
}

/**
 * S4 + activation + C3: grads c3.w, c3.b (and s4.k, s4.b; LeCun's unconnected kernels' zeroed
 * after the last image); ds2 (with ReLU masked where s2 = 0).
 */
export function c3Backward(n: i32): void {
  // The dense path's LeCun shortcut gathers the (unscreened) weights once per call.
  const sparse = lecun && pooling != POOL_MAX && lecunGather(P(C3W));
  for (let i = 0; i < n; i++) {
    const img2 = s2 + <usize>i * S2_SIZE * 4, d2 = ds2 + <usize>i * S2_SIZE * 4;
    const at = <usize>i * S4_SIZE;
    im2colT5(col2, img2, 6, 14, 14);
    // The winner kernels add into dcol2; the dense path's GEMM overwrites it.
    if (pooling == POOL_MAX) memory.fill(dcol2, 0, COL2_SIZE * 4);
    if (reluMax) {
      poolConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, ds4 + at * 4, s4 + at * 4, arg4 + at, 16, 6, 10, 10);
    } else {
      blockBackward(ds4 + at * 4, s4 + at * 4, y3 + <usize>i * C3_SIZE * 4, m4 + at * 4, P(S4K), G(S4K), G(S4B), 16, 10);
      if (pooling == POOL_MAX) {
        winnerConvBackward(G(C3W), G(C3B), dcol2, P(C3W), col2, gPool, arg4 + at, 16, 6, 10, 10);
      } else {
        // Dense: dW (16, 150) += gConv (16, 100) · colT (100, 150); db += Σ gConv;
        // dcolT (100, 150) = gConvᵀ · W (16, 150). LeCun's table: per S2 map, on its 10 filters.
        rowSums(G(C3B), gConv, 16, 100);
        if (sparse) {
          for (let ch = 0; ch < 6; ch++) {
            for (let j = 0; j < LECUN_FILTERS; j++) memory.copy(lecunG + (<usize>(j * 100) << 2), gConv + (<usize>(lecunRow(ch, j) * 100) << 2), 400);
            gemmNN(LECUN_FILTERS, 25, 100, lecunG, 100, 1, col2 + (<usize>(ch * 25) << 2), 150, lecunDW, 25, false);
            for (let j = 0; j < LECUN_FILTERS; j++) {
              const dst = G(C3W) + (<usize>((lecunRow(ch, j) * 6 + ch) * 25) << 2), src = lecunDW + (<usize>(j * 25) << 2);
              for (let k = 0; k < 25; k++) store<f32>(dst + (<usize>k << 2), load<f32>(dst + (<usize>k << 2)) + load<f32>(src + (<usize>k << 2)));
            }
            gemmNN(100, 25, LECUN_FILTERS, lecunG, 1, 100, lecunW + (<usize>(ch * LECUN_FILTERS * 25) << 2), 25, dcol2 + (<usize>(ch * 25) << 2), 150, false);
          }
        } else {
          gemmNN(16, 150, 100, gConv, 100, 1, col2, 150, G(C3W), 150, true);
          gemmNN(100, 150, 16, gConv, 1, 100, P(C3W), 150, dcol2, 150, false);
        }
      }
    }
    memory.fill(d2, 0, S2_SIZE * 4);
    col2imT5(d2, dcol2, 6, 14, 14);
    // ReLU: no gradient where s2 = 0 (whatever the pooling: a zero output has a zero
    // derivative); and flush-to-zero. Other activations: their derivative is C1's block's.
    const z = f32x4.splat(0);
    for (let j = 0; j < S2_SIZE; j += 4) {
      const o = <usize>j << 2;
      const v = flush4(v128.load(d2 + o));
      v128.store(d2 + o, act == ACT_RELU ? v128.and(v, f32x4.gt(v128.load(img2 + o), z)) : v);
    }
  }
  maskC3();
}

/** S2 + activation + C1: grads c1.w, c1.b (and s2.k, s2.b) (the input needs no gradient). */
export function c1Backward(n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i * S2_SIZE, x = xs + <usize>i * X_SIZE * 4;
    if (reluMax) {
      poolConvWeightGrad25(G(C1W), G(C1B), x, 32, ds2 + at * 4, s2 + at * 4, arg2 + at, 6, 28, 28);
      continue;
    }
    blockBackward(ds2 + at * 4, s2 + at * 4, y1 + <usize>i * C1_SIZE * 4, m2 + at * 4, P(S2K), G(S2K), G(S2B), 6, 28);
    if (pooling == POOL_MAX) {
      winnerWeightGrad25(G(C1W), G(C1B), x, 32, gPool, arg2 + at, 6, 28, 28);
    } else {
      // Dense: dW (6, 25) += gConv (6, 784) · col1ᵀ, col1 (25, 784) = im2col: 150 dot products
      // of length 784 (gemmNT, vectorised along the positions); db += Σ gConv.
      im2col(col1, x, 1, 32, 32, 5);
      gemmNT(6, 25, 784, gConv, 784, col1, 784, G(C1W), 25);
      rowSums(G(C1B), gConv, 6, 784);
    }
  }
}

/** b[r] += Σ of row r of a (rows × cols, cols % 4 == 0), four lanes at a time. */
export function rowSums(b: usize, a: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = a + (<usize>(r * cols) << 2);
    let v = f32x4.splat(0);
    for (let q = 0; q < cols; q += 4) v = f32x4.add(v, v128.load(row + (<usize>q << 2)));
    const pb = b + (<usize>r << 2);
    store<f32>(pb, load<f32>(pb) + ((f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))));
  }
}

/** LeCun's C3 table: zero the gradient of the unconnected kernels (archData's mask), so they stay 0. */
export function maskC3(): void {
  if (!lecun) return;
  const mask = archData + PROTO_BYTES;
  for (let f = 0; f < 96; f++) if (load<u8>(mask + <usize>f) == 0) memory.fill(G(C3W) + (<usize>f * 25 << 2), 0, 100);
}

// ---- whole steps ----------------------------------------------------------------------------

export function forward(n: i32): void {
  c1Forward(n); c3Forward(n); c5Forward(n); f6Forward(n); outForward(n);
}

export function backward(n: i32): void {
  outBackward(n); f6Backward(n); c5Backward(n); c3Backward(n); c1Backward(n);
}

/** Forward + backward on the n images and labels already in memory; returns the mean loss. */
export function trainStep(n: i32): f64 {
  forward(n);
  const loss = lossForward(n, true);
  lossBackward(n);
  backward(n);
  // The weight gradients' GEMMs and sums can still produce subnormals: flush them in one pass.
  flushBuffer(grads, paramCount);
  return loss;
}

/** Forward only: probabilities of the n images into probs. */
export function predict(n: i32): void {
  forward(n);
  lossForward(n, false);
}
