import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { heatIntensities, rowNormalize } from '../../src-shared/ui/confusion';

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
