// The whole reference LeNet-5: a finite-difference gradient check in float64 for a sample of
// every parameter tensor and for dx; the float32 backend agrees with it; bad input is refused.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src-shared/engine/prng';
import { PARAM_COUNT, PARAM_TABLE } from '../../src-shared/engine/layout';
import { createReferenceBackend, createReferenceModel64 } from '../../src-shared/engine/reference/lenet';
import { expectSameBits, maxRelError, numericGrad } from './helpers';

/** He-style random parameters (biases small but non-zero, so their gradients are exercised). */
function randomParams(buf: Float32Array | Float64Array, seed: number): void {
  const rng = new Prng(seed);
  for (const e of PARAM_TABLE) {
    const fanIn = e.shape.length === 1 ? 1 : e.size / e.shape[0];
    const std = e.shape.length === 1 ? 0.05 : Math.sqrt(2 / fanIn);
    for (let i = 0; i < e.size; i++) buf[e.offset + i] = rng.normal() * std;
  }
}

function randomInput(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const x = new Float64Array(n * 1024);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

describe('reference LeNet-5', () => {
  it('has the spec\'s 61,706 parameters', () => {
    expect(PARAM_COUNT).toBe(61706);
    const b = createReferenceBackend(2);
    expect(b.params.length).toBe(61706);
    expect(b.grads.length).toBe(61706);
  });

  it('gradients of every tensor and of x match central differences (float64)', () => {
    const n = 3;
    const m = createReferenceModel64(n, { inputGradient: true });
    randomParams(m.params, 21);
    const x = randomInput(n, 22);
    const labels = new Uint8Array([7, 1, 4]);
    m.trainStep(x, labels, n);
    const analyticParams = m.grads.slice();
    const analyticX = m.inputGrad!.slice(0, n * 1024);
    const loss = () => m.trainStep(x, labels, n); // (adds into grads; we only read the loss)

    const rng = new Prng(23);
    for (const e of PARAM_TABLE) {
      const idx = Array.from({ length: Math.min(8, e.size) }, () => e.offset + rng.below(e.size));
      const err = maxRelError(idx.map((i) => analyticParams[i]), numericGrad(m.params, loss, idx, 1e-6), 1e-7);
      expect(err, `gradient of ${e.name}`).toBeLessThan(1e-5);
    }
    const xi = Array.from({ length: 30 }, () => rng.below(n * 1024));
    expect(maxRelError(xi.map((i) => analyticX[i]), numericGrad(x, loss, xi, 1e-6), 1e-7), 'gradient of x').toBeLessThan(1e-5);
  });

  it('the float32 backend computes the same loss and gradients as the float64 model', () => {
    const n = 4;
    const m = createReferenceModel64(n);
    const b = createReferenceBackend(n);
    randomParams(m.params, 31);
    randomParams(b.params, 31);
    const x64 = randomInput(n, 32);
    const labels = new Uint8Array([0, 9, 5, 5]);
    const l64 = m.trainStep(x64, labels, n);
    const l32 = b.trainStep(Float32Array.from(x64), labels, n);
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-5 * Math.max(1, l64));
    let num = 0, den = 0;
    for (let i = 0; i < PARAM_COUNT; i++) { num += (b.grads[i] - m.grads[i]) ** 2; den += m.grads[i] ** 2; }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
  });

  it('adds into grads across steps (only the optimiser zeroes them)', () => {
    const b = createReferenceBackend(2);
    randomParams(b.params, 41);
    const x = Float32Array.from(randomInput(2, 42));
    const labels = new Uint8Array([3, 8]);
    b.trainStep(x, labels, 2);
    const g1 = b.grads.slice();
    b.trainStep(x, labels, 2);
    for (let i = 0; i < PARAM_COUNT; i += 97) expect(b.grads[i]).toBeCloseTo(2 * g1[i], 5);
  });

  it('uses only the first n images of a larger batch buffer', () => {
    const b = createReferenceBackend(4);
    randomParams(b.params, 51);
    const x = Float32Array.from(randomInput(4, 52));
    const labels = new Uint8Array([1, 2, 3, 4]);
    const lossA = b.trainStep(x, labels, 2);
    x.fill(1e6, 2048); // images 2 and 3 are garbage now
    labels[2] = 200; // and so is a label beyond n
    b.grads.fill(0);
    const lossB = b.trainStep(x, labels, 2);
    expect(lossB).toBe(lossA);
  });

  it('predict gives probabilities that sum to 1, equal to trainStep\'s forward', () => {
    const b = createReferenceBackend(3);
    randomParams(b.params, 61);
    const x = Float32Array.from(randomInput(3, 62));
    const probs = new Float32Array(30);
    b.predict(x, 3, probs);
    for (let n = 0; n < 3; n++) {
      let s = 0;
      for (let k = 0; k < 10; k++) s += probs[n * 10 + k];
      expect(s).toBeCloseTo(1, 5);
    }
    const labels = new Uint8Array([0, 1, 2]);
    const loss = b.trainStep(x, labels, 3);
    const expected = -(Math.log(probs[0]) + Math.log(probs[11]) + Math.log(probs[22])) / 3;
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('refuses bad input with a clear message and changes nothing', () => {
    const b = createReferenceBackend(2);
    randomParams(b.params, 71);
    const before = b.params.slice();
    const x = new Float32Array(2048);
    expect(() => b.trainStep(x, new Uint8Array([1, 2]), 3)).toThrow(/maxBatch 2/);
    expect(() => b.trainStep(x, new Uint8Array([1, 2]), 0)).toThrow(/between 1 and maxBatch/);
    expect(() => b.trainStep(x, new Uint8Array([1, 2]), 1.5)).toThrow(/whole number/);
    expect(() => b.trainStep(new Float32Array(1000), new Uint8Array([1]), 1)).toThrow(/at least n·1024/);
    expect(() => b.trainStep(x, new Uint8Array([1]), 2)).toThrow(/labels/);
    expect(() => b.trainStep(x, new Uint8Array([1, 10]), 2)).toThrow(/label 10 at position 1/);
    expect(() => b.predict(x, 2, new Float32Array(10))).toThrow(/probs/);
    expect(() => createReferenceBackend(0)).toThrow(/maxBatch/);
    expectSameBits(b.params, before, 'params');
    expect(b.grads.every((g) => g === 0)).toBe(true);
  });
});
