import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thinPoints } from '../../src-shared/ui/thin';

describe('thinPoints', () => {
  it('keeps short series unchanged', () => {
    expect(thinPoints([1, 2, 3], [5, 6, 7], 10)).toEqual([
      { x: 1, y: 5 },
      { x: 2, y: 6 },
      { x: 3, y: 7 },
    ]);
  });

  it('never exceeds maxPoints, keeps the ends, keeps x ascending and keeps the extremes', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 4, max: 500 }), (ys, maxPoints) => {
        const xs = ys.map((_, i) => i + 1);
        const out = thinPoints(xs, ys, maxPoints);
        expect(out.length).toBeLessThanOrEqual(maxPoints);
        expect(out[0]).toEqual({ x: 1, y: ys[0] });
        expect(out[out.length - 1]).toEqual({ x: ys.length, y: ys[ys.length - 1] });
        for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
        for (const p of out) expect(ys[p.x - 1]).toBe(p.y);
        const min = Math.min(...ys);
        const max = Math.max(...ys);
        expect(out.some((p) => p.y === min)).toBe(true);
        expect(out.some((p) => p.y === max)).toBe(true);
      }),
    );
  });

  it('keeps a single spike in 10,000 points', () => {
    const ys = new Array(10000).fill(0.1);
    ys[7777] = 9;
    const out = thinPoints(ys.map((_, i) => i), ys, 200);
    expect(out.find((p) => p.y === 9)).toEqual({ x: 7777, y: 9 });
  });

  it('rejects bad arguments', () => {
    expect(() => thinPoints([1, 2], [1], 10)).toThrow(/differ in length/);
    expect(() => thinPoints([1], [1], 3)).toThrow(/maxPoints/);
    expect(() => thinPoints([1], [1], 4.5)).toThrow(/maxPoints/);
  });
});
