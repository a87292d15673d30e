import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configDiff, confusionAccuracy, confusionDifference, gridProduct, misclassifiedIndices, misclassifiedSets, mostConfusedPairs, perClassMetrics } from '../../src-shared/metrics';

function confusionOf(labels: number[], predicted: number[]): number[] {
  const c = new Array(100).fill(0);
  labels.forEach((t, i) => c[t * 10 + predicted[i]]++);
  return c;
}

describe('metric helpers', () => {
  it('computes per-class precision, recall and F1 by hand', () => {
    // class 0: 3 images, 2 right, 1 predicted as 1; class 1: 2 images, both right; class 2: 1 image predicted 0.
    const c = confusionOf([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 0]);
    const m = perClassMetrics(c);
    expect(m[0]).toMatchObject({ support: 3, predicted: 3, precision: 2 / 3, recall: 2 / 3 });
    expect(m[0].f1).toBeCloseTo(2 / 3, 12);
    expect(m[1]).toMatchObject({ support: 2, predicted: 3, precision: 2 / 3, recall: 1 });
    expect(m[1].f1).toBeCloseTo(0.8, 12);
    expect(m[2]).toMatchObject({ support: 1, predicted: 0, precision: null, recall: 0, f1: null });
    expect(m[5]).toMatchObject({ support: 0, predicted: 0, precision: null, recall: null, f1: null });
    expect(confusionAccuracy(c)).toBeCloseTo(4 / 6, 12);
    expect(confusionAccuracy(new Array(100).fill(0))).toBeNull();
    expect(mostConfusedPairs(c)).toEqual([{ label: 0, predicted: 1, count: 1 }, { label: 2, predicted: 0, count: 1 }]);
  });

  it('refuses malformed confusion matrices', () => {
    expect(() => perClassMetrics([1, 2, 3])).toThrow(/100 cells/);
    expect(() => perClassMetrics(new Array(100).fill(-1))).toThrow(/count/);
    expect(() => confusionDifference(new Array(100).fill(0), new Array(99).fill(0))).toThrow(/100 cells/);
  });

  it('per-class supports sum to the total and recall matches accuracy weighting (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 200 }), (pairs) => {
        const c = confusionOf(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
        const m = perClassMetrics(c);
        expect(m.reduce((s, x) => s + x.support, 0)).toBe(pairs.length);
        expect(m.reduce((s, x) => s + x.predicted, 0)).toBe(pairs.length);
        const weighted = m.reduce((s, x) => s + (x.recall ?? 0) * x.support, 0) / pairs.length;
        expect(weighted).toBeCloseTo(confusionAccuracy(c)!, 10);
        for (const x of m) if (x.f1 !== null) expect(x.f1).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('diffs configs and confusion matrices', () => {
    expect(configDiff([{ a: 1, b: 'x', c: 3 }, { a: 1, b: 'y', c: 4 }, { a: 1, b: 'x', c: 3 }])).toEqual([
      { key: 'b', values: ['x', 'y', 'x'] },
      { key: 'c', values: [3, 4, 3] },
    ]);
    expect(configDiff([{ a: 1 }, { a: 1, d: 2 }])).toEqual([{ key: 'd', values: [undefined, 2] }]);
    expect(configDiff([{ a: 1 }, { a: 1 }])).toEqual([]);
    const a = new Array(100).fill(0);
    const b = new Array(100).fill(0);
    a[49] = 11;
    b[49] = 4;
    b[0] = 2;
    const d = confusionDifference(a, b);
    expect(d[49]).toBe(7);
    expect(d[0]).toBe(-2);
    expect(d.filter((x) => x !== 0).length).toBe(2);
  });

  it('splits misclassified sets into only A, only B and both (property: a partition of the union)', () => {
    expect(misclassifiedSets([5, 1, 9, 1], [9, 2])).toEqual({ onlyA: [1, 5], onlyB: [2], both: [9] });
    expect(misclassifiedIndices([1, 2, 3], [1, 0, 3])).toEqual([1]);
    expect(() => misclassifiedIndices([1], [1, 2])).toThrow(/differ in length/);
    fc.assert(
      fc.property(fc.array(fc.nat(50)), fc.array(fc.nat(50)), (xa, xb) => {
        const s = misclassifiedSets(xa, xb);
        const union = new Set([...xa, ...xb]);
        expect(s.onlyA.length + s.onlyB.length + s.both.length).toBe(union.size);
        for (const i of s.onlyA) expect(xa.includes(i) && !xb.includes(i)).toBe(true);
        for (const i of s.onlyB) expect(xb.includes(i) && !xa.includes(i)).toBe(true);
        for (const i of s.both) expect(xa.includes(i) && xb.includes(i)).toBe(true);
      }),
    );
  });

  it('builds a grid product in key order', () => {
    expect(gridProduct([['a', [1, 2]], ['b', ['x']]])).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'x' }]);
    expect(gridProduct([])).toEqual([{}]);
  });
});
