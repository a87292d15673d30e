// Initialisation schemes and the byte → padded, normalised float batch.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src-shared/engine/prng';
import { PARAM_COUNT, PARAM_TABLE, paramEntry, view } from '../../src-shared/engine/layout';
import { fans, initParams } from '../../src-shared/engine/init';
import { BatchWriter, normStats, pixelStats } from '../../src-shared/engine/batch';
import { fingerprint } from '../../src-shared/engine/split';
import { mnistTrain, sliceSet } from './helpers';

function sd(a: Float32Array): number {
  let s = 0, s2 = 0;
  for (const v of a) { s += v; s2 += v * v; }
  return Math.sqrt(s2 / a.length - (s / a.length) ** 2);
}

describe('initialisation', () => {
  it('normal(σ): weights have sd σ, biases are 0; the same seed gives the same weights', () => {
    const p = new Float32Array(PARAM_COUNT);
    initParams(p, 'normal', 0.001, new Prng(1, 1));
    expect(sd(view(p, 'c5.w'))).toBeCloseTo(0.001, 4);
    for (const e of PARAM_TABLE.filter((x) => x.shape.length === 1)) expect(view(p, e.name).every((v) => v === 0)).toBe(true);
    const q = new Float32Array(PARAM_COUNT);
    initParams(q, 'normal', 0.001, new Prng(1, 1));
    expect(Array.from(q.subarray(0, 500))).toEqual(Array.from(p.subarray(0, 500)));
  });

  it('He and Xavier use PyTorch\'s fans', () => {
    expect(fans(paramEntry('c1.w'))).toEqual({ fanIn: 25, fanOut: 150 });
    expect(fans(paramEntry('c3.w'))).toEqual({ fanIn: 150, fanOut: 400 });
    expect(fans(paramEntry('c5.w'))).toEqual({ fanIn: 400, fanOut: 120 });
    const p = new Float32Array(PARAM_COUNT);
    initParams(p, 'he', 1, new Prng(2));
    expect(sd(view(p, 'c5.w')) / Math.sqrt(2 / 400)).toBeCloseTo(1, 1);
    expect(sd(view(p, 'c3.w')) / Math.sqrt(2 / 150)).toBeCloseTo(1, 1);
    initParams(p, 'xavier', 1, new Prng(2));
    expect(sd(view(p, 'c5.w')) / Math.sqrt(2 / 520)).toBeCloseTo(1, 1);
    expect(sd(view(p, 'f6.w')) / Math.sqrt(2 / 204)).toBeCloseTo(1, 1);
  });

  it('refuses bad arguments', () => {
    expect(() => initParams(new Float32Array(5), 'he', 1, new Prng(1))).toThrow(/61706/);
    expect(() => initParams(new Float32Array(PARAM_COUNT), 'lecun' as 'he', 1, new Prng(1))).toThrow(/Unknown init/);
    expect(() => initParams(new Float32Array(PARAM_COUNT), 'normal', 0, new Prng(1))).toThrow(/sigma/);
  });
});

describe('batches', () => {
  const set = mnistTrain(100);

  it('pixel statistics match a direct float64 computation over the training images only', () => {
    let s = 0, s2 = 0;
    const n = 80 * 784;
    for (let i = 0; i < n; i++) { const v = set.pixels[i] / 255; s += v; s2 += v * v; }
    const mean = s / n, std = Math.sqrt(s2 / n - mean * mean);
    const st = pixelStats(set, 80);
    expect(st.mean).toBeCloseTo(mean, 12);
    expect(st.std).toBeCloseTo(std, 12);
    expect(normStats('standardize', set, 80)).toEqual({ mode: 'standardize', mean: st.mean, std: st.std });
    expect(normStats('scale01', set, 80)).toEqual({ mode: 'scale01', mean: 0, std: 1 });
  });

  it('pads by 2 with background pixels and normalises each pixel', () => {
    const stats = normStats('standardize', set, 80);
    const w = new BatchWriter(3, stats);
    w.fill(set, [5, 0, 17], 0, 3);
    expect(Array.from(w.labels)).toEqual([set.labels[5], set.labels[0], set.labels[17]]);
    const bg = Math.fround((0 - stats.mean) / stats.std);
    for (const [slot, img] of [[0, 5], [1, 0], [2, 17]]) {
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          const v = w.x[slot * 1024 + r * 32 + c];
          const inside = r >= 2 && r < 30 && c >= 2 && c < 30;
          const expected = inside ? Math.fround((set.pixels[img * 784 + (r - 2) * 28 + (c - 2)] / 255 - stats.mean) / stats.std) : bg;
          if (v !== expected) throw new Error(`slot ${slot} (${r},${c}): ${v} vs ${expected}`);
        }
      }
    }
    const s01 = new BatchWriter(1, normStats('scale01', set, 80));
    s01.fillRange(set, 3, 1);
    expect(Math.min(...s01.x)).toBe(0);
    expect(Math.max(...s01.x)).toBeLessThanOrEqual(1);
    expect(s01.x[2 * 32 + 2 + 14 * 32 + 12]).toBe(Math.fround(set.pixels[3 * 784 + 14 * 28 + 12] / 255));
    expect(() => s01.fillRange(set, 0, 2)).toThrow(/exceed/);
    expect(() => s01.fillRange(set, 100, 1)).toThrow(/outside the set/);
  });

  it("'center' subtracts the training images' mean image on the 0–255 scale; padding stays 0", () => {
    const stats = normStats('center', set, 80);
    expect(stats.meanImage).toHaveLength(784);
    for (const j of [0, 300, 406, 783]) {
      let sum = 0;
      for (let i = 0; i < 80; i++) sum += set.pixels[i * 784 + j];
      expect(stats.meanImage![j]).toBe(Math.fround(sum / 80));
    }
    const w = new BatchWriter(1, stats);
    w.fillRange(set, 7, 1);
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        const inside = r >= 2 && r < 30 && c >= 2 && c < 30;
        const j = (r - 2) * 28 + (c - 2);
        const expected = inside ? Math.fround(set.pixels[7 * 784 + j] - stats.meanImage![j]) : 0;
        if (w.x[r * 32 + c] !== expected) throw new Error(`(${r},${c}): ${w.x[r * 32 + c]} vs ${expected}`);
      }
    }
    expect(() => new BatchWriter(1, { ...stats, meanImage: [1, 2] })).toThrow(/784/);
  });

  it('the fingerprint does not depend on memory alignment', () => {
    const a = sliceSet(set, 0, 10);
    const copy = new Uint8Array(a.pixels.length + 1);
    copy.set(a.pixels, 1);
    const b = { ...a, pixels: copy.subarray(1) };
    expect(b.pixels.byteOffset % 4).toBe(1);
    expect(fingerprint(b)).toBe(fingerprint(a));
    const c = { ...a, pixels: new Uint8Array(a.pixels) }; // (a copy: Buffer.slice would share memory)
    c.pixels[300] ^= 1;
    expect(fingerprint(c)).not.toBe(fingerprint(a));
  });
});
