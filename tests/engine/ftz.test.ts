// Flush-to-zero (engine/ftz.ts, wasm/assembly/ftz.ts): the reference rule at its edges, the wasm
// flush against it bit for bit, and that a forward + backward pass on tiny weights (a collapsed
// run) leaves no subnormal anywhere: activations, activation gradients, parameter gradients, and
// the optimiser's parameters and moments. NaN still propagates.
import { describe, expect, it } from 'vitest';
import { FLT_MIN, flush32 } from '../../src-shared/engine/ftz';
import { createAdam, createSgd } from '../../src-shared/engine/optim';
import { addL2 } from '../../src-shared/engine/regularize';
import { instantiateKernels } from '../../src-shared/engine/wasm/kernels';
import { createWasmBackend } from '../../src-shared/engine/wasm/backend';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { PARAM_COUNT, PARAM_TABLE } from '../../src-shared/engine/layout';
import { Prng } from '../../src-shared/engine/prng';

const SUB = 1e-40; // a subnormal float32
const below = Math.fround(FLT_MIN * (1 - 2 ** -23)); // the largest subnormal

/** Indices of subnormal values (0 < |x| < FLT_MIN) in an array. */
function subnormals(a: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 && Math.abs(a[i]) < FLT_MIN) out.push(i);
  return out;
}

describe('flush32, the reference rule', () => {
  it('FLT_MIN is 2^-126, the smallest normal float32', () => {
    expect(FLT_MIN).toBe(2 ** -126);
    expect(Math.fround(FLT_MIN)).toBe(FLT_MIN);
    expect(below).toBeLessThan(FLT_MIN);
    expect(below).toBeGreaterThan(0);
  });

  it('flushes below FLT_MIN (before rounding), keeps the rest as float32, passes NaN and ±Infinity', () => {
    expect(flush32(FLT_MIN)).toBe(FLT_MIN);
    expect(flush32(-FLT_MIN)).toBe(-FLT_MIN);
    expect(flush32(below)).toBe(0);
    expect(Object.is(flush32(-SUB), 0)).toBe(true); // +0, not −0
    expect(flush32(FLT_MIN * 0.9999999999)).toBe(0); // would round up to FLT_MIN: flushed anyway (checked in float64)
    expect(flush32(0)).toBe(0);
    expect(flush32(1 / 3)).toBe(Math.fround(1 / 3));
    expect(flush32(NaN)).toBeNaN();
    expect(flush32(Infinity)).toBe(Infinity);
    expect(flush32(-Infinity)).toBe(-Infinity);
    expect(flush32(1e39)).toBe(Infinity); // overflow is untouched: float32 rounding
  });
});

describe('the wasm flush against the reference', () => {
  it('flushBuffer gives the bits of flush32 on every edge value, in the vector body and the scalar tail', () => {
    const k = instantiateKernels();
    expect(k.setup(1)).toBeGreaterThan(0);
    const edge = [0, -0, SUB, -SUB, below, -below, FLT_MIN, -FLT_MIN, 1, -2.5, NaN, Infinity, -Infinity, 3e38, 1e-30, -1e-38, 1.2e-38];
    const n = edge.length; // 17: four vectors and a tail of one
    const at = (k.scratchPtr() + 63) & ~63;
    const a = new Float32Array(k.memory.buffer, at, n);
    a.set(edge);
    k.flushBuffer(at, n);
    const want = Float32Array.from(edge.map((v) => flush32(Math.fround(v))));
    expect(Array.from(new Uint32Array(a.buffer, at, n))).toEqual(Array.from(new Uint32Array(want.buffer)));
  });
});

describe('the optimisers and L2 flush what they store', () => {
  it('Adam: moments and parameters that would be subnormal are +0', () => {
    const opt = createAdam(4, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const p = new Float32Array([SUB, 1e-20, 0.5, FLT_MIN]);
    opt.step(p, new Float32Array([1e-20, 1e-30, 0, 0]), 1e-3);
    const [m, v] = opt.state().buffers;
    expect(subnormals(p)).toEqual([]);
    expect(subnormals(m)).toEqual([]);
    expect(subnormals(v)).toEqual([]);
    expect(v[0]).toBe(0); // (1 − β2)·1e-40 would be subnormal
    expect(m[0]).toBe(Math.fround((1 - 0.9) * Math.fround(1e-20))); // normal: kept
  });

  it('SGD with and without momentum, and L2', () => {
    const sgd = createSgd(2, { momentum: 0.9 });
    const p = new Float32Array([2e-38, 1]);
    sgd.step(p, new Float32Array([SUB * 1e3, 0]), 1e-3);
    expect(subnormals(p)).toEqual([]);
    expect(subnormals(sgd.state().buffers[0])).toEqual([]);
    const plain = createSgd(1, { momentum: 0 });
    const q = new Float32Array([1.5e-38]);
    plain.step(q, new Float32Array([1.4e-38]), 1); // 1.5e-38 − 1.4e-38 ≈ 1e-39: subnormal
    expect(q[0]).toBe(0);
    const params = new Float32Array(PARAM_COUNT), grads = new Float32Array(PARAM_COUNT);
    params[0] = 1e-36; // a c1 weight: λ·w = 1e-39
    addL2(params, grads, 1e-3);
    expect(grads[0]).toBe(0);
  });
});

describe('a pass on a collapsed network leaves no subnormals', () => {
  /** Weights of about 1e-19: products of two layers land in the subnormal range. */
  function tinyParams(rng: Prng): Float32Array {
    const p = new Float32Array(PARAM_COUNT);
    for (const e of PARAM_TABLE) for (let i = 0; i < e.size; i++) p[e.offset + i] = e.shape.length > 1 ? rng.normal() * 1e-19 : 0;
    return p;
  }

  it('activations and parameter gradients (the kernels, one thread)', () => {
    const rng = new Prng(3);
    const n = 6;
    const k = instantiateKernels();
    expect(k.setup(n)).toBeGreaterThan(0);
    const mem = k.memory.buffer;
    const f32 = (ptr: number, len: number): Float32Array => new Float32Array(mem, ptr >>> 0, len);
    f32(k.paramsPtr(), PARAM_COUNT).set(tinyParams(rng));
    const x = f32(k.inputPtr(), n * 1024);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 50;
    new Uint8Array(mem, k.labelsPtr() >>> 0, n).set([0, 1, 2, 3, 4, 5]);
    k.trainStep(n);
    const s2 = f32(k.s2Ptr(), n * 1176), s4 = f32(k.s4Ptr(), n * 400);
    expect(s2.some((v) => v > 0), 'C1 + S2 carries signal').toBe(true);
    expect(s4.some((v) => v > 0), 'C3 + S4 carries signal').toBe(true);
    for (const [name, a] of [['s2', s2], ['s4', s4], ['h5', f32(k.h5Ptr(), n * 120)], ['h6', f32(k.h6Ptr(), n * 84)], ['logits', f32(k.logitsPtr(), n * 10)], ['grads', f32(k.gradsPtr(), PARAM_COUNT)]] as const) {
      expect(subnormals(a), `subnormal values in ${name}`).toEqual([]);
    }
    // Without flushing C5 would output subnormals: its weights (~1e-19) times S4 (~1e-35).
    const s4max = s4.reduce((m, v) => Math.max(m, v), 0);
    expect(s4max * 1e-19).toBeLessThan(FLT_MIN);
  });

  it('the parallel backend: shard gradients, summed gradients and the optimiser state', () => {
    const rng = new Prng(4);
    const b = createParallelBackend(16);
    b.params.set(tinyParams(rng));
    const x = new Float32Array(16 * 1024);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 50;
    const labels = Uint8Array.from({ length: 16 }, (_, i) => i % 10);
    b.trainStep(x, labels, 16);
    expect(subnormals(b.grads)).toEqual([]);
    const cfg = { optimizer: 'adam' as const, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3, normalization: { mode: 'scale01' as const, mean: 0, std: 1 } };
    b.optimizerStep(cfg, 1, 1e-3);
    expect(subnormals(b.params)).toEqual([]);
    expect(subnormals(b.optA)).toEqual([]);
    expect(subnormals(b.optB)).toEqual([]);
  });

  it('NaN still propagates through every flushed kernel', () => {
    const b = createWasmBackend(2);
    b.params.set(tinyParams(new Prng(5)));
    b.params[3] = NaN;
    const x = new Float32Array(2 * 1024).fill(1);
    expect(b.trainStep(x, new Uint8Array([1, 2]), 2)).toBeNaN();
  });
});

describe('products that would all be flushed (wasm/assembly/screen.ts)', () => {
  function mem() {
    const k = instantiateKernels();
    expect(k.setup(1)).toBeGreaterThan(0);
    let top = (k.scratchPtr() + 63) & ~63;
    k.memory.grow(16);
    const buf = k.memory.buffer;
    const floats = (values: ArrayLike<number>): number => {
      const at = top;
      new Float32Array(buf, at, values.length).set(values);
      top += (values.length * 4 + 63) & ~63;
      return at;
    };
    return { k, buf, floats };
  }

  it('screenAffine: drops exactly the weights whose products with every input would be below FLT_MIN', () => {
    const { k, buf, floats } = mem();
    // w (OUT 2, IN 3); inputs x (n 2, IN 3): column maxima 1e-5, 2, 0
    const w = floats([1e-34, 1e-38, 5, -1e-33, 3e-38, -2]);
    const x = floats([1e-5, 0.5, 0, -4e-6, 2, 0]);
    const out = floats(new Float32Array(6)), maxes = floats(new Float32Array(3));
    expect(k.screenAffine(out, w, 2, 3, x, 2, maxes)).toBe(out);
    // 1e-34·1e-5 < FLT_MIN: dropped; 1e-38·2 ≥ FLT_MIN: kept; 5·0: dropped (its products are 0 anyway);
    // 1e-33·1e-5 = 1e-38 < FLT_MIN: dropped; 3e-38·2: kept; −2·0: dropped
    expect(Array.from(new Float32Array(buf, out, 6))).toEqual([0, Math.fround(1e-38), 0, 0, Math.fround(3e-38), 0]);
    // Healthy weights: the weights themselves, no copy.
    const healthy = floats([0.1, -0.2, 0.3, 0.01, 0.5, -1]);
    expect(k.screenAffine(out, healthy, 2, 3, x, 2, maxes)).toBe(healthy);
  });

  it('screenConv: the same per input channel; NaN weights are kept (divergence shows)', () => {
    const { k, buf, floats } = mem();
    // F 1, C 2, KK 2; x (n 1, C 2, HW 3): channel maxima 1e-5 and 3
    const w = floats([1e-35, NaN, 1e-35, -1e-39 * 1e3]);
    const x = floats([0, 1e-5, -2e-6, 3, 0, 1]);
    const out = floats(new Float32Array(4)), maxes = floats(new Float32Array(2));
    expect(k.screenConv(out, w, 1, 2, 2, x, 1, 3, maxes)).toBe(out);
    const got = Array.from(new Float32Array(buf, out, 4));
    expect(got[0]).toBe(0);
    expect(got[1]).toBeNaN();
    expect(got[2]).toBe(Math.fround(1e-35));
    expect(got[3]).toBe(Math.fround(-1e-36));
  });

  it('scaleUp: 1 for healthy weights; for tiny ones a power of two that C1 computes with exactly', () => {
    const { k, buf, floats } = mem();
    const wo = floats(new Float32Array(150)), bo = floats(new Float32Array(6)), b = floats([1e-5, 0, -2e-5, 0, 0, 3e-6]);
    expect(k.scaleUp(wo, floats(Array.from({ length: 150 }, (_, i) => Math.sin(i) * 0.1)), 150, bo, b, 6)).toBe(1);
    const tiny = Array.from({ length: 150 }, (_, i) => Math.sin(i + 1) * 3e-36);
    const wmax = Math.max(...tiny.map((v) => Math.abs(Math.fround(v))));
    const S = k.scaleUp(wo, floats(tiny), 150, bo, b, 6);
    expect(Math.log2(S) % 1).toBe(0);
    expect(S * wmax).toBeLessThan(2);
    expect(S * 2e-5).toBeLessThan(2 ** 100); // the bias stays far from overflow…
    expect(S * 2e-5 * 2).toBeGreaterThanOrEqual(2 ** 100); // …which is what limits S here
    const free = floats([0, 0, 0, 0, 0, 0]); // without a bias, S·max|w| lands in [1, 2)
    const S0 = k.scaleUp(wo, floats(tiny), 150, bo, free, 6);
    expect(S0 * wmax).toBeGreaterThanOrEqual(1);
    expect(S0 * wmax).toBeLessThan(2);
    k.scaleUp(wo, floats(tiny), 150, bo, b, 6);
    expect(Array.from(new Float32Array(buf, wo, 150))).toEqual(tiny.map((v) => Math.fround(v) * S));
    expect(Array.from(new Float32Array(buf, bo, 6))).toEqual([1e-5, 0, -2e-5, 0, 0, 3e-6].map((v) => Math.fround(v) * S));
  });

  it('a collapsed C1 (weights ≈ 1e-36) computes its outputs like float64, not with subnormal rounding', () => {
    const rng = new Prng(8);
    const k = instantiateKernels();
    expect(k.setup(1)).toBeGreaterThan(0);
    const buf = k.memory.buffer;
    const p = new Float32Array(buf, k.paramsPtr() >>> 0, PARAM_COUNT);
    for (let i = 0; i < 150; i++) p[i] = rng.normal() * 1e-36; // c1.w
    for (let i = 150; i < 156; i++) p[i] = 0; // c1.b: the outputs are the products' sums alone
    const x = new Float32Array(buf, k.inputPtr() >>> 0, 1024);
    for (let i = 0; i < 1024; i++) x[i] = (rng.uniform() - 0.5) * 0.02; // small inputs: products ≈ 1e-38
    k.c1Forward(1);
    const s2 = new Float32Array(buf, k.s2Ptr() >>> 0, 1176);
    // The reference in float64: conv, ReLU, max-pool.
    let checked = 0;
    for (let f = 0; f < 6; f++) {
      for (let py = 0; py < 14; py++) {
        for (let px = 0; px < 14; px++) {
          let best = -Infinity;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
            let sum = 0;
            for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) sum += p[f * 25 + ky * 5 + kx] * x[(2 * py + dy + ky) * 32 + 2 * px + dx + kx];
            best = Math.max(best, sum);
          }
          const want = best < FLT_MIN ? 0 : best;
          const got = s2[f * 196 + py * 14 + px];
          if (want > 0) checked++;
          expect(Math.abs(got - want), `s2[${f}, ${py}, ${px}]`).toBeLessThanOrEqual(1e-5 * want + 1e-45);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
