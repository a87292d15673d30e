import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emaSmooth } from '../../src-shared/ui/smoothing';

describe('emaSmooth (debiased EMA, as TensorBoard)', () => {
  it('weight 0 returns the values', () => {
    expect(Array.from(emaSmooth([3, 1, 4, 1, 5], 0))).toEqual([3, 1, 4, 1, 5]);
  });

  it('matches hand-computed debiased values', () => {
    // w = 0.5: last = 0.5*1 = 0.5, debias 0.5 → 1; last = 0.25 + 0.5*3 = 1.75, debias 0.75 → 2.3333
    const s = emaSmooth([1, 3, 5], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(1.75 / 0.75, 12);
    expect(s[2]).toBeCloseTo((0.875 + 2.5) / 0.875, 12);
  });

  it('is not pulled towards zero at the start: a constant stays constant', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 200 }), (c, w, n) => {
        const s = emaSmooth(new Array(n).fill(c), w);
        for (const v of s) expect(v).toBeCloseTo(c, 6);
      }),
    );
  });

  it('stays within the range of the values seen so far', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 100 }), fc.double({ min: 0, max: 0.99, noNaN: true }), (xs, w) => {
        const s = emaSmooth(xs, w);
        let lo = Infinity;
        let hi = -Infinity;
        xs.forEach((x, i) => {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
          expect(s[i]).toBeGreaterThanOrEqual(lo - 1e-9 * Math.max(1, Math.abs(lo)));
          expect(s[i]).toBeLessThanOrEqual(hi + 1e-9 * Math.max(1, Math.abs(hi)));
        });
      }),
    );
  });

  it('passes NaN through without poisoning later points', () => {
    const s = emaSmooth([1, NaN, 1, 1], 0.9);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(1, 12);
    expect(s[3]).toBeCloseTo(1, 12);
  });

  it('rejects weights outside [0, 1)', () => {
    for (const w of [-0.1, 1, 2, NaN]) expect(() => emaSmooth([1], w)).toThrow(/Smoothing weight/);
  });
});
