import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { misclassifiedSets, wrongIndices } from '../../src-shared/ui/sets';

describe('misclassified set algebra', () => {
  it('splits into only-A, only-B and both', () => {
    expect(misclassifiedSets([9, 3, 5, 3], [5, 1, 9, 12])).toEqual({ onlyA: [3], onlyB: [1, 12], both: [5, 9] });
  });

  it('partitions the union, sorted, with no overlap', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(500)), fc.array(fc.nat(500)), (a, b) => {
        const s = misclassifiedSets(a, b);
        const union = new Set([...a, ...b]);
        const all = [...s.onlyA, ...s.onlyB, ...s.both];
        expect(all.length).toBe(union.size);
        expect(new Set(all).size).toBe(union.size);
        for (const x of s.onlyA) expect(a.includes(x) && !b.includes(x)).toBe(true);
        for (const x of s.onlyB) expect(b.includes(x) && !a.includes(x)).toBe(true);
        for (const x of s.both) expect(a.includes(x) && b.includes(x)).toBe(true);
        for (const arr of [s.onlyA, s.onlyB, s.both]) for (let i = 1; i < arr.length; i++) expect(arr[i]).toBeGreaterThan(arr[i - 1]);
      }),
    );
  });

  it('wrongIndices finds the mistakes', () => {
    expect(wrongIndices([1, 2, 3, 4], [1, 0, 3, 9])).toEqual([1, 3]);
    expect(() => wrongIndices([1], [1, 2])).toThrow(/differ in length/);
  });

  it('rejects indices that are not whole numbers ≥ 0', () => {
    expect(() => misclassifiedSets([-1], [])).toThrow(/Run A/);
    expect(() => misclassifiedSets([], [1.5])).toThrow(/Run B/);
    expect(() => misclassifiedSets([NaN], [])).toThrow(/whole numbers/);
  });
});
