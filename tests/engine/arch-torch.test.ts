// The architecture switches against PyTorch (fixture: scripts/torch_arch_fixture.py): each new
// layer alone (scaled tanh, sigmoid, average pooling, subsampling, LeCun's C3 table, the RBF output
// and its loss), then the whole network for six architectures that cover every switch value —
// the reference backend and the data-parallel wasm backend both, with the same parameters and six
// real MNIST digits: loss, logits (RBF: penalties), every parameter gradient and dx.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { c3Mask, type Architecture } from '../../src-shared/engine/arch';
import { layoutFor, type ParamLayout } from '../../src-shared/engine/layout';
import { RBF_J, RBF_PROTOTYPES } from '../../src-shared/engine/rbf';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { activationForward, activationBackward } from '../../src-shared/engine/reference/activation';
import { avgpoolForward, avgpoolBackward, channelScaleForward, channelScaleBackward } from '../../src-shared/engine/reference/subsampling';
import { convForward, convBackward } from '../../src-shared/engine/reference/conv';
import { rbfForward, rbfBackward, rbfLossForward, rbfLossBackward } from '../../src-shared/engine/reference/rbf';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { BatchWriter } from '../../src-shared/engine/batch';
import type { Backend } from '../../src-shared/engine/backend';
import { mnistTrain } from './helpers';

interface Strided { indices_stride: number; values: number[]; maxAbs: number }
interface NetworkFixture { architecture: Architecture; labels: number[]; loss: number; logits: number[]; grads: Record<string, Strided>; dx: Strided }
interface Fixture {
  rbfJ: number;
  layers: {
    tanh: { x: number[]; upstream: number[]; y: number[]; dx: number[] };
    sigmoid: { x: number[]; upstream: number[]; y: number[]; dx: number[] };
    average: { x: number[]; upstream: number[]; y: number[]; dx: number[] };
    subsampling: { x: number[]; k: number[]; b: number[]; upstream: number[]; y: number[]; dx: number[]; dk: number[]; db: number[] };
    lecunConv: { x: number[]; w: number[]; b: number[]; upstream: number[]; y: number[]; dx: number[]; dw: number[]; db: number[] };
    rbf: { x: number[]; labels: number[]; penalties: number[]; loss: number; dx: number[] };
  };
  networks: NetworkFixture[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/arch-torch.json', import.meta.url), 'utf8')) as Fixture;

/** Every element within tol·max|expected| (+ a floor), naming the first that is not. */
function expectClose(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBeGreaterThanOrEqual(want.length);
  const scale = Math.max(...want.map(Math.abs), 1e-30);
  want.forEach((v, i) => {
    if (!(Math.abs(got[i] - v) <= tol * scale + 1e-9)) throw new Error(`${what}[${i}]: ours ${got[i]}, PyTorch ${v} (tolerance ${tol} × ${scale})`);
  });
}

const f64 = (a: readonly number[]) => Float64Array.from(a);

// PyTorch computed these in float32, our layers in float64: agreement to float32 rounding.
describe('each new layer against PyTorch (float64 reference layers)', () => {
  it('LeCun\'s scaled tanh and the sigmoid: outputs and input gradients', () => {
    for (const kind of ['tanh', 'sigmoid'] as const) {
      const l = fx.layers[kind];
      const y = new Float64Array(l.x.length), dx = new Float64Array(l.x.length);
      activationForward(y, f64(l.x), l.x.length, kind);
      activationBackward(dx, f64(l.upstream), y, l.x.length, kind);
      expectClose(y, l.y, 1e-6, `${kind} y`);
      expectClose(dx, l.dx, 1e-6, `${kind} dx`);
    }
  });

  it('2×2 average pooling', () => {
    const l = fx.layers.average;
    const y = new Float64Array(2 * 3 * 9), dx = new Float64Array(l.x.length);
    avgpoolForward(y, f64(l.x), 2, 3, 6, 6);
    avgpoolBackward(dx, f64(l.upstream), 2, 3, 6, 6);
    expectClose(y, l.y, 1e-6, 'average y');
    expectClose(dx, l.dx, 1e-6, 'average dx');
  });

  it('subsampling: average × coefficient + bias per channel, then tanh', () => {
    const l = fx.layers.subsampling;
    const avg = new Float64Array(54), pre = new Float64Array(54), y = new Float64Array(54);
    avgpoolForward(avg, f64(l.x), 2, 3, 6, 6);
    channelScaleForward(pre, avg, f64(l.k), f64(l.b), 2, 3, 9);
    activationForward(y, pre, 54, 'tanh');
    const dpre = new Float64Array(54), davg = new Float64Array(54), dx = new Float64Array(l.x.length), dk = new Float64Array(3), db = new Float64Array(3);
    activationBackward(dpre, f64(l.upstream), y, 54, 'tanh');
    channelScaleBackward(davg, dk, db, dpre, avg, f64(l.k), 2, 3, 9);
    avgpoolBackward(dx, davg, 2, 3, 6, 6);
    expectClose(y, l.y, 1e-6, 'subsampling y');
    expectClose(dx, l.dx, 1e-6, 'subsampling dx');
    expectClose(dk, l.dk, 1e-6, 'subsampling dk');
    expectClose(db, l.db, 1e-6, 'subsampling db');
  });

  it('a conv with LeCun\'s C3 table (masked kernels zero, no gradient)', () => {
    const l = fx.layers.lecunConv;
    const y = new Float64Array(l.y.length), dx = new Float64Array(l.x.length), dw = new Float64Array(l.w.length), db = new Float64Array(16);
    convForward(y, f64(l.x), f64(l.w), f64(l.b), 2, 6, 8, 8, 16, 5);
    convBackward(dx, dw, db, f64(l.upstream), f64(l.x), f64(l.w), 2, 6, 8, 8, 16, 5);
    const mask = c3Mask({ activation: 'relu', pooling: 'max', c3Connections: 'lecun', output: 'softmax' });
    for (let f = 0; f < 96; f++) if (!mask[f]) dw.fill(0, f * 25, f * 25 + 25);
    expectClose(y, l.y, 1e-6, 'lecun conv y');
    expectClose(dx, l.dx, 1e-6, 'lecun conv dx');
    expectClose(dw, l.dw, 1e-6, 'lecun conv dw');
    expectClose(db, l.db, 1e-6, 'lecun conv db');
  });

  it('the RBF output with the paper\'s loss (j = 1): penalties, loss and dx', () => {
    expect(fx.rbfJ).toBe(RBF_J);
    const l = fx.layers.rbf;
    const n = l.labels.length, x = f64(l.x);
    const pen = new Float64Array(n * 10), q = new Float64Array(n * 10), dpen = new Float64Array(n * 10), dx = new Float64Array(n * 84);
    const w = Float64Array.from(RBF_PROTOTYPES);
    rbfForward(pen, x, w, n, 84, 10);
    const labels = Uint8Array.from(l.labels);
    const loss = rbfLossForward(q, pen, labels, n, 10, RBF_J);
    rbfLossBackward(dpen, q, labels, n, 10);
    rbfBackward(dx, dpen, x, w, n, 84, 10);
    expectClose(pen, l.penalties, 1e-6, 'penalties');
    expect(Math.abs(loss - l.loss)).toBeLessThan(1e-6 * Math.max(1, Math.abs(l.loss)));
    expectClose(dx, l.dx, 1e-6, 'rbf dx');
  });
});

/** The fixture's parameters: the LCG in the layout's order (scripts/torch_arch_fixture.py lcg_params). */
function lcgParams(params: Float32Array, layout: ParamLayout): void {
  let s = 12345;
  for (const e of layout.table) {
    const fanIn = e.shape.length > 1 ? e.size / e.shape[0] : 0;
    for (let i = 0; i < e.size; i++) {
      s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
      const u = ((s % 2001) - 1000) / 1000;
      params[e.offset + i] = e.kind === 'weight' ? u * Math.sqrt(3 / fanIn) : e.kind === 'bias' ? 0.1 * u : 1 + 0.5 * u;
    }
  }
  if (layout.architecture.c3Connections === 'lecun') {
    const c3 = layout.table.find((e) => e.name === 'c3.w')!;
    const mask = c3Mask(layout.architecture);
    for (let f = 0; f < 96; f++) if (!mask[f]) params.fill(0, c3.offset + f * 25, c3.offset + f * 25 + 25);
  }
}

function checkNetwork(net: NetworkFixture, backend: Backend, logits: () => ArrayLike<number> | null, inputGrad: () => ArrayLike<number> | null, tol: number): void {
  const layout = backend.layout;
  lcgParams(backend.params, layout);
  const n = net.labels.length;
  const set = mnistTrain(n);
  expect(Array.from(set.labels)).toEqual(net.labels);
  const w = new BatchWriter(n, { mode: 'scale01', mean: 0, std: 1 });
  w.fillRange(set, 0, n);
  const loss = backend.trainStep(w.x, w.labels, n);
  expect(Math.abs(loss - net.loss), `loss (${loss} vs ${net.loss})`).toBeLessThan(tol * Math.max(1, Math.abs(net.loss)));
  const lg = logits();
  if (lg) expectClose(lg, net.logits, tol, 'logits');
  expect(Object.keys(net.grads)).toEqual(layout.table.map((e) => e.name));
  for (const e of layout.table) {
    const ref = net.grads[e.name];
    const t = tol * ref.maxAbs + 1e-9;
    ref.values.forEach((v, k) => {
      const i = k * ref.indices_stride;
      const got = backend.grads[e.offset + i];
      if (!(Math.abs(got - v) <= t)) throw new Error(`gradient of ${e.name}[${i}]: ours ${got}, PyTorch ${v} (tolerance ${t})`);
    });
  }
  const dx = inputGrad();
  if (dx) {
    const t = tol * net.dx.maxAbs;
    net.dx.values.forEach((v, k) => {
      const i = k * net.dx.indices_stride;
      if (!(Math.abs(dx[i] - v) <= t)) throw new Error(`dx[${i}]: ours ${dx[i]}, PyTorch ${v}`);
    });
  }
}

const archName = (a: Architecture) => `${a.activation}, ${a.pooling}, C3 ${a.c3Connections}, ${a.output}`;

describe('the whole network for every switch value against PyTorch', () => {
  for (const net of fx.networks) {
    it(`reference backend: ${archName(net.architecture)}`, () => {
      const b = createReferenceBackend(net.labels.length, { inputGradient: true, architecture: net.architecture });
      expect(b.params.length).toBe(layoutFor(net.architecture).count);
      checkNetwork(net, b, () => b.activations.logits, () => b.inputGrad, 1e-4);
    });
    it(`wasm backend: ${archName(net.architecture)}`, () => {
      const b = createParallelBackend(net.labels.length, { architecture: net.architecture });
      try {
        // The wasm tanh/exp are within a few float32 ulps of Math's; the tolerance allows for it.
        checkNetwork(net, b, () => null, () => null, 5e-4);
      } finally {
        b.close();
      }
    });
  }
});
