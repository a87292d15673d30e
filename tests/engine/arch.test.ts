// The architecture switches in the reference engine: the definitions (LeCun's Table I, the RBF
// prototypes, the layouts), the initialisation, finite-difference gradient checks in float64 of
// every new layer and of the whole network for every switch value, and the report's model
// unchanged bit for bit (hashes computed with the engine before the switches existed).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS, DEFAULT_ARCHITECTURE, LECUN_C3_TABLE, LENET1998_ARCHITECTURE, architectureCode, c3Mask, checkArchitecture, describeArchitecture, type Architecture,
} from '../../src-shared/engine/arch';
import { DEFAULT_LAYOUT, PARAM_COUNT, PARAM_TABLE, layoutFor, type ParamLayout } from '../../src-shared/engine/layout';
import { RBF_BITMAPS, RBF_J, RBF_PROTOTYPES, RBF_UNITS } from '../../src-shared/engine/rbf';
import { initParams } from '../../src-shared/engine/init';
import { addL2 } from '../../src-shared/engine/regularize';
import { Prng } from '../../src-shared/engine/prng';
import { createReferenceModel64 } from '../../src-shared/engine/reference/lenet';
import { activationForward, activationBackward } from '../../src-shared/engine/reference/activation';
import { avgpoolForward, avgpoolBackward, channelScaleForward, channelScaleBackward } from '../../src-shared/engine/reference/subsampling';
import { rbfForward, rbfBackward, rbfLossForward, rbfLossBackward, rbfProbabilities } from '../../src-shared/engine/reference/rbf';
import { createTrainer } from '../../src-shared/engine/solver';
import { createBackend } from '../../src-shared/engine/select';
import { presetConfig } from '../../src-shared/config';
import { loadMnist } from '../../src-main/data/mnist';
import { ALL_ARCHITECTURES, allIndices, dot, maxRelError, numericGrad, randn64, SINGLE_SWITCHES } from './helpers';

describe('the switches\' definitions', () => {
  it('LeCun\'s Table I: 60 connections, 1,516 C3 parameters, the paper\'s rows', () => {
    // Table I of LeCun et al. 1998, row by row (S2 map 0–5), an X per C3 map that reads it.
    const paper = [
      'X   XXX  XXXX XX', 'XX   XXX  XXXX X', 'XXX   XXX  X XXX',
      ' XXX  XXXX  X XX', '  XXX  XXXX XX X', '   XXX  XXXX XXX',
    ];
    const mask = c3Mask({ ...DEFAULT_ARCHITECTURE, c3Connections: 'lecun' });
    for (let c = 0; c < 6; c++) for (let f = 0; f < 16; f++) expect(mask[f * 6 + c], `S2 ${c} → C3 ${f}`).toBe(paper[c][f] === 'X' ? 1 : 0);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(60);
    expect(LECUN_C3_TABLE.reduce((s, r) => s + r.length, 0) * 25 + 16).toBe(1516);
    expect(c3Mask(DEFAULT_ARCHITECTURE).every((v) => v === 1)).toBe(true);
  });

  it('the RBF prototypes: ten 7×12 bitmaps, ±1, pairwise far apart', () => {
    expect(RBF_UNITS).toBe(84);
    expect(RBF_PROTOTYPES.length).toBe(840);
    expect(RBF_PROTOTYPES.every((v) => v === 1 || v === -1)).toBe(true);
    for (const b of RBF_BITMAPS) expect(b.map((r) => r.length)).toEqual(Array(12).fill(7));
    let min = Infinity;
    for (let a = 0; a < 10; a++) {
      for (let b = a + 1; b < 10; b++) {
        let d = 0;
        for (let j = 0; j < 84; j++) if (RBF_PROTOTYPES[a * 84 + j] !== RBF_PROTOTYPES[b * 84 + j]) d++;
        min = Math.min(min, d);
      }
    }
    expect(min).toBeGreaterThanOrEqual(17);
    expect(RBF_J).toBe(1);
  });

  it('layouts: the report\'s model is the earlier layout; only subsampling and the RBF output change it', () => {
    expect(layoutFor(DEFAULT_ARCHITECTURE)).toBe(DEFAULT_LAYOUT);
    expect(PARAM_COUNT).toBe(61706);
    expect(PARAM_TABLE.map((e) => [e.name, e.offset, e.size])).toEqual([
      ['c1.w', 0, 150], ['c1.b', 150, 6], ['c3.w', 156, 2400], ['c3.b', 2556, 16], ['c5.w', 2572, 48000],
      ['c5.b', 50572, 120], ['f6.w', 50692, 10080], ['f6.b', 60772, 84], ['out.w', 60856, 840], ['out.b', 61696, 10],
    ]);
    for (const a of ALL_ARCHITECTURES) {
      const l = layoutFor(a);
      const expected = 61706 + (a.pooling === 'subsampling' ? 44 : 0) - (a.output === 'rbf' ? 850 : 0);
      expect(l.count, describeArchitecture(a)).toBe(expected);
      let at = 0;
      for (const e of l.table) { expect(e.offset).toBe(at); at += e.size; }
    }
    // LeCun's LeNet-5: 60,000 trainable parameters (the paper's figure): the layout minus the
    // 36 unconnected C3 kernels held at zero.
    expect(layoutFor(LENET1998_ARCHITECTURE).count - 36 * 25).toBe(60000);
    expect(layoutFor(LENET1998_ARCHITECTURE).table.map((e) => e.name)).toEqual(['c1.w', 'c1.b', 's2.k', 's2.b', 'c3.w', 'c3.b', 's4.k', 's4.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b']);
  });

  it('architecture codes are distinct; unknown values are refused naming every problem', () => {
    const codes = new Set(ALL_ARCHITECTURES.map(architectureCode));
    expect(codes.size).toBe(36);
    expect(architectureCode(DEFAULT_ARCHITECTURE)).toBe(0);
    expect(checkArchitecture({ ...LENET1998_ARCHITECTURE })).toEqual(LENET1998_ARCHITECTURE);
    expect(() => checkArchitecture({ activation: 'gelu', pooling: 'max', c3Connections: 'sparse', output: 'softmax' })).toThrow(/activation must be one of relu, tanh, sigmoid \(got "gelu"\); c3Connections must be one of full, lecun/);
    expect(() => checkArchitecture(null)).toThrow(/must be an object/);
    expect(describeArchitecture(LENET1998_ARCHITECTURE)).toBe("tanh, trainable subsampling, LeCun's C3 table, RBF output");
  });
});

describe('initialisation and L2 per architecture', () => {
  it('coefficients start at 1, biases at 0, unconnected C3 kernels at 0; shared tensors draw the same numbers', () => {
    const base = new Float32Array(PARAM_COUNT);
    initParams(base, 'normal', 0.01, new Prng(3, 1));
    const l = layoutFor(LENET1998_ARCHITECTURE);
    const p = new Float32Array(l.count);
    initParams(p, 'normal', 0.01, new Prng(3, 1), l);
    const at = (layout: ParamLayout, buf: Float32Array, name: string) => { const e = layout.table.find((x) => x.name === name)!; return buf.subarray(e.offset, e.offset + e.size); };
    expect(Array.from(at(l, p, 's2.k'))).toEqual(Array(6).fill(1));
    expect(Array.from(at(l, p, 's4.k'))).toEqual(Array(16).fill(1));
    expect(at(l, p, 's4.b').every((v) => v === 0)).toBe(true);
    const mask = c3Mask(LENET1998_ARCHITECTURE);
    const c3 = at(l, p, 'c3.w'), c3base = at(DEFAULT_LAYOUT, base, 'c3.w');
    for (let f = 0; f < 96; f++) {
      for (let k = 0; k < 25; k++) expect(c3[f * 25 + k]).toBe(mask[f] ? c3base[f * 25 + k] : 0);
    }
    for (const name of ['c1.w', 'c5.w', 'f6.w']) expect(Array.from(at(l, p, name))).toEqual(Array.from(at(DEFAULT_LAYOUT, base, name)));
  });

  it('He init with LeCun\'s table counts only the connected maps in C3\'s fan-in', () => {
    const l = layoutFor({ ...DEFAULT_ARCHITECTURE, c3Connections: 'lecun' });
    const p = new Float32Array(l.count);
    initParams(p, 'he', 1, new Prng(5, 1), l);
    const c3 = l.table.find((e) => e.name === 'c3.w')!;
    // C3 map 15 reads all six maps (fan-in 150), maps 0–5 read three (fan-in 75).
    const rms = (f: number) => { let s = 0, c = 0; for (let k = 0; k < 150; k++) { const v = p[c3.offset + f * 150 + k]; if (v !== 0) { s += v * v; c++; } } return Math.sqrt(s / c); };
    const r3 = (rms(0) + rms(1) + rms(2) + rms(3) + rms(4) + rms(5)) / 6;
    expect(r3).toBeGreaterThan(Math.sqrt(2 / 75) * 0.8);
    expect(r3).toBeLessThan(Math.sqrt(2 / 75) * 1.2);
    expect(rms(15)).toBeGreaterThan(Math.sqrt(2 / 150) * 0.75);
    expect(rms(15)).toBeLessThan(Math.sqrt(2 / 150) * 1.25);
  });

  it('L2 covers the conv and affine weights, not biases or subsampling coefficients', () => {
    const l = layoutFor(LENET1998_ARCHITECTURE);
    const p = new Float32Array(l.count).fill(2), g = new Float32Array(l.count);
    const penalty = addL2(p, g, 0.5, l);
    const weights = l.table.filter((e) => e.kind === 'weight').reduce((s, e) => s + e.size, 0);
    expect(penalty).toBe(0.5 * 0.5 * 4 * weights);
    for (const e of l.table) expect(g[e.offset], e.name).toBe(e.kind === 'weight' ? 1 : 0);
  });
});

const H = 1e-6;
const TOL = 1e-5;

describe('new reference layers: central differences (float64)', () => {
  for (const act of ACTIVATIONS) {
    it(`${act}: dx from the output matches`, () => {
      const rng = new Prng(61);
      // Away from 0 for ReLU (its kink); tanh and sigmoid anywhere, saturation included.
      const x = randn64(rng, 40, 3).map((v) => (act === 'relu' && Math.abs(v) < 0.05 ? v + 0.1 : v));
      const up = randn64(rng, 40), y = new Float64Array(40), dx = new Float64Array(40);
      const loss = () => { activationForward(y, x, 40, act); return dot(y, up); };
      loss();
      activationBackward(dx, up, y, 40, act);
      expect(maxRelError(Array.from(dx), numericGrad(x, loss, allIndices(40), H))).toBeLessThan(TOL);
    });
  }

  it('LeCun\'s tanh: f(±1) = ±1 and f(0) = 0', () => {
    const y = new Float64Array(3);
    activationForward(y, Float64Array.from([1, -1, 0]), 3, 'tanh');
    expect(y[0]).toBeCloseTo(1, 4);
    expect(y[1]).toBeCloseTo(-1, 4);
    expect(y[2]).toBe(0);
  });

  it('average pooling and the per-channel coefficient and bias', () => {
    const rng = new Prng(62);
    const N = 2, C = 3, Hh = 6;
    const x = randn64(rng, N * C * Hh * Hh), k = randn64(rng, C), b = randn64(rng, C);
    const up = randn64(rng, N * C * 9);
    const avg = new Float64Array(N * C * 9), out = new Float64Array(N * C * 9);
    const loss = () => { avgpoolForward(avg, x, N, C, Hh, Hh); channelScaleForward(out, avg, k, b, N, C, 9); return dot(out, up); };
    loss();
    const davg = new Float64Array(avg.length), dx = new Float64Array(x.length), dk = new Float64Array(C), db = new Float64Array(C);
    channelScaleBackward(davg, dk, db, up, avg, k, N, C, 9);
    avgpoolBackward(dx, davg, N, C, Hh, Hh);
    for (const [param, grad] of [[x, dx], [k, dk], [b, db]] as const) {
      expect(maxRelError(Array.from(grad), numericGrad(param, loss, allIndices(param.length), H))).toBeLessThan(TOL);
    }
  });

  it('the RBF output and its loss: dx matches; probabilities favour the smallest penalty', () => {
    const rng = new Prng(63);
    const N = 3;
    const x = randn64(rng, N * 84, 0.8), w = Float64Array.from(RBF_PROTOTYPES);
    // Penalties near the competition's range, so both terms of the loss matter: x close to a prototype.
    for (let j = 0; j < 84; j++) x[j] = w[2 * 84 + j] * 0.9 + x[j] * 0.1;
    const labels = new Uint8Array([2, 7, 0]);
    const pen = new Float64Array(N * 10), q = new Float64Array(N * 10);
    const loss = () => { rbfForward(pen, x, w, N, 84, 10); return rbfLossForward(q, pen, labels, N, 10, RBF_J); };
    loss();
    const dpen = new Float64Array(N * 10), dx = new Float64Array(N * 84);
    rbfLossBackward(dpen, q, labels, N, 10);
    rbfBackward(dx, dpen, x, w, N, 84, 10);
    expect(maxRelError(Array.from(dx), numericGrad(x, loss, allIndices(N * 84), H))).toBeLessThan(TOL);
    const probs = new Float64Array(N * 10);
    rbfProbabilities(probs, pen, N, 10);
    let best = 0;
    for (let k = 1; k < 10; k++) if (pen[k] < pen[best]) best = k;
    expect(best).toBe(2);
    expect(probs.subarray(0, 10).indexOf(Math.max(...probs.subarray(0, 10)))).toBe(2);
    expect(probs.subarray(0, 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('the RBF loss stays finite for huge penalties, and is y_D + log(e^−j + Σ e^−y) for small ones', () => {
    const q = new Float64Array(10);
    const big = Float64Array.from({ length: 10 }, (_, k) => 1e4 + k);
    expect(rbfLossForward(q, big, new Uint8Array([3]), 1, 10, RBF_J)).toBeCloseTo(1e4 + 3 - RBF_J, 6);
    const small = Float64Array.from({ length: 10 }, (_, k) => 0.1 * k);
    const direct = small[4] + Math.log(Math.exp(-RBF_J) + small.reduce((s, v) => s + Math.exp(-v), 0));
    expect(rbfLossForward(q, small, new Uint8Array([4]), 1, 10, RBF_J)).toBeCloseTo(direct, 12);
  });
});

/** Parameters that give every path signal: He-like weights, small biases, coefficients near 1; LeCun's unconnected kernels 0. */
function randomParams(buf: Float64Array, layout: ParamLayout, seed: number): void {
  const rng = new Prng(seed);
  for (const e of layout.table) {
    const fanIn = e.shape.length === 1 ? 1 : e.size / e.shape[0];
    for (let i = 0; i < e.size; i++) {
      buf[e.offset + i] = e.kind === 'weight' ? rng.normal() * Math.sqrt(2 / fanIn) : e.kind === 'bias' ? rng.normal() * 0.05 : 1 + rng.normal() * 0.2;
    }
  }
  if (layout.architecture.c3Connections === 'lecun') {
    const c3 = layout.table.find((e) => e.name === 'c3.w')!;
    const mask = c3Mask(layout.architecture);
    for (let f = 0; f < 96; f++) if (!mask[f]) buf.fill(0, c3.offset + f * 25, c3.offset + f * 25 + 25);
  }
}

/** Every single switch flipped from the report's model, the 1998 network, and the remaining values. */
const CHECKED: Architecture[] = [
  ...SINGLE_SWITCHES,
  { activation: 'sigmoid', pooling: 'average', c3Connections: 'lecun', output: 'rbf' },
];

describe('the whole reference network for every switch value: central differences (float64)', () => {
  for (const arch of CHECKED) {
    it(describeArchitecture(arch), () => {
      const n = 2;
      const m = createReferenceModel64(n, { inputGradient: true, architecture: arch });
      randomParams(m.params, m.layout, 71);
      const rng = new Prng(72);
      const x = randn64(rng, n * 1024);
      const labels = new Uint8Array([6, 1]);
      m.trainStep(x, labels, n);
      const analytic = m.grads.slice();
      const analyticX = m.inputGrad!.slice(0, n * 1024);
      const loss = () => m.trainStep(x, labels, n);
      const mask = c3Mask(arch);
      for (const e of m.layout.table) {
        const idx = Array.from({ length: Math.min(5, e.size) }, () => e.offset + rng.below(e.size))
          .filter((i) => e.name !== 'c3.w' || mask[Math.floor((i - e.offset) / 25)] === 1);
        if (idx.length === 0) continue;
        const err = maxRelError(idx.map((i) => analytic[i]), numericGrad(m.params, loss, idx, H), 1e-7);
        expect(err, `gradient of ${e.name}`).toBeLessThan(1e-5);
      }
      if (arch.c3Connections === 'lecun') {
        const c3 = m.layout.table.find((e) => e.name === 'c3.w')!;
        for (let f = 0; f < 96; f++) if (!mask[f]) for (let k = 0; k < 25; k++) expect(analytic[c3.offset + f * 25 + k]).toBe(0);
      }
      // dx through squashing layers is small (≈1e-5) next to an RBF loss of ≈150, whose rounding
      // noise then dominates differences at h = 1e-6; tanh and sigmoid are smooth, so a larger
      // step is exact enough there (ReLU keeps the small step: its kinks).
      const xi = Array.from({ length: 12 }, () => rng.below(n * 1024));
      const hx = arch.activation === 'relu' ? H : 1e-4;
      expect(maxRelError(xi.map((i) => analyticX[i]), numericGrad(x, loss, xi, hx), 1e-7), 'gradient of x').toBeLessThan(1e-5);
    });
  }
});

describe('the report\'s model is unchanged, bit for bit', () => {
  // sha256 (first 16 hex digits) of the iteration losses, the parameters and 300 test
  // probabilities after 40 wasm steps / 3 reference steps of the report's and the quick preset
  // (batch 50, 2,000 images, L2 1e-3), computed with the engine before the architecture switches
  // existed (commit f82a714).
  const GOLDEN: Record<string, string> = {
    'wasm report': '6e1fba809982d007', 'wasm quick': 'f38bc482846cbc5b',
    'reference report': 'd233cd5b79ac358d', 'reference quick': '201beb6f2c010cb9',
  };
  const ds = loadMnist();
  const test = { ...ds.test, count: 300, pixels: ds.test.pixels.subarray(0, 300 * 784), labels: ds.test.labels.subarray(0, 300) };
  for (const [choice, steps] of [['wasm', 40], ['reference', 3]] as const) {
    for (const preset of ['report', 'quick']) {
      it(`${choice}, ${preset} preset`, () => {
        // weightDecayStart 0: the presets' recipe when the hashes were computed (L2 from the first iteration).
        const cfg = { ...presetConfig(preset), trainSubset: 2000, validationSize: 1000, trainEvalSize: 200, epochs: 2, batchSize: 50, weightDecay: 1e-3, weightDecayStart: 0 };
        const t = createTrainer(cfg, ds.train, createBackend(choice, cfg.batchSize));
        const h = createHash('sha256');
        for (let i = 0; i < steps; i++) h.update(new Float64Array([t.step().loss]));
        h.update(new Uint8Array(t.params.buffer, t.params.byteOffset, t.params.byteLength));
        h.update(new Uint8Array(t.evaluate(test).probabilities.buffer));
        expect(h.digest('hex').slice(0, 16)).toBe(GOLDEN[`${choice} ${preset}`]);
      });
    }
  }
});
