// Optimiser steps against PyTorch's (golden fixtures written by scripts/torch_optim_fixtures.py),
// step by step over several steps with a changing learning rate; Adam's bias correction
// checked on its own; state round trip; bad input refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAdam, createOptimizer, createSgd } from '../../src-shared/engine/optim';

interface Case {
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
  state: { velocity?: number[]; m?: number[]; v?: number[]; t?: number };
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim-torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

function expectClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = 2e-6 * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, PyTorch has ${expected[i]}`);
    }
  }
}

describe('optimisers against PyTorch', () => {
  expect(fixtures.cases.length).toBeGreaterThanOrEqual(4);
  for (const c of fixtures.cases) {
    it(`${c.name}: parameters after each of ${c.lrs.length} steps, and the final state`, () => {
      const n = c.params0.length;
      const opt = createOptimizer(n, {
        optimizer: c.optimizer, momentum: c.momentum ?? 0, beta1: c.beta1 ?? 0.9, beta2: c.beta2 ?? 0.999, epsilon: c.epsilon ?? 1e-8,
      });
      const params = Float32Array.from(c.params0);
      const grads = new Float32Array(n);
      for (let s = 0; s < c.lrs.length; s++) {
        grads.set(c.grads[s]);
        opt.step(params, grads, c.lrs[s]);
        expectClose(params, c.after[s], `${c.name} step ${s + 1} param`);
        expect(grads.every((g) => g === 0), 'step zeroes the gradients').toBe(true);
      }
      const st = opt.state();
      expect(st.t).toBe(c.lrs.length);
      if (c.state.velocity) expectClose(st.buffers[0], c.state.velocity, 'velocity');
      if (c.state.m) {
        expectClose(st.buffers[0], c.state.m, 'm');
        expectClose(st.buffers[1], c.state.v!, 'v');
        expect(st.t).toBe(c.state.t);
      }
    });
  }
});

describe('Adam bias correction (independent of the fixtures)', () => {
  it('divides by the corrections: the first step moves each weight by about lr·sign(g)', () => {
    const opt = createAdam(3, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const p = new Float32Array([1, 1, 1]);
    opt.step(p, new Float32Array([0.5, -2e-3, 1e-4]), 0.01);
    // m̂ = g, v̂ = g² → step = lr·g/(|g| + ε); multiplying instead would give ≈ lr·0.1/√0.001·sign ≈ 3.2·lr
    expect(p[0]).toBeCloseTo(1 - 0.01, 6);
    expect(p[1]).toBeCloseTo(1 + 0.01, 6);
    expect(p[2]).toBeCloseTo(1 - 0.01 * 1e-4 / (1e-4 + 1e-8), 6);
  });

  it('matches the textbook formula in float64 over 5 steps', () => {
    const b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 1e-3;
    const gs = [0.3, -0.1, 0.05, 0.2, -0.4];
    const opt = createAdam(1, { beta1: b1, beta2: b2, epsilon: eps });
    const p = new Float32Array([0.5]);
    let pr = 0.5, m = 0, v = 0;
    gs.forEach((g, k) => {
      const t = k + 1;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const mh = m / (1 - b1 ** t), vh = v / (1 - b2 ** t);
      pr -= lr * mh / (Math.sqrt(vh) + eps);
      opt.step(p, new Float32Array([g]), lr);
      expect(p[0]).toBeCloseTo(pr, 6);
    });
  });
});

describe('optimiser state and input checks', () => {
  it('a restored state continues bit-identically', () => {
    for (const make of [() => createAdam(5, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }), () => createSgd(5, { momentum: 0.9 })]) {
      const a = make(), b = make();
      const pa = new Float32Array([1, 2, 3, 4, 5]), g = new Float32Array(5);
      const feed = (o: typeof a, p: Float32Array, k: number) => { for (let i = 0; i < 5; i++) g[i] = Math.sin(k * 7 + i); o.step(p, g, 0.01); };
      for (let k = 0; k < 3; k++) feed(a, pa, k);
      const snap = a.state();
      b.setState({ name: snap.name, t: snap.t, buffers: snap.buffers.map((x) => x.slice()) });
      const pb = pa.slice();
      for (let k = 3; k < 6; k++) { feed(a, pa, k); feed(b, pb, k); }
      expect(Array.from(pb)).toEqual(Array.from(pa));
      expect(b.t).toBe(a.t);
    }
  });

  it('refuses bad input with a clear message and changes nothing', () => {
    const opt = createAdam(3, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const p = new Float32Array([1, 2, 3]), g = new Float32Array([1, 1, 1]);
    expect(() => opt.step(p, g, 0)).toThrow(/learning rate/);
    expect(() => opt.step(p, g, NaN)).toThrow(/learning rate/);
    expect(() => opt.step(new Float32Array(2), g, 0.1)).toThrow(/3 floats/);
    expect(Array.from(p)).toEqual([1, 2, 3]);
    expect(Array.from(g)).toEqual([1, 1, 1]);
    expect(opt.t).toBe(0);
    expect(() => opt.setState({ name: 'sgd', t: 0, buffers: [] })).toThrow(/not "adam"/);
    expect(() => opt.setState({ name: 'adam', t: 1, buffers: [new Float32Array(3)] })).toThrow(/2 buffers/);
    expect(() => opt.setState({ name: 'adam', t: -1, buffers: [new Float32Array(3), new Float32Array(3)] })).toThrow(/t must be/);
    expect(() => createSgd(3, { momentum: 1 })).toThrow(/momentum/);
    expect(() => createAdam(3, { beta1: 1, beta2: 0.999, epsilon: 1e-8 })).toThrow(/beta1/);
    expect(() => createOptimizer(3, { optimizer: 'rmsprop' as 'adam', momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })).toThrow(/Unknown optimizer/);
  });
});
