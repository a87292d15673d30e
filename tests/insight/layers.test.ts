// Layer views on the reference layers: the trace of one image matches the reference backend,
// saliency maps pass central-difference checks in pixel space (through padding and
// normalisation), unit explanations add up, and top-activating images match a brute force.
import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { traceImage, TRACE_SHAPES } from '../../src-shared/engine/inspect/trace';
import { saliency, saliencyDifference, type ClassScore } from '../../src-shared/engine/inspect/saliency';
import { explainAffineUnit, explainConvUnit, kernelImages } from '../../src-shared/engine/inspect/explain';
import { topActivating } from '../../src-shared/engine/inspect/topk';
import type { NormStats } from '../../src-shared/engine/batch';
import { Prng } from '../../src-shared/engine/prng';
import { maxRelError } from '../engine/helpers';
import { maxAbsDiff, mnistInputs, mnistStats, randomParams } from './helpers';

const params = randomParams(11);
const stats = mnistStats();
const { x, set } = mnistInputs(100, stats);
const image = (i: number) => set.pixels.subarray(i * 784, (i + 1) * 784);

describe('traceImage', () => {
  it('agrees with the reference backend at every layer', () => {
    const ref = createReferenceBackend(1);
    ref.params.set(params);
    ref.predict(x, 1, new Float32Array(10));
    const t = traceImage(params, image(0), stats);
    const pairs: [Float64Array, Float32Array][] = [
      [t.c1, ref.activations.r1], [t.s2, ref.activations.s2], [t.c3, ref.activations.r3], [t.s4, ref.activations.s4],
      [t.c5, ref.activations.r5], [t.f6, ref.activations.r6], [t.logits, ref.activations.logits], [t.probs, ref.activations.probs],
    ];
    for (const [ours, theirs] of pairs) expect(maxAbsDiff(ours, theirs, ours.length)).toBeLessThan(1e-4);
    expect(t.c1.length).toBe(TRACE_SHAPES.c1.reduce((a, b) => a * b, 1));
    expect(t.predicted).toBe(Array.from(t.probs).indexOf(Math.max(...t.probs)));
  });

  it('refuses wrong sizes', () => {
    expect(() => traceImage(params.subarray(1), image(0), stats)).toThrow(/61706/);
    expect(() => traceImage(params, image(0).subarray(1), stats)).toThrow(/784 pixels/);
  });
});

/** Central differences of a saliency score in pixel space (float64 inputs, no rounding). */
function numericPixelGrad(score: (px: Float64Array) => number, pixels: Float64Array, idx: number[], h: number): number[] {
  return idx.map((i) => {
    const old = pixels[i];
    pixels[i] = old + h;
    const lp = score(pixels);
    pixels[i] = old - h;
    const lm = score(pixels);
    pixels[i] = old;
    return (lp - lm) / (2 * h);
  });
}

/** 30 pixels to check: the 10 with the largest |gradient| and 20 drawn at random. */
function pixelsToCheck(grad: Float64Array, seed: number): number[] {
  const byMag = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a])).slice(0, 10);
  const rng = new Prng(seed);
  return [...byMag, ...Array.from({ length: 20 }, () => rng.below(784))];
}

/**
 * A digit with every pixel nudged by a random real amount: real MNIST images have runs of equal
 * background values, so max-pool windows hold ties, where the network is not differentiable (a
 * nudge changes the winner and the one-sided slopes differ). Central differences need no ties.
 */
function untiedDigit(i: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  return Float64Array.from(image(i), (p) => 0.9 * p + 20 * rng.uniform());
}

describe('saliency', () => {
  const cases: [ClassScore, NormStats['mode']][] = [['logit', 'standardize'], ['logprob', 'standardize'], ['logit', 'center'], ['logprob', 'scale01']];
  it.each(cases)('d(%s)/d(pixel) matches central differences (%s)', (score, mode) => {
    const st = mode === 'standardize' ? stats : mnistStats(mode);
    const px = untiedDigit(3, 41);
    for (const k of [2, 7]) {
      const s = saliency(params, px, st, k, score, 'float64');
      const idx = pixelsToCheck(s.gradient, k);
      const f = (p: Float64Array) => saliency(params, p, st, k, score, 'float64').score;
      const num = numericPixelGrad(f, px, idx, 1e-3);
      expect(maxRelError(idx.map((i) => s.gradient[i]), num, 1e-9), `class ${k}`).toBeLessThan(1e-5);
      expect(s.gradient.some((g) => g !== 0)).toBe(true);
    }
  });

  it('the difference map is the gradient of z_a − z_b and equal for both scores', () => {
    const px = untiedDigit(5, 42);
    const d = saliencyDifference(params, px, stats, 4, 9, 'float64');
    const a = saliency(params, px, stats, 4, 'logit', 'float64').gradient;
    const b = saliency(params, px, stats, 9, 'logit', 'float64').gradient;
    expect(maxAbsDiff(d.gradient, a.map((v, i) => v - b[i]), 784)).toBeLessThan(1e-12);
    const la = saliency(params, px, stats, 4, 'logprob', 'float64').gradient;
    const lb = saliency(params, px, stats, 9, 'logprob', 'float64').gradient;
    expect(maxAbsDiff(d.gradient, la.map((v, i) => v - lb[i]), 784)).toBeLessThan(1e-9);
    expect(d.score).toBeCloseTo(d.trace.logits[4] - d.trace.logits[9], 12);
    const idx = pixelsToCheck(d.gradient, 1);
    const f = (p: Float64Array) => saliencyDifference(params, p, stats, 4, 9, 'float64').score;
    expect(maxRelError(idx.map((i) => d.gradient[i]), numericPixelGrad(f, px, idx, 1e-3), 1e-9)).toBeLessThan(1e-5);
  });

  it('refuses a class outside 0..9 and an unknown score', () => {
    expect(() => saliency(params, image(0), stats, 10)).toThrow(/class 0..9/);
    expect(() => saliencyDifference(params, image(0), stats, 1, -1)).toThrow(/class 0..9/);
    expect(() => saliency(params, image(0), stats, 1, 'margin' as ClassScore)).toThrow(/logit or logprob/);
  });
});

describe('unit explanations', () => {
  const t = traceImage(params, image(1), stats);

  it('a C3 unit is its bias plus the products of its 6×5×5 window and kernel', () => {
    const e = explainConvUnit(params, t, 'c3', 5, 3, 7);
    expect(e.window.length).toBe(150);
    expect(e.window[0]).toBe(t.s2[0 * 196 + 3 * 14 + 7]);
    expect(e.window[25 + 2 * 5 + 4]).toBe(t.s2[1 * 196 + 5 * 14 + 11]);
    const sum = e.products.reduce((a, b) => a + b, 0);
    expect(e.bias + sum).toBeCloseTo(e.preActivation, 10);
    expect(e.perChannel.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 12);
    expect(e.activation).toBe(Math.max(0, e.preActivation));
    expect(e.kernel[0]).toBe(params[150 + 6 + 5 * 150]); // c3.w starts after c1.w (150) and c1.b (6)
  });

  it('a C1 unit reads the padded input', () => {
    const e = explainConvUnit(params, t, 'c1', 2, 27, 0);
    expect(e.inputChannels).toBe(1);
    expect(e.window[0]).toBe(t.input[27 * 32]);
    expect(e.bias + e.products.reduce((a, b) => a + b, 0)).toBeCloseTo(e.preActivation, 10);
  });

  it('an F6 unit is its bias plus the products of its 120 inputs, largest first', () => {
    const e = explainAffineUnit(params, t, 'f6', 17);
    expect(e.inputs.length).toBe(120);
    expect(e.bias + e.products.reduce((a, b) => a + b, 0)).toBeCloseTo(e.preActivation, 10);
    for (let i = 1; i < e.order.length; i++) expect(Math.abs(e.products[e.order[i - 1]])).toBeGreaterThanOrEqual(Math.abs(e.products[e.order[i]]));
    expect(explainAffineUnit(params, t, 'out', 3).activation).toBe(t.logits[3]);
  });

  it('refuses units out of range', () => {
    expect(() => explainConvUnit(params, t, 'c3', 16, 0, 0)).toThrow(/c3 channel/);
    expect(() => explainConvUnit(params, t, 'c1', 0, 28, 0)).toThrow(/y must be/);
    expect(() => explainAffineUnit(params, t, 'c5', 120)).toThrow(/c5 unit/);
  });

  it('kernel images carry their shape and a shared colour scale', () => {
    const k = kernelImages(params, 'c3');
    expect(k.shape).toEqual([16, 6, 5, 5]);
    expect(k.data.length).toBe(2400);
    expect(k.absMax).toBe(Math.max(...Array.from(k.data, Math.abs)));
  });
});

describe('topActivating', () => {
  it('ranks images like a brute force over traces', () => {
    const n = 60;
    const traces = Array.from({ length: n }, (_, i) => traceImage(params, image(i), stats));
    const [c3, f6] = topActivating(params, set, stats, [{ layer: 'c3', channel: 4 }, { layer: 'f6', unit: 10 }], 5, Array.from({ length: n }, (_, i) => i));
    const brute = (v: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ index: i, activation: v(i) }))
      .sort((a, b) => b.activation - a.activation || a.index - b.index).slice(0, 5);
    const c3Max = (i: number) => Math.max(...traces[i].c3.subarray(400, 500));
    expect(c3.map((r) => r.index)).toEqual(brute(c3Max).map((r) => r.index));
    c3.forEach((r) => expect(r.activation).toBeCloseTo(c3Max(r.index), 4));
    expect(f6.map((r) => r.index)).toEqual(brute((i) => traces[i].f6[10]).map((r) => r.index));
  });

  it('keeps the lower index on ties, handles k above the count, and checks its arguments', () => {
    const dead = params.slice();
    dead.fill(0, 150, 156); // c1.b
    dead.fill(0, 0, 150); // c1.w: every C1 output is exactly 0
    const r = topActivating(dead, set, stats, [{ layer: 'c1', channel: 0 }], 3, [9, 4, 7]);
    expect(r[0]).toEqual([{ index: 4, activation: 0 }, { index: 7, activation: 0 }, { index: 9, activation: 0 }]);
    expect(topActivating(params, set, stats, [{ layer: 'c5', unit: 0 }], 10, [1, 2])[0]).toHaveLength(2);
    expect(() => topActivating(params, set, stats, [{ layer: 'c3', channel: 16 }], 3)).toThrow(/16 channels/);
    expect(() => topActivating(params, set, stats, [{ layer: 'f6', unit: 0 }], 0)).toThrow(/k must be/);
    expect(() => topActivating(params, set, stats, [{ layer: 'f6', unit: 0 }], 1, [100])).toThrow(/outside the set/);
  });
});
