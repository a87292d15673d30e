import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accuracyOf, confusionDiff, heatIntensities, mostConfused, perClassMetrics, rowNormalize } from '../../src-shared/ui/confusion';

const matrix = (n: number) => fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: n * n, maxLength: n * n });

describe('confusion transforms', () => {
  it('row-normalised rows sum to 1 (or 0 for empty rows) and keep proportions', () => {
    fc.assert(
      fc.property(matrix(10), (m) => {
        const r = rowNormalize(m);
        for (let t = 0; t < 10; t++) {
          const row = m.slice(t * 10, t * 10 + 10);
          const sum = row.reduce((a, b) => a + b, 0);
          const rsum = Array.from(r.slice(t * 10, t * 10 + 10)).reduce((a, b) => a + b, 0);
          expect(rsum).toBeCloseTo(sum === 0 ? 0 : 1, 9);
          for (let p = 0; p < 10; p++) if (sum) expect(r[t * 10 + p]).toBeCloseTo(row[p] / sum, 12);
        }
      }),
    );
  });

  it('A − B, and A − A is zero', () => {
    expect(Array.from(confusionDiff([5, 1, 2, 7], [4, 3, 2, 0]))).toEqual([1, -2, 0, 7]);
    fc.assert(fc.property(matrix(10), (m) => {
      expect(Array.from(confusionDiff(m, m)).every((v) => v === 0)).toBe(true);
    }));
  });

  it('per-class precision, recall and F1 on a known 3×3 matrix', () => {
    // rows = true, cols = predicted
    const m = [5, 1, 0, 2, 3, 1, 0, 0, 0];
    const pc = perClassMetrics(m);
    expect(pc[0].precision).toBeCloseTo(5 / 7, 12);
    expect(pc[0].recall).toBeCloseTo(5 / 6, 12);
    expect(pc[0].f1).toBeCloseTo((2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6), 12);
    expect(pc[1].precision).toBeCloseTo(3 / 4, 12);
    expect(pc[1].recall).toBeCloseTo(3 / 6, 12);
    expect(pc[2].support).toBe(0);
    expect(Number.isNaN(pc[2].recall)).toBe(true);
    expect(pc[2].precision).toBe(0); // predicted once (true 1 → pred 2), never right
    expect(Number.isNaN(pc[2].f1)).toBe(true);
  });

  it('most confused pairs, largest first, diagonal excluded', () => {
    const m = new Array(100).fill(0);
    m[4 * 10 + 9] = 11;
    m[3 * 10 + 5] = 6;
    m[7 * 10 + 1] = 5;
    m[0] = 980;
    expect(mostConfused(m, 3)).toEqual([
      { trueLabel: 4, predicted: 9, count: 11 },
      { trueLabel: 3, predicted: 5, count: 6 },
      { trueLabel: 7, predicted: 1, count: 5 },
    ]);
    expect(accuracyOf(m)).toBeCloseTo(980 / 1002, 12);
  });

  it('heat intensities scale diagonal and off-diagonal separately', () => {
    const h = heatIntensities([100, 2, 4, 50]);
    expect(Array.from(h)).toEqual([1, 0.5, 1, 0.5]);
    expect(Array.from(heatIntensities([0, 0, 0, 0]))).toEqual([0, 0, 0, 0]);
  });

  it('rejects matrices that are not square or hold bad counts', () => {
    expect(() => rowNormalize([1, 2, 3])).toThrow(/square/);
    expect(() => rowNormalize([])).toThrow(/square/);
    expect(() => rowNormalize([1, -1, 0, 0])).toThrow(/whole numbers/);
    expect(() => rowNormalize([1, 0.5, 0, 0])).toThrow(/whole numbers/);
    expect(() => confusionDiff([1, 0, 0, 1], new Array(9).fill(0))).toThrow(/Cannot subtract/);
    expect(() => heatIntensities([1, 2])).toThrow(/square/);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 30 }), (xs) => {
        try {
          rowNormalize(xs);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});
