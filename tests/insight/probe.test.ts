// The inspection forward (engine/inspect/probe) against the reference LeNet-5, layer by layer;
// its input writer against engine/batch's BatchWriter; chunking and NaN behaviour.
import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { BatchWriter } from '../../src-shared/engine/batch';
import { createProbe, PROBE_SIZE, type ProbeLayer } from '../../src-shared/engine/inspect/probe';
import { paramEntry } from '../../src-shared/engine/layout';
import { expectSameBits } from '../engine/helpers';
import { maxAbsDiff, mnistInputs, mnistStats, randomParams } from './helpers';

describe('inspection input', () => {
  it.each(['standardize', 'scale01', 'center'] as const)('writeInput equals BatchWriter bit for bit (%s)', (mode) => {
    const stats = mnistStats(mode);
    const { x, set } = mnistInputs(20, stats);
    const w = new BatchWriter(20, stats);
    w.fillRange(set, 0, 20);
    expectSameBits(x, w.x, `input (${mode})`);
  });
});

describe('inspection probe', () => {
  const n = 40;
  const stats = mnistStats();
  const { x } = mnistInputs(n, stats);
  const params = randomParams(5);

  it('matches the reference model at every layer', () => {
    const ref = createReferenceBackend(n);
    ref.params.set(params);
    ref.predict(x, n, new Float32Array(n * 10));
    const probe = createProbe(n);
    probe.forward(params, x, n);
    const pairs: [ProbeLayer, Float32Array][] = [
      ['c1', ref.activations.r1], ['s2', ref.activations.s2], ['c3', ref.activations.r3], ['s4', ref.activations.s4],
      ['c5', ref.activations.r5], ['f6', ref.activations.r6], ['logits', ref.activations.logits],
    ];
    for (const [layer, expected] of pairs) {
      const size = n * PROBE_SIZE[layer];
      let scale = 0;
      for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(expected[i]));
      expect(scale, `${layer} is not trivially zero`).toBeGreaterThan(0);
      expect(maxAbsDiff(probe.buffers[layer], expected, size) / scale, layer).toBeLessThan(1e-5);
    }
  });

  it('gives the same numbers whatever the chunk size (deterministic)', () => {
    const whole = createProbe(n);
    whole.forward(params, x, n);
    const chunked = createProbe(8);
    for (let c = 0; c < n; c += 8) {
      chunked.forward(params, x.subarray(c * 1024), 8);
      expectSameBits(chunked.buffers.logits.subarray(0, 80), whole.buffers.logits.subarray(c * 10, c * 10 + 80), `logits of chunk ${c}`);
      expectSameBits(chunked.buffers.c3.subarray(0, 8 * 1600), whole.buffers.c3.subarray(c * 1600, (c + 8) * 1600), `C3 of chunk ${c}`);
    }
  });

  it('lets a NaN parameter through to the logits, as the reference does', () => {
    const bad = params.slice();
    bad[paramEntry('c5.w').offset + 3] = NaN;
    const probe = createProbe(2);
    probe.forward(bad, x, 2);
    expect(Number.isNaN(probe.buffers.logits[0])).toBe(true);
  });

  it('refuses a batch larger than its buffers or a short input', () => {
    const probe = createProbe(2);
    expect(() => probe.forward(params, x, 3)).toThrow(/n must be/);
    expect(() => probe.forward(params, x.subarray(0, 1000), 1)).toThrow(/n·1024/);
    expect(() => createProbe(0)).toThrow(/maxBatch/);
  });
});
