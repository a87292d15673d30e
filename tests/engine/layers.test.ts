// Finite-difference gradient checks for every reference layer, in float64 on small shapes,
// plus the max-pool tie rule and the accumulate-into-gradients contract.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src-shared/engine/prng';
import { convForward, convBackward } from '../../src-shared/engine/reference/conv';
import { reluForward, reluBackward } from '../../src-shared/engine/reference/relu';
import { maxpoolForward, maxpoolBackward } from '../../src-shared/engine/reference/maxpool';
import { affineForward, affineBackward } from '../../src-shared/engine/reference/affine';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, softmaxForward } from '../../src-shared/engine/reference/softmax';
import { allIndices, dot, maxRelError, numericGrad, randn64 } from './helpers';

const H = 1e-6;
const TOL = 1e-5; // relative error (CS231n: below 1e-5 is a correct gradient in float64)

describe('conv 5×5 valid, stride 1', () => {
  const N = 2, C = 3, Hh = 8, W = 7, F = 4, K = 5;
  const OH = Hh - K + 1, OW = W - K + 1;
  const rng = new Prng(11);
  const x = randn64(rng, N * C * Hh * W);
  const w = randn64(rng, F * C * K * K, 0.3);
  const b = randn64(rng, F);
  const dout = randn64(rng, N * F * OH * OW);
  const out = new Float64Array(N * F * OH * OW);
  const loss = () => { convForward(out, x, w, b, N, C, Hh, W, F, K); return dot(out, dout); };

  it('forward matches a direct definition', () => {
    convForward(out, x, w, b, N, C, Hh, W, F, K);
    // out[n=1, f=2, oh=2, ow=1] computed by the textbook sum
    let s = b[2];
    for (let c = 0; c < C; c++) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
      s += w[((2 * C + c) * K + i) * K + j] * x[((1 * C + c) * Hh + 2 + i) * W + 1 + j];
    }
    expect(out[((1 * F + 2) * OH + 2) * OW + 1]).toBeCloseTo(s, 12);
  });

  it('dx, dw, db match central differences', () => {
    const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(b.length);
    convForward(out, x, w, b, N, C, Hh, W, F, K);
    convBackward(dx, dw, db, dout, x, w, N, C, Hh, W, F, K);
    for (const [param, grad] of [[x, dx], [w, dw], [b, db]] as const) {
      const idx = allIndices(param.length);
      expect(maxRelError(idx.map((i) => grad[i]), numericGrad(param, loss, idx, H))).toBeLessThan(TOL);
    }
  });

  it('backward adds into the gradient buffers and skips dx when it is null', () => {
    const dw1 = new Float64Array(w.length), db1 = new Float64Array(b.length);
    convBackward(null, dw1, db1, dout, x, w, N, C, Hh, W, F, K);
    const dw2 = dw1.slice(), db2 = db1.slice();
    convBackward(null, dw2, db2, dout, x, w, N, C, Hh, W, F, K);
    for (let i = 0; i < w.length; i++) expect(dw2[i]).toBeCloseTo(2 * dw1[i], 10);
    for (let i = 0; i < b.length; i++) expect(db2[i]).toBeCloseTo(2 * db1[i], 10);
  });
});

describe('relu', () => {
  it('forward clamps and backward matches central differences away from 0', () => {
    const rng = new Prng(12);
    const x = randn64(rng, 50);
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) < 1e-3) x[i] = 0.5; // keep off the kink
    const dout = randn64(rng, 50);
    const out = new Float64Array(50);
    reluForward(out, x, 50);
    for (let i = 0; i < 50; i++) expect(out[i]).toBe(Math.max(0, x[i]));
    const dx = new Float64Array(50);
    reluBackward(dx, dout, x, 50);
    const idx = allIndices(50);
    expect(maxRelError(idx.map((i) => dx[i]), numericGrad(x, () => { reluForward(out, x, 50); return dot(out, dout); }, idx, H))).toBeLessThan(TOL);
  });
});

describe('maxpool 2×2 stride 2', () => {
  it('dx matches central differences (distinct values)', () => {
    const N = 2, C = 3, Hh = 6, W = 4;
    const rng = new Prng(13);
    const x = randn64(rng, N * C * Hh * W);
    const dout = randn64(rng, N * C * 3 * 2);
    const out = new Float64Array(dout.length), am = new Int32Array(dout.length);
    const loss = () => { maxpoolForward(out, am, x, N, C, Hh, W); return dot(out, dout); };
    loss();
    const dx = new Float64Array(x.length);
    maxpoolBackward(dx, dout, am, dout.length);
    const idx = allIndices(x.length);
    expect(maxRelError(idx.map((i) => dx[i]), numericGrad(x, loss, idx, H))).toBeLessThan(TOL);
  });

  it('routes the gradient of a tied window to its FIRST maximum in row-major order only', () => {
    // One 4×4 plane, four windows: all equal; tie between (0,1) and (1,0); tie between (1,0) and (1,1); unique max at (1,1).
    const x = new Float32Array([
      0, 0, 1, 5,
      0, 0, 5, 2,
      3, 1, 7, 7,
      4, 4, 7, 9,
    ]);
    const out = new Float32Array(4), am = new Int32Array(4);
    maxpoolForward(out, am, x, 1, 1, 4, 4);
    expect(Array.from(out)).toEqual([0, 5, 4, 9]);
    expect(Array.from(am)).toEqual([0, 3, 12, 15]);
    const dx = new Float32Array(16);
    maxpoolBackward(dx, new Float32Array([1, 2, 3, 4]), am, 4);
    expect(Array.from(dx)).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 4]);
    // and the window (1,0)/(1,1) tie: values 7,7 / 7,9 → 9 unique; check a 7-7-7-7 tie too
    const y = new Float32Array([7, 7, 7, 7]);
    maxpoolForward(out, am, y, 1, 1, 2, 2);
    expect(am[0]).toBe(0);
  });

  it('lets NaN through (the first NaN of a window wins), like PyTorch', () => {
    const out = new Float32Array(1), am = new Int32Array(1);
    maxpoolForward(out, am, new Float32Array([1, NaN, 5, NaN]), 1, 1, 2, 2);
    expect(am[0]).toBe(1);
    expect(Number.isNaN(out[0])).toBe(true);
    const r = new Float32Array(3);
    reluForward(r, new Float32Array([NaN, -1, 2]), 3);
    expect(Number.isNaN(r[0])).toBe(true);
    expect(Array.from(r.subarray(1))).toEqual([0, 2]);
  });
});

describe('affine y = x·Wᵀ + b', () => {
  it('forward is x·Wᵀ + b with W (out, in)', () => {
    const x = new Float64Array([1, 2, 3]);
    const w = new Float64Array([1, 0, 0, 0, 1, 1]); // (2, 3)
    const b = new Float64Array([10, 20]);
    const out = new Float64Array(2);
    affineForward(out, x, w, b, 1, 3, 2);
    expect(Array.from(out)).toEqual([11, 25]);
  });

  it('dx, dw, db match central differences', () => {
    const N = 3, IN = 7, OUT = 5;
    const rng = new Prng(14);
    const x = randn64(rng, N * IN), w = randn64(rng, OUT * IN), b = randn64(rng, OUT), dout = randn64(rng, N * OUT);
    const out = new Float64Array(N * OUT);
    const loss = () => { affineForward(out, x, w, b, N, IN, OUT); return dot(out, dout); };
    const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(b.length);
    loss();
    affineBackward(dx, dw, db, dout, x, w, N, IN, OUT);
    for (const [param, grad] of [[x, dx], [w, dw], [b, db]] as const) {
      const idx = allIndices(param.length);
      expect(maxRelError(idx.map((i) => grad[i]), numericGrad(param, loss, idx, H))).toBeLessThan(TOL);
    }
  });
});

describe('softmax + mean cross-entropy', () => {
  it('gradient matches central differences of the mean loss', () => {
    const N = 4, K = 10;
    const rng = new Prng(15);
    const logits = randn64(rng, N * K, 3);
    const labels = new Uint8Array([3, 0, 9, 3]);
    const probs = new Float64Array(N * K);
    const loss = () => softmaxCrossEntropyForward(probs, logits, labels, N, K);
    loss();
    const dl = new Float64Array(N * K);
    softmaxCrossEntropyBackward(dl, probs, labels, N, K);
    const idx = allIndices(N * K);
    expect(maxRelError(idx.map((i) => dl[i]), numericGrad(logits, loss, idx, 1e-5))).toBeLessThan(TOL);
  });

  it('is stable for huge logits and equals −log p[y]', () => {
    const logits = new Float64Array([1000, 0, -1000, 0, 0, 0, 0, 0, 0, 0]);
    const probs = new Float64Array(10);
    const loss = softmaxCrossEntropyForward(probs, logits, new Uint8Array([1]), 1, 10);
    expect(loss).toBeCloseTo(1000, 9);
    expect(probs[0]).toBeCloseTo(1, 12);
    const p2 = new Float64Array(10);
    softmaxForward(p2, new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 1, 10);
    let z = 0;
    for (let k = 1; k <= 10; k++) z += Math.exp(k);
    expect(p2[4]).toBeCloseTo(Math.exp(5) / z, 14);
    expect(p2.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
  });

  it('reports NaN or infinite logits as a non-finite loss, never 0', () => {
    const probs = new Float64Array(10);
    const l1 = softmaxCrossEntropyForward(probs, new Float64Array([NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array([0]), 1, 10);
    expect(Number.isFinite(l1)).toBe(false);
    const l2 = softmaxCrossEntropyForward(probs, new Float64Array([Infinity, 0, 0, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array([1]), 1, 10);
    expect(Number.isFinite(l2)).toBe(false);
  });

  it('rejects a label outside 0..K-1', () => {
    expect(() => softmaxCrossEntropyForward(new Float64Array(10), new Float64Array(10), new Uint8Array([10]), 1, 10)).toThrow(/out of range/);
  });
});
