// Training health: parameter statistics on hand-made buffers, dead-ReLU statistics on made-to-die
// networks, the NaN guard, JSON safety, determinism, and the measured cost on a 200-image sample.
import { describe, expect, it } from 'vitest';
import { PARAM_COUNT, paramEntry } from '../../src-shared/engine/layout';
import { createHealthMonitor, firstNonFinite, paramHealth, FLOAT32_MIN_NORMAL, type EpochHealth } from '../../src-shared/engine/inspect/health';
import { mnistTest } from '../engine/helpers';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { LENET1998_ARCHITECTURE } from '../../src-shared/engine/arch';
import { layoutFor } from '../../src-shared/engine/layout';
import { initParams } from '../../src-shared/engine/init';
import { Prng } from '../../src-shared/engine/prng';
import { maxAbsDiff, mnistInputs, mnistStats, randomParams } from './helpers';

const tensor = (h: EpochHealth | ReturnType<typeof paramHealth>, name: string) => {
  const list = Array.isArray(h) ? h : h.tensors;
  const t = list.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  return t;
};
const relu = (h: EpochHealth, layer: string) => {
  const r = h.relus.find((x) => x.layer === layer);
  if (!r) throw new Error(`no layer ${layer}`);
  return r;
};

describe('paramHealth', () => {
  it('computes norms, update ratios, subnormal and zero fractions per tensor', () => {
    const p = new Float32Array(PARAM_COUNT).fill(0.5);
    const c3 = paramEntry('c3.w');
    p[c3.offset] = 0; p[c3.offset + 1] = -0;
    p[c3.offset + 2] = 1e-40; p[c3.offset + 3] = -3e-39; p[c3.offset + 4] = FLOAT32_MIN_NORMAL; // the last one is normal
    const prev = new Float32Array(PARAM_COUNT).fill(0.25);
    const grads = new Float32Array(PARAM_COUNT).fill(2);
    const h = paramHealth(p, prev, grads);
    expect(h.map((t) => t.name)).toEqual(['c1.w', 'c1.b', 'c3.w', 'c3.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b', 'out.w', 'out.b']);
    const t = tensor(h, 'c3.w');
    expect(t).toMatchObject({ layer: 'c3', kind: 'weight', size: 2400, zero: 2, subnormal: 2, nonFinite: 0 });
    expect(t.zeroFraction).toBeCloseTo(2 / 2400, 12);
    expect(t.subnormalFraction).toBeCloseTo(2 / 2400, 12);
    const c1 = tensor(h, 'c1.w'); // 150 values of 0.5, previously 0.25, gradient 2
    expect(c1.norm).toBeCloseTo(0.5 * Math.sqrt(150), 12);
    expect(c1.gradNorm).toBeCloseTo(2 * Math.sqrt(150), 12);
    expect(c1.updateNorm).toBeCloseTo(0.25 * Math.sqrt(150), 12);
    expect(c1.updateRatio).toBeCloseTo(1, 12);
    expect(tensor(h, 'out.b')).toMatchObject({ kind: 'bias', layer: 'out', size: 10 });
  });

  it('reports null where there is no snapshot, no gradient, or a zero previous norm', () => {
    const p = new Float32Array(PARAM_COUNT).fill(1);
    const h = paramHealth(p, null, null);
    expect(h.every((t) => t.gradNorm === null && t.updateNorm === null && t.updateRatio === null)).toBe(true);
    const z = paramHealth(p, new Float32Array(PARAM_COUNT), null);
    expect(tensor(z, 'c1.b').updateRatio).toBeNull();
    expect(tensor(z, 'c1.b').updateNorm).toBeCloseTo(Math.sqrt(6), 12);
  });

  it('counts NaN and Infinity instead of letting them into the norms', () => {
    const p = new Float32Array(PARAM_COUNT).fill(1);
    const f6 = paramEntry('f6.w');
    p[f6.offset + 7] = NaN; p[f6.offset + 8] = Infinity;
    const t = tensor(paramHealth(p, p, p), 'f6.w');
    expect(t.nonFinite).toBe(2);
    expect(t.norm).toBeCloseTo(Math.sqrt(f6.size - 2), 10);
    expect(Number.isFinite(t.gradNorm)).toBe(true);
    expect(firstNonFinite(p)).toEqual({ name: 'f6.w', index: 7, value: NaN });
    expect(firstNonFinite(new Float32Array(PARAM_COUNT))).toBeNull();
  });

  it('refuses buffers of the wrong length', () => {
    expect(() => paramHealth(new Float32Array(5), null, null)).toThrow(/params must hold 61706/);
    expect(() => paramHealth(new Float32Array(PARAM_COUNT), null, new Float32Array(3))).toThrow(/grads/);
  });
});

describe('health monitor', () => {
  const set = mnistTest(200);
  const indices = Array.from({ length: 200 }, (_, i) => i);
  const stats = mnistStats();

  it('sees no dead layer in a random He network, and measures deterministically', () => {
    const mon = createHealthMonitor(set, indices, stats);
    const p = randomParams(3);
    const a = mon.measure(p, null, null);
    const b = mon.measure(p, null, null);
    expect(b).toEqual(a);
    expect(a.finite).toBe(true);
    expect(a.sampleSize).toBe(200);
    for (const r of a.relus) {
      expect(r.allZero, r.layer).toBe(false);
      expect(r.silentImageFraction, r.layer).toBe(0);
      expect(r.zeroFraction, r.layer).toBeGreaterThan(0);
      expect(r.zeroFraction, r.layer).toBeLessThan(1);
    }
    expect(relu(a, 'c1')).toMatchObject({ units: 4704, channels: 6 });
    expect(relu(a, 'c3')).toMatchObject({ units: 1600, channels: 16 });
    expect(relu(a, 'c5')).toMatchObject({ units: 120, channels: 120 });
    expect(relu(a, 'f6')).toMatchObject({ units: 84, channels: 84 });
  });

  it('finds one dead C1 map, and a collapsed network where C3 is all zero', () => {
    const mon = createHealthMonitor(set, indices, stats);
    const p = randomParams(3);
    p[paramEntry('c1.b').offset + 2] = -1e3; // map 2 can never fire
    const h = mon.measure(p, null, null);
    expect(relu(h, 'c1').deadChannels).toBe(1);
    expect(relu(h, 'c1').deadUnits).toBeGreaterThanOrEqual(784);

    // The collapsed run: weights decayed to ~0, biases ≤ 0 — every C3 output is 0 on every image.
    const q = randomParams(3);
    for (const name of ['c3.w', 'c5.w', 'f6.w']) {
      const e = paramEntry(name);
      for (let i = e.offset; i < e.offset + e.size; i++) q[i] *= 1e-39; // subnormal
    }
    for (const name of ['c3.b', 'c5.b', 'f6.b']) {
      const e = paramEntry(name);
      q.fill(-1e-3, e.offset, e.offset + e.size);
    }
    const c = mon.measure(q, null, null);
    for (const l of ['c3', 'c5', 'f6']) {
      expect(relu(c, l), l).toMatchObject({ allZero: true, deadFraction: 1, zeroFraction: 1, silentImageFraction: 1 });
    }
    expect(relu(c, 'c3').deadChannels).toBe(16);
    expect(c.subnormalFraction).toBeGreaterThan(0.9);
  });

  it('raises the NaN guard and stays JSON-safe', () => {
    const mon = createHealthMonitor(set, indices.slice(0, 20), stats);
    const p = randomParams(3);
    p[paramEntry('c5.w').offset] = NaN;
    const grads = new Float32Array(PARAM_COUNT);
    grads[5] = Infinity;
    const h = mon.measure(p, p, grads);
    expect(h).toMatchObject({ finite: false, nonFiniteParams: 1, nonFiniteGrads: 1 });
    expect(h.nonFiniteActivations).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });

  it('measures the gradient of the sample\'s mean loss on its own backend: the reference network\'s over the whole sample, params untouched', () => {
    const n = 120; // not a multiple of the monitor's chunk of 50: the weighting of a short chunk counts
    const mon = createHealthMonitor(set, indices.slice(0, n), stats);
    const p = randomParams(7);
    const before = p.slice();
    const g = mon.gradient(p).slice();
    expect(p).toEqual(before);
    const ref = createReferenceBackend(n);
    ref.params.set(p);
    const { x, set: images } = mnistInputs(n, stats);
    ref.trainStep(x, images.labels, n);
    let scale = 0;
    for (let i = 0; i < PARAM_COUNT; i++) scale = Math.max(scale, Math.abs(ref.grads[i]));
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(g, ref.grads, PARAM_COUNT)).toBeLessThan(1e-5 * scale);
    // measure() reports it per tensor, and again for the same parameters.
    const h = mon.measure(p, null);
    const c3 = paramEntry('c3.w');
    let ss = 0;
    for (let i = c3.offset; i < c3.offset + c3.size; i++) ss += ref.grads[i] ** 2;
    expect(tensor(h, 'c3.w').gradNorm!).toBeCloseTo(Math.sqrt(ss), 5);
    expect(h.tensors.every((t) => t.gradNorm !== null && Number.isFinite(t.gradNorm) && t.gradNorm > 0)).toBe(true);
    expect(h.nonFiniteGrads).toBe(0);
    expect(mon.measure(p, null)).toEqual(h);
    expect(mon.measure(p, null, null).tensors.every((t) => t.gradNorm === null)).toBe(true);
  });

  it('measures the gradient of another architecture over its own tensors (LeCun\'s 1998 network, RBF loss)', () => {
    const layout = layoutFor(LENET1998_ARCHITECTURE);
    const mon = createHealthMonitor(set, indices.slice(0, 60), stats, layout);
    const p = new Float32Array(layout.count);
    initParams(p, 'he', 0.01, new Prng(11), layout);
    const ref = createReferenceBackend(60, { architecture: LENET1998_ARCHITECTURE });
    ref.params.set(p);
    const { x, set: images } = mnistInputs(60, stats);
    ref.trainStep(x, images.labels, 60);
    const h = mon.measure(p, null);
    for (const t of h.tensors) {
      const e = layout.table.find((u) => u.name === t.name)!;
      let ss = 0;
      for (let i = e.offset; i < e.offset + e.size; i++) ss += ref.grads[i] ** 2;
      expect(t.gradNorm!, t.name).toBeCloseTo(Math.sqrt(ss), 4);
    }
    expect(h.relus).toEqual([]);
  });

  it('refuses a bad sample', () => {
    expect(() => createHealthMonitor(set, [], stats)).toThrow(/at least one image/);
    expect(() => createHealthMonitor(set, [200], stats)).toThrow(/outside the set of 200/);
  });

  it('costs a small fraction of an epoch on 200 images (printed)', () => {
    const mon = createHealthMonitor(set, indices, stats);
    const p = randomParams(4), prev = randomParams(5);
    mon.measure(p, prev); // warm-up (JIT)
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      mon.measure(p, prev); // with the sample's gradient, as the worker measures
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[2];
    // One training epoch takes 4–8 s here; 2% of 4 s is 80 ms. Only a gross regression fails
    // (shared CI cores make tight timing asserts flaky); the figure is printed for the record.
    console.log(`health measure on 200 images: median ${median.toFixed(1)} ms (${((median / 4500) * 100).toFixed(2)}% of a 4.5 s epoch)`);
    expect(median).toBeLessThan(1000);
  });
});
