// The parallel backend's new kernels and its whole step on one thread, against the plain
// TypeScript reference: batch assembly from bytes (BatchWriter), the shard reduction
// (engine/shards.ts sumShards), L2 + SGD / momentum / Adam (engine/regularize.ts, engine/optim.ts)
// bit for bit; the sharded gradient against the reference LeNet-5; the fused step against the
// same step composed from those pieces; PyTorch's optimiser fixtures; bad input.
// Several threads: threads.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src-shared/engine/wasm/kernels';
import { createParallelBackend, type ParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { BatchWriter, lookupTable, normStats, type NormStats } from '../../src-shared/engine/batch';
import { createOptimizer } from '../../src-shared/engine/optim';
import { addL2 } from '../../src-shared/engine/regularize';
import { SHARD_COUNT, UPDATE_CHUNK, shardStart, sumShards } from '../../src-shared/engine/shards';
import { createTrainer } from '../../src-shared/engine/solver';
import type { StepConfig } from '../../src-shared/engine/step';
import { PARAM_COUNT, PARAM_TABLE } from '../../src-shared/engine/layout';
import { Prng } from '../../src-shared/engine/prng';
import type { TrainConfig } from '../../src-shared/engine/types';
import { expectSameBits, mnistTrain, smallConfig } from './helpers';

const IMG = 1024;
const set = mnistTrain(120);

/** He-like random parameters (every path carries signal). */
function randomParams(rng: Prng): Float32Array {
  const p = new Float32Array(PARAM_COUNT);
  for (const e of PARAM_TABLE) {
    const s = e.shape.length === 1 ? 0.1 : Math.sqrt(2 / (e.size / e.shape[0]));
    for (let i = 0; i < e.size; i++) p[e.offset + i] = rng.normal() * s;
  }
  return p;
}

/** Gradient-like values over many magnitudes, zeros and subnormals included. */
function randomGrads(rng: Prng, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.below(10);
    g[i] = r === 0 ? 0 : r === 1 ? (rng.uniform() - 0.5) * 2e-38 : rng.normal() * 10 ** -rng.below(12);
  }
  return g;
}

function stepConfig(over: Partial<StepConfig> = {}): StepConfig {
  return { optimizer: 'adam', momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, normalization: { mode: 'scale01', mean: 0, std: 1 }, ...over };
}

/** Own-memory kernels with a bump allocator past setup's buffers. */
function scratch(mib = 4) {
  const k = instantiateKernels();
  expect(k.setup(1)).toBeGreaterThan(0);
  let top = (k.scratchPtr() + 63) & ~63;
  k.memory.grow(mib * 16);
  const buf = k.memory.buffer;
  const take = (bytes: number): number => {
    const at = top;
    top += (bytes + 63) & ~63;
    return at;
  };
  return { k, buf, take };
}

describe('batch assembly in the module (assembleImages) against BatchWriter', () => {
  const cases: [string, NormStats][] = [
    ['standardize', normStats('standardize', set, 100)],
    ['scale01', normStats('scale01', set, 100)],
    ['center (mean image)', normStats('center', set, 100)],
  ];
  for (const [name, stats] of cases) {
    it(`${name}: the same bits, padding included`, () => {
      const n = 7;
      const indices = [5, 0, 99, 42, 42, 17, 63];
      const w = new BatchWriter(n, stats);
      w.fill(set, indices, 0, n);
      const { k, buf, take } = scratch();
      const x = take(n * IMG * 4), src = take(n * 784), lut = take(1024), mean = take(784 * 4);
      new Float32Array(buf, x, n * IMG).fill(12345.5); // every float must be written
      indices.forEach((idx, i) => new Uint8Array(buf, src + i * 784, 784).set(set.pixels.subarray(idx * 784, (idx + 1) * 784)));
      new Float32Array(buf, lut, 256).set(lookupTable(stats));
      if (stats.meanImage) new Float32Array(buf, mean, 784).set(stats.meanImage);
      k.assembleImages(x, src, n, lut, stats.meanImage ? mean : 0);
      expectSameBits(new Float32Array(buf, x, n * IMG), w.x, `${name} images`);
    });
  }
});

describe('the shard reduction against engine/shards.ts sumShards', () => {
  for (const n of [200, 5, 1, 13]) {
    it(`batch of ${n}: Σ of the non-empty shards in order, flushed (grads accumulate, or start from 0)`, () => {
      const rng = new Prng(n);
      const { k, buf, take } = scratch(8);
      const len = PARAM_COUNT, stride = ((len * 4 + 63) & ~63);
      const grads = take(len * 4), shards = take(stride * SHARD_COUNT), params = take(len * 4);
      const shardArrays = Array.from({ length: SHARD_COUNT }, (_, s) => new Float32Array(buf, shards + s * stride, len));
      for (const a of shardArrays) a.set(randomGrads(rng, len));
      const start = randomGrads(rng, len);
      const g = new Float32Array(buf, grads, len);
      const used = k.usedShards(n);
      for (let s = 0; s < SHARD_COUNT; s++) expect(Boolean(used & (1 << s)), `shard ${s} used`).toBe(shardStart(n, s + 1) > shardStart(n, s));
      for (const accumulate of [true, false]) {
        g.set(accumulate ? start : new Float32Array(len));
        const want = g.slice();
        sumShards(want, shardArrays, n);
        // MODE_REDUCE (0) over every chunk: grads += Σ shards, no update
        for (let lo = 0; lo < len; lo += UPDATE_CHUNK) k.updateRange(lo, Math.min(len, lo + UPDATE_CHUNK), 0, params, grads, shards, stride, used, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        expectSameBits(g, want, `reduction, ${accumulate ? 'accumulating' : 'from zero'}`);
      }
    });
  }
});

describe('the optimiser update in the module against engine/optim.ts + engine/regularize.ts, bit for bit', () => {
  const variants: [string, Partial<StepConfig>][] = [
    ['adam', {}],
    ['adam with L2', { weightDecay: 1e-3 }],
    ['adam, β 0.8/0.99, ε 1e-6, L2', { beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 5e-4 }],
    ['sgd', { optimizer: 'sgd' }],
    ['sgd with momentum and L2', { optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-3 }],
  ];
  for (const [name, over] of variants) {
    it(`${name}: parameters and state after 5 steps at changing rates`, () => {
      const cfg = stepConfig(over);
      const rng = new Prng(9);
      const b = createParallelBackend(8);
      b.createStep(cfg); // binds the optimiser state (zeroed)
      const params = randomParams(rng);
      params[7] = 3e-38; // near FLT_MIN: the update may land in the subnormal range
      params[200] = -1.3e-38;
      b.params.set(params);
      const ref = createOptimizer(PARAM_COUNT, cfg);
      const rp = params.slice(), rg = new Float32Array(PARAM_COUNT);
      const lrs = [1e-3, 1e-3, 8e-4, 0.5, 1e-2];
      lrs.forEach((lr, s) => {
        const g = randomGrads(rng, PARAM_COUNT);
        b.grads.set(g);
        rg.set(g);
        const l2 = b.optimizerStep(cfg, s + 1, lr);
        const rl2 = cfg.weightDecay > 0 ? addL2(rp, rg, cfg.weightDecay) : 0;
        ref.step(rp, rg, lr);
        expectSameBits(b.params, rp, `${name} params after step ${s + 1}`);
        expect(b.grads.every((v) => v === 0), 'the step zeroes the gradients').toBe(true);
        expect(Math.abs(l2 - rl2)).toBeLessThanOrEqual(1e-12 * Math.abs(rl2)); // summed per chunk, then over chunks
      });
      const st = ref.state();
      if (st.buffers[0]) expectSameBits(b.optA, st.buffers[0], `${name} state buffer 1`);
      if (st.buffers[1]) expectSameBits(b.optB, st.buffers[1], `${name} state buffer 2`);
    });
  }
});

interface TorchCase {
  name: string;
  optimizer: 'sgd' | 'adam';
  momentum?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  params0: number[];
  grads: number[][];
  lrs: number[];
  after: number[][];
}

describe('the optimiser update in the module against PyTorch (tests/fixtures/optim-torch.json)', () => {
  const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim-torch.json', import.meta.url), 'utf8')) as { cases: TorchCase[] };
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const cfg = stepConfig({ optimizer: c.optimizer, momentum: c.momentum ?? 0, beta1: c.beta1 ?? 0.9, beta2: c.beta2 ?? 0.999, epsilon: c.epsilon ?? 1e-8 });
      const b = createParallelBackend(1);
      b.createStep(cfg);
      b.params.set(c.params0);
      c.lrs.forEach((lr, s) => {
        b.grads.set(c.grads[s]);
        b.optimizerStep(cfg, s + 1, lr);
        c.after[s].forEach((want, i) => {
          const tol = 2e-6 * Math.max(1, Math.abs(want));
          if (!(Math.abs(b.params[i] - want) <= tol)) throw new Error(`${c.name} step ${s + 1} param[${i}]: got ${b.params[i]}, PyTorch has ${want}`);
        });
      });
    });
  }
});

describe('the sharded gradient against the reference LeNet-5', () => {
  for (const n of [1, 3, 8, 25, 30]) {
    it(`n=${n} (${Math.min(n, SHARD_COUNT)} non-empty shards): loss and every gradient tensor`, () => {
      const rng = new Prng(20 + n);
      const params = randomParams(rng);
      const w = new BatchWriter(32, normStats('standardize', set, 100));
      w.fill(set, Array.from({ length: n }, () => rng.below(120)), 0, n);
      const par = createParallelBackend(32), ref = createReferenceBackend(32);
      par.params.set(params);
      ref.params.set(params);
      const lp = par.trainStep(w.x, w.labels, n), lr = ref.trainStep(w.x, w.labels, n);
      expect(Math.abs(lp - lr), `loss ${lp} vs ${lr}`).toBeLessThanOrEqual(1e-5 * Math.abs(lr));
      for (const e of PARAM_TABLE) {
        let scale = 0;
        for (let i = e.offset; i < e.offset + e.size; i++) scale = Math.max(scale, Math.abs(ref.grads[i]));
        for (let i = e.offset; i < e.offset + e.size; i++) {
          if (!(Math.abs(par.grads[i] - ref.grads[i]) <= 1e-4 * (Math.abs(ref.grads[i]) + scale))) {
            expect.fail(`grad ${e.name}[${i - e.offset}]: parallel ${par.grads[i]} vs reference ${ref.grads[i]}`);
          }
        }
      }
      // predict agrees too
      const pp = new Float32Array(n * 10), pr = new Float32Array(n * 10);
      par.predict(w.x, n, pp);
      ref.predict(w.x, n, pr);
      for (let i = 0; i < n * 10; i++) expect(Math.abs(pp[i] - pr[i])).toBeLessThan(1e-5);
    });
  }

  it('trainStep ADDS into grads, and the same batch in a bigger backend gives the same bits', () => {
    const rng = new Prng(31);
    const params = randomParams(rng);
    const w = new BatchWriter(10, normStats('scale01', set, 100));
    w.fillRange(set, 3, 10);
    const a = createParallelBackend(10), b = createParallelBackend(64);
    a.params.set(params);
    b.params.set(params);
    const la = a.trainStep(w.x, w.labels, 10);
    const once = a.grads.slice();
    expect(b.trainStep(w.x, w.labels, 10)).toBe(la);
    expectSameBits(b.grads, once, 'grads in a bigger backend');
    a.trainStep(w.x, w.labels, 10);
    // grads + shard_0 + shard_1 + … (not grads + Σ shards): twice the gradient up to float32
    // rounding, which shards that cancel each other make relative to the tensor's scale.
    for (const e of PARAM_TABLE) {
      let scale = 0;
      for (let i = e.offset; i < e.offset + e.size; i++) scale = Math.max(scale, Math.abs(once[i]));
      for (let i = e.offset; i < e.offset + e.size; i++) {
        if (!(Math.abs(a.grads[i] - 2 * once[i]) <= 1e-5 * scale)) expect.fail(`${e.name}[${i - e.offset}] after two steps: ${a.grads[i]}, once ${once[i]}`);
      }
    }
  });
});

describe('the fused step against the same step composed from the tested pieces', () => {
  const variants: [string, Partial<TrainConfig>][] = [
    ['adam, L2, center, shuffle', { optimizer: 'adam', weightDecay: 1e-3, normalization: 'center', sampling: 'shuffle', init: 'normal', initStd: 0.01 }],
    ['sgd with momentum, standardize, bootstrap', { optimizer: 'sgd', momentum: 0.9, learningRate: 0.01, sampling: 'bootstrap' }],
    ['plain sgd, scale01, sequential with a short last batch', { optimizer: 'sgd', momentum: 0, learningRate: 0.05, normalization: 'scale01', batchSize: 7 }],
  ];
  for (const [name, over] of variants) {
    it(`${name}: identical parameters, optimiser state and losses`, () => {
      const cfg = smallConfig({ epochs: 2, batchSize: 12, trainSubset: 60, validationSize: 20, trainEvalSize: 15, ...over });
      const fused = createParallelBackend(32);
      const piecesBackend = createParallelBackend(32);
      // Without createStep the solver composes the step: BatchWriter → trainStep → addL2 → optimiser.
      const pieces: ParallelBackend = { ...piecesBackend, createStep: undefined as unknown as ParallelBackend['createStep'] };
      const a = createTrainer(cfg, set, fused), b = createTrainer(cfg, set, pieces);
      while (!a.done) {
        const ia = a.step(), ib = b.step();
        expect(Math.abs(ia.loss - ib.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(ib.loss));
        expectSameBits(a.params, b.params, `${name}: params after iteration ${ia.iteration}`);
        if (ia.epochEnd) {
          expect(ia.epochEnd.valAccuracy).toBe(ib.epochEnd!.valAccuracy);
          expect(ia.epochEnd.trainLoss).toBe(ib.epochEnd!.trainLoss); // predict from bytes = predict from BatchWriter floats
        }
      }
      const test = { ...set, count: 40, pixels: set.pixels.subarray(0, 40 * 784), labels: set.labels.subarray(0, 40) };
      expectSameBits(a.evaluate(test).probabilities, b.evaluate(test).probabilities, 'test probabilities');
    });
  }
});

describe('bad input', () => {
  it('refuses bad sizes, thread counts and batches with a clear message', () => {
    for (const m of [0, -3, 1.5, 65537, NaN]) expect(() => createParallelBackend(m)).toThrow(/maxBatch must be a whole number between 1 and 65536/);
    for (const t of [0, -1, 257, 2.5]) expect(() => createParallelBackend(4, { threads: t })).toThrow(/threads must be a whole number between 1 and 256/);
    expect(() => createParallelBackend(4, { threads: 2 })).toThrow(/need a pool/);
    const b = createParallelBackend(4);
    b.params.set(randomParams(new Prng(1)));
    const before = b.params.slice();
    const step = b.createStep(stepConfig({ normalization: normStats('standardize', set, 100) }));
    expect(() => b.createStep(stepConfig())).toThrow(/one backend per trainer/);
    const probs = new Float32Array(40);
    const bad: [() => unknown, RegExp][] = [
      [() => step.train({ set, indices: [0, 1, 120, 2], start: 0, n: 4 }, 1e-3), /Image index 120 is outside the set of 120/],
      [() => step.train({ set, indices: null, start: 118, n: 4 }, 1e-3), /Image index 121 is outside/],
      [() => step.train({ set, indices: null, start: 0, n: 5 }, 1e-3), /5 images do not fit the batch buffer of 4/],
      [() => step.train({ set, indices: null, start: 0, n: 4 }, 0), /learning rate must be a positive number/],
      [() => step.train({ set: { ...set, rows: 27 }, indices: null, start: 0, n: 4 }, 1e-3), /28×28/],
      [() => step.train({ set: { ...set, labels: Uint8Array.from(set.labels, (v, i) => (i === 2 ? 10 : v)) }, indices: null, start: 0, n: 4 }, 1e-3), /label 10 at position 2/],
      [() => step.predict({ set, indices: null, start: 0, n: 4 }, new Float32Array(39)), /probs must be a Float32Array of at least n·10 = 40/],
      [() => b.trainStep(new Float32Array(4 * IMG), new Uint8Array([1, 2, 3, 11]), 4), /label 11 at position 3/],
      [() => b.predict(new Float32Array(3 * IMG), 4, probs), /x must be a Float32Array of at least/],
      [() => b.optimizerStep(stepConfig(), 0, 1e-3), /t must be a whole number ≥ 1/],
      [() => b.probe(0, 1), /count must be/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(message);
      expectSameBits(b.params, before, 'params after a refused call');
    }
    expect(step.optimizerState().t).toBe(0);
  });
});
