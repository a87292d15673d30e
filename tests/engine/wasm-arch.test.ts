// The architecture switches in the WebAssembly module, against the plain TypeScript reference:
// the module's parameter layout for all 36 architectures; each new kernel tensor by tensor
// (activations and their derivatives, max-pool without ReLU, average pooling, subsampling, the
// winner conv backwards, the RBF output and loss, the affine input gradient through
// any activation); then whole backends (own memory and data-parallel) on every switch value —
// loss, probabilities and every gradient tensor, named when they differ — and a few optimiser
// steps of the fused step against the step composed from the reference pieces.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARCHITECTURE, LENET1998_ARCHITECTURE, architectureCode, c3Mask, describeArchitecture, type Architecture } from '../../src-shared/engine/arch';
import { layoutFor, type ParamLayout } from '../../src-shared/engine/layout';
import { RBF_J, RBF_PROTOTYPES } from '../../src-shared/engine/rbf';
import { instantiateKernels, type KernelExports } from '../../src-shared/engine/wasm/kernels';
import { createWasmBackend } from '../../src-shared/engine/wasm/backend';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { activationForward, activationBackward } from '../../src-shared/engine/reference/activation';
import { avgpoolForward, avgpoolBackward, channelScaleForward, channelScaleBackward } from '../../src-shared/engine/reference/subsampling';
import { maxpoolForward } from '../../src-shared/engine/reference/maxpool';
import { convBackward } from '../../src-shared/engine/reference/conv';
import { affineBackward } from '../../src-shared/engine/reference/affine';
import { rbfForward, rbfBackward, rbfLossForward, rbfLossBackward, rbfProbabilities } from '../../src-shared/engine/reference/rbf';
import { composedStep } from '../../src-shared/engine/step';
import { normStats } from '../../src-shared/engine/batch';
import { Prng } from '../../src-shared/engine/prng';
import type { Backend } from '../../src-shared/engine/backend';
import { ALL_ARCHITECTURES, mnistTrain, SINGLE_SWITCHES } from './helpers';

const ACT_CODE = { relu: 0, tanh: 1, sigmoid: 2 } as const;
const TENSORS = ['c1.w', 'c1.b', 's2.k', 's2.b', 'c3.w', 'c3.b', 's4.k', 's4.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b', 'out.w', 'out.b'];

/** A kernels instance with a bump allocator over fresh scratch memory. */
function scratch(): { k: KernelExports; alloc: (floats: number) => Float32Array; bytes: (n: number) => Uint8Array } {
  const k = instantiateKernels();
  expect(k.setup(1)).toBeGreaterThan(0);
  let top = (k.scratchPtr() + 63) & ~63;
  k.memory.grow(64);
  const buf = k.memory.buffer;
  return {
    k,
    alloc(floats) { const a = new Float32Array(buf, top, floats); top += (floats * 4 + 64 + 63) & ~63; return a; },
    bytes(n) { const a = new Uint8Array(buf, top, n); top += (n + 64 + 63) & ~63; return a; },
  };
}

/** |got − want| ≤ tol·(|want| + max|want|) per element, naming the first that is not. */
function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= tol * (Math.abs(want[i]) + scale))) expect.fail(`${name}[${i}]: wasm ${got[i]} vs reference ${want[i]} (|diff| ${diff.toExponential(2)}, max ${scale.toExponential(2)})`);
  }
}

function randomFill(a: Float32Array, rng: Prng, scale = 1): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * scale;
  return a;
}

describe('the module lays the parameters out as engine/layout.ts does', () => {
  it('all 36 architectures: every tensor offset and the count', () => {
    for (const arch of ALL_ARCHITECTURES) {
      const k = instantiateKernels();
      expect(k.setup(1, architectureCode(arch))).toBeGreaterThan(0);
      const layout = layoutFor(arch);
      expect(k.paramCountOf(), describeArchitecture(arch)).toBe(layout.count);
      TENSORS.forEach((name, i) => expect(k.tensorOffset(i), `${describeArchitecture(arch)}: ${name}`).toBe(layout.table.find((e) => e.name === name)?.offset ?? -1));
      expect(k.updateChunks()).toBe(Math.ceil(layout.count / 4096));
    }
  });

  it('an unknown architecture code is refused', () => {
    expect(instantiateKernels().setup(1, 3)).toBe(0); // activation 3
    expect(instantiateKernels().setup(1, 12)).toBe(0); // pooling 3
    expect(instantiateKernels().setup(1, 64)).toBe(0);
  });
});

describe('new kernels, tensor by tensor', () => {
  for (const act of ['relu', 'tanh', 'sigmoid'] as const) {
    it(`${act}: values and derivatives (from the output), saturation, NaN, odd lengths`, () => {
      const { k, alloc } = scratch();
      const rng = new Prng(3);
      const n = 1003;
      const x = randomFill(alloc(n), rng, 4);
      x[0] = 0; x[1] = 60; x[2] = -60; x[3] = 1e-3; x[4] = -2e-7; x[5] = NaN; x[6] = 200; x[7] = -200;
      const want = new Float64Array(n);
      activationForward(want, Float64Array.from(x), n, act);
      const y = alloc(n);
      y.set(x);
      k.activateInPlace(y.byteOffset, n, ACT_CODE[act]);
      expect(y[5]).toBeNaN();
      const finite = (a: ArrayLike<number>) => Array.from(a).map((v, i) => (i === 5 ? 0 : v));
      // Within a few float32 ulps of the float64 reference (relative to each value, plus 1e-7 absolute).
      for (let i = 0; i < n; i++) {
        if (i === 5) continue;
        if (!(Math.abs(y[i] - want[i]) <= 3e-7 * Math.abs(want[i]) + 1e-7)) expect.fail(`${act}(${x[i]}): wasm ${y[i]} vs ${want[i]}`);
      }
      const g = randomFill(alloc(n), rng);
      const d = alloc(n), dWant = new Float64Array(n);
      activationBackward(dWant, Float64Array.from(g), Float64Array.from(y), n, act);
      k.activationGrad(d.byteOffset, g.byteOffset, y.byteOffset, n, ACT_CODE[act]);
      expectClose(`${act}'`, finite(d), finite(dWant), 1e-6);
    });
  }

  it('tanh is odd, LeCun\'s f(±1) = ±1, and small inputs keep their relative precision', () => {
    const { k, alloc } = scratch();
    const x = alloc(8);
    x.set([1, -1, 1e-5, -1e-5, 0.3, -0.3, 0.9375, -0.9375]); // 0.9375·2/3 = 0.625: the branch point
    k.activateInPlace(x.byteOffset, 8, 1);
    expect(x[0]).toBeCloseTo(1, 4);
    expect(x[1]).toBe(-x[0]);
    expect(Math.abs(x[2] / (1.7159 * Math.tanh(1e-5 * 2 / 3)) - 1)).toBeLessThan(1e-6);
    expect(x[3]).toBe(-x[2]);
    expect(x[5]).toBe(-x[4]);
    expect(Math.abs(x[6] / (1.7159 * Math.tanh(0.625)) - 1)).toBeLessThan(1e-6);
  });

  it('max-pool without ReLU (negative winners stay) and its winners agree with the reference', () => {
    const { k, alloc, bytes } = scratch();
    const rng = new Prng(4);
    for (const [C, H] of [[6, 28], [16, 10]]) {
      const x = randomFill(alloc(C * H * H), rng);
      for (let i = 0; i < x.length; i += 7) x[i] = 0.5; // ties
      const out = alloc(C * H * H / 4), arg = bytes(C * H * H / 4);
      k.maxPoolForward(out.byteOffset, arg.byteOffset, x.byteOffset, C, H, H);
      const want = new Float32Array(out.length), am = new Int32Array(out.length);
      maxpoolForward(want, am, x, 1, C, H, H);
      expectClose('maxpool', out, want, 0);
      const P = H / 2;
      for (let o = 0; o < out.length; o++) {
        const c = Math.floor(o / (P * P)), py = Math.floor((o % (P * P)) / P), px = o % P;
        const a = arg[o];
        expect(c * H * H + (2 * py + (a >> 1)) * H + 2 * px + (a & 1)).toBe(am[o]);
      }
      expect(Array.from(out).some((v) => v < 0)).toBe(true);
    }
  });

  it('average pooling, subsampling and the dense conv-output gradient', () => {
    const { k, alloc } = scratch();
    const rng = new Prng(5);
    for (const [C, H] of [[6, 28], [16, 10]]) {
      const P = (H * H) / 4;
      for (const act of ['relu', 'tanh', 'sigmoid'] as const) {
        const y = alloc(C * H * H);
        randomFill(y, rng);
        k.activateInPlace(y.byteOffset, y.length, ACT_CODE[act]);
        const avg = alloc(C * P);
        k.avgPoolForward(avg.byteOffset, y.byteOffset, C, H, H);
        const avgWant = new Float64Array(C * P);
        avgpoolForward(avgWant, Float64Array.from(y), 1, C, H, H);
        expectClose(`avgpool C=${C}`, avg, avgWant, 1e-6);

        const kk = randomFill(alloc(C), rng, 0.3), b = randomFill(alloc(C), rng, 0.1);
        for (let c = 0; c < C; c++) kk[c] += 1; // coefficients near 1 (in place: the kernel reads this memory)
        const s = alloc(C * P);
        k.subsampleForward(s.byteOffset, avg.byteOffset, kk.byteOffset, b.byteOffset, C, P, ACT_CODE[act]);
        const pre = new Float64Array(C * P), sWant = new Float64Array(C * P);
        channelScaleForward(pre, Float64Array.from(avg), Float64Array.from(kk), Float64Array.from(b), 1, C, P);
        activationForward(sWant, pre, C * P, act);
        expectClose(`subsample ${act} C=${C}`, s, sWant, 1e-6);

        const ds = randomFill(alloc(C * P), rng);
        const gPool = alloc(C * P), dk = alloc(C).fill(0.5), db = alloc(C).fill(-0.25);
        k.subsampleBackward(gPool.byteOffset, dk.byteOffset, db.byteOffset, ds.byteOffset, s.byteOffset, avg.byteOffset, kk.byteOffset, C, P, ACT_CODE[act]);
        const dpre = new Float64Array(C * P), davg = new Float64Array(C * P), dkW = new Float64Array(C).fill(0.5), dbW = new Float64Array(C).fill(-0.25);
        activationBackward(dpre, Float64Array.from(ds), Float64Array.from(s), C * P, act);
        channelScaleBackward(davg, dkW, dbW, dpre, Float64Array.from(avg), Float64Array.from(kk), 1, C, P);
        expectClose(`subsample' gpool ${act}`, gPool, davg, 1e-5);
        expectClose(`subsample' dk ${act}`, dk, dkW, 1e-5);
        expectClose(`subsample' db ${act}`, db, dbW, 1e-5);

        const gz = alloc(C * H * H);
        k.avgPoolBackward(gz.byteOffset, gPool.byteOffset, y.byteOffset, C, H, H, ACT_CODE[act]);
        const dy = new Float64Array(C * H * H), gzWant = new Float64Array(C * H * H);
        avgpoolBackward(dy, Float64Array.from(gPool), 1, C, H, H);
        activationBackward(gzWant, dy, Float64Array.from(y), C * H * H, act);
        expectClose(`avgpool' ${act} C=${C}`, gz, gzWant, 1e-6);
      }
    }
  });

  it('winner conv backwards against the reference\'s dense conv backward', () => {
    const { k, alloc, bytes } = scratch();
    const rng = new Prng(6);
    // C3-shaped: 16 filters over 6 maps of 14×14 → 10×10; C1-shaped: 6 filters over 1 map of 32×32 → 28×28.
    for (const [F, C, H] of [[16, 6, 14], [6, 1, 32]]) {
      const OH = H - 4, R = C * 25, Pz = OH * OH;
      const x = randomFill(alloc(C * H * H), rng), w = randomFill(alloc(F * R), rng, 0.2);
      const colT = alloc(Pz * R);
      k.im2colT5(colT.byteOffset, x.byteOffset, C, H, H);
      // Winners: g at one position per 2×2 window.
      const g = randomFill(alloc(F * Pz / 4), rng), arg = bytes(F * Pz / 4);
      for (let i = 0; i < arg.length; i++) arg[i] = rng.below(4);
      const dense = new Float64Array(F * Pz);
      const P = OH / 2;
      for (let o = 0; o < g.length; o++) {
        const f = Math.floor(o / (P * P)), py = Math.floor((o % (P * P)) / P), px = o % P;
        dense[f * Pz + (2 * py + (arg[o] >> 1)) * OH + 2 * px + (arg[o] & 1)] = g[o];
      }
      const dwWant = new Float64Array(F * R), dbWant = new Float64Array(F), dxWant = new Float64Array(C * H * H);
      convBackward(C > 1 ? dxWant : null, dwWant, dbWant, dense, Float64Array.from(x), Float64Array.from(w), 1, C, H, H, F, 5);
      const dw = alloc(F * R).fill(0), db = alloc(F).fill(0);
      if (C > 1) {
        const dcolT = alloc(Pz * R).fill(0), dx = alloc(C * H * H).fill(0);
        k.winnerConvBackward(dw.byteOffset, db.byteOffset, dcolT.byteOffset, w.byteOffset, colT.byteOffset, g.byteOffset, arg.byteOffset, F, C, OH, OH);
        k.col2imT5(dx.byteOffset, dcolT.byteOffset, C, H, H);
        expectClose('winner dx', dx, dxWant, 1e-5);
      } else {
        k.winnerWeightGrad25(dw.byteOffset, db.byteOffset, x.byteOffset, H, g.byteOffset, arg.byteOffset, F, OH, OH);
      }
      expectClose(`winner dw F=${F}`, dw, dwWant, 1e-5);
      expectClose(`winner db F=${F}`, db, dbWant, 1e-5);
    }
  });

  it('the RBF output: penalties, probabilities, loss, and dx', () => {
    const { k, alloc, bytes } = scratch();
    const rng = new Prng(7);
    const n = 5;
    const x = randomFill(alloc(n * 84), rng);
    for (let j = 0; j < 84; j++) x[j] = RBF_PROTOTYPES[4 * 84 + j] + 0.05 * x[j]; // image 0 close to class 4: competition matters
    const w = alloc(840);
    w.set(RBF_PROTOTYPES);
    const labels = bytes(n);
    labels.set([4, 1, 7, 0, 9]);
    const pen = alloc(n * 10), probs = alloc(n * 10), q = alloc(n * 10);
    k.rbfForward(pen.byteOffset, x.byteOffset, w.byteOffset, n);
    const loss = k.rbfLoss(probs.byteOffset, q.byteOffset, pen.byteOffset, labels.byteOffset, n, RBF_J) / n;
    const x64 = Float64Array.from(x), w64 = Float64Array.from(RBF_PROTOTYPES);
    const penW = new Float64Array(n * 10), qW = new Float64Array(n * 10), probsW = new Float64Array(n * 10);
    rbfForward(penW, x64, w64, n, 84, 10);
    expectClose('penalties', pen, penW, 1e-6);
    const lossW = rbfLossForward(qW, Float64Array.from(pen), labels, n, 10, RBF_J);
    rbfProbabilities(probsW, Float64Array.from(pen), n, 10);
    expect(Math.abs(loss - lossW)).toBeLessThan(1e-9 * Math.max(1, lossW));
    expectClose('probabilities', probs, probsW, 1e-6);
    expectClose('q', q, qW, 1e-6);
    const dpen = alloc(n * 10), dx = alloc(n * 84);
    k.rbfLossBackward(dpen.byteOffset, q.byteOffset, labels.byteOffset, n, 1 / n);
    k.rbfBackward(dx.byteOffset, dpen.byteOffset, x.byteOffset, w.byteOffset, n);
    const dpenW = new Float64Array(n * 10), dxW = new Float64Array(n * 84);
    rbfLossBackward(dpenW, qW, labels, n, 10);
    rbfBackward(dxW, dpenW, x64, w64, n, 84, 10);
    expectClose('dpen', dpen, dpenW, 1e-6);
    expectClose('rbf dx', dx, dxW, 1e-5);
  });

  it('the affine input gradient through tanh/sigmoid (from the output) and with none', () => {
    const { k, alloc } = scratch();
    const rng = new Prng(8);
    const n = 6, IN = 120, OUT = 84;
    for (const [act, code] of [['tanh', 1], ['sigmoid', 2], ['none', -1]] as const) {
      const x = randomFill(alloc(n * IN), rng);
      if (act !== 'none') k.activateInPlace(x.byteOffset, n * IN, code);
      const w = randomFill(alloc(OUT * IN), rng, 0.1), dy = randomFill(alloc(n * OUT), rng);
      const dx = alloc(n * IN), dw = alloc(OUT * IN).fill(0), db = alloc(OUT).fill(0), scr = alloc(IN * OUT * 2 + n * IN + 64);
      k.affineBackwardAct(dx.byteOffset, dw.byteOffset, db.byteOffset, dy.byteOffset, x.byteOffset, w.byteOffset, n, IN, OUT, 0, scr.byteOffset, code);
      const dxPlain = new Float64Array(n * IN), dwW = new Float64Array(OUT * IN), dbW = new Float64Array(OUT);
      affineBackward(dxPlain, dwW, dbW, Float64Array.from(dy), Float64Array.from(x), Float64Array.from(w), n, IN, OUT);
      let dxW = dxPlain;
      if (act !== 'none') { dxW = new Float64Array(n * IN); activationBackward(dxW, dxPlain, Float64Array.from(x), n * IN, act); }
      expectClose(`affine dx (${act})`, dx, dxW, 1e-5);
      expectClose(`affine dw (${act})`, dw, dwW, 1e-5);
      expectClose(`affine db (${act})`, db, dbW, 1e-5);
    }
  });
});

/** Parameters that exercise every path, LeCun's unconnected kernels 0. */
function randomParams(layout: ParamLayout, rng: Prng): Float32Array {
  const p = new Float32Array(layout.count);
  for (const e of layout.table) {
    const fanIn = e.shape.length === 1 ? 1 : e.size / e.shape[0];
    for (let i = 0; i < e.size; i++) p[e.offset + i] = e.kind === 'weight' ? rng.normal() * Math.sqrt(2 / fanIn) : e.kind === 'bias' ? rng.normal() * 0.1 : 1 + rng.normal() * 0.2;
  }
  const mask = c3Mask(layout.architecture);
  const c3 = layout.table.find((e) => e.name === 'c3.w')!;
  for (let f = 0; f < 96; f++) if (!mask[f]) p.fill(0, c3.offset + f * 25, c3.offset + f * 25 + 25);
  return p;
}

function expectBackendsAgree(wasm: Backend, ref: Backend, x: Float32Array, labels: Uint8Array, n: number, tol: number): void {
  const lw = wasm.trainStep(x, labels, n), lr = ref.trainStep(x, labels, n);
  expect(Math.abs(lw - lr), `loss ${lw} vs ${lr}`).toBeLessThan(tol * Math.max(1, Math.abs(lr)));
  for (const e of ref.layout.table) {
    const g = ref.grads.subarray(e.offset, e.offset + e.size);
    expect(g.some((v) => v !== 0), `reference gradient of ${e.name} is all zero`).toBe(true);
    expectClose(`grad ${e.name}`, wasm.grads.subarray(e.offset, e.offset + e.size), g, tol);
  }
  const pw = new Float32Array(n * 10), pr = new Float32Array(n * 10);
  wasm.predict(x, n, pw);
  ref.predict(x, n, pr);
  expectClose('probabilities', pw, pr, tol);
}

const SWITCHES: Architecture[] = [
  ...SINGLE_SWITCHES,
  { activation: 'sigmoid', pooling: 'subsampling', c3Connections: 'full', output: 'rbf' },
  { activation: 'tanh', pooling: 'average', c3Connections: 'lecun', output: 'softmax' },
];

describe('whole backends on every switch value against the reference', () => {
  const set = mnistTrain(24);
  const norm = normStats('standardize', set, 24);
  const x = new Float32Array(24 * 1024);
  const labels = new Uint8Array(24);
  // Real digits, standardised: many tied windows (the background) and every activation regime.
  for (let i = 0; i < 24; i++) {
    labels[i] = set.labels[i];
    x.fill((0 - norm.mean * 255) / (norm.std * 255), i * 1024, (i + 1) * 1024);
    for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) x[i * 1024 + (r + 2) * 32 + c + 2] = (set.pixels[i * 784 + r * 28 + c] / 255 - norm.mean) / norm.std;
  }
  for (const arch of SWITCHES) {
    it(`${describeArchitecture(arch)}: own-memory and data-parallel backends`, () => {
      const rng = new Prng(architectureCode(arch) + 100);
      const layout = layoutFor(arch);
      const params = randomParams(layout, rng);
      const ref = createReferenceBackend(24, { architecture: arch });
      const own = createWasmBackend(24, arch);
      const par = createParallelBackend(24, { architecture: arch });
      try {
        for (const b of [ref, own, par]) { expect(b.layout).toBe(layout); b.params.set(params); }
        expectBackendsAgree(own, ref, x, labels, 24, 2e-4);
        ref.grads.fill(0);
        expectBackendsAgree(par, ref, x, labels, 24, 2e-4);
        if (arch.c3Connections === 'lecun') {
          const c3 = layout.table.find((e) => e.name === 'c3.w')!, mask = c3Mask(arch);
          for (let f = 0; f < 96; f++) if (!mask[f]) for (let j = 0; j < 25; j++) expect(par.grads[c3.offset + f * 25 + j]).toBe(0);
        }
      } finally {
        par.close();
      }
    });
  }

  it('a few Adam steps with L2: the fused wasm step stays with the step composed from the reference pieces', () => {
    for (const arch of [LENET1998_ARCHITECTURE, { ...DEFAULT_ARCHITECTURE, pooling: 'subsampling' as const }]) {
      const layout = layoutFor(arch);
      const params = randomParams(layout, new Prng(9));
      const ref = createReferenceBackend(24, { architecture: arch });
      const par = createParallelBackend(24, { architecture: arch });
      try {
        ref.params.set(params);
        par.params.set(params);
        const cfg = { optimizer: 'adam' as const, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3, normalization: norm };
        const a = composedStep(ref, cfg), b = par.createStep(cfg);
        for (let s = 0; s < 4; s++) {
          const batch = { set, indices: null, start: 0, n: 24 };
          const la = a.train(batch, 1e-3), lb = b.train(batch, 1e-3);
          expect(Math.abs(la - lb)).toBeLessThan(1e-3 * Math.max(1, la));
        }
        expectClose(`${describeArchitecture(arch)} params after 4 steps`, par.params, ref.params, 1e-3);
        if (arch.c3Connections === 'lecun') {
          const c3 = layout.table.find((e) => e.name === 'c3.w')!, mask = c3Mask(arch);
          for (let f = 0; f < 96; f++) if (!mask[f]) for (let j = 0; j < 25; j++) expect(par.params[c3.offset + f * 25 + j]).toBe(0);
        }
      } finally {
        par.close();
      }
    }
  });
});
