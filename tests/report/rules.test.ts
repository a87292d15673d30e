import { describe, expect, it } from 'vitest';
import {
  compareSpeed, confusedPairs, convergedEpoch, detectStall, detectStallInEpochs, earlyAccuracy, meanConfusedPairs, meanLossFrom, placeInSpread, spreadOf, topPairs,
} from '../../src-shared/report';
import { confusion, curve } from './helpers';

describe('converged-epoch rule', () => {
  it('is the first epoch from which train and validation accuracy stay within 0.1 point of their final values', () => {
    const vals = [0.95, 0.97, 0.985, 0.9915, 0.992, 0.9925, 0.992];
    const e = curve(7, (i) => ({ train: i >= 3 ? 0.999 : 0.98, val: vals[i - 1], loss: 0.1 }));
    expect(convergedEpoch(e)).toBe(4);
    // A late wobble of more than 0.1 point moves it past the wobble.
    const wobble = curve(7, (i) => ({ train: 0.999, val: i === 6 ? 0.99 : 0.992, loss: 0.1 }));
    expect(convergedEpoch(wobble)).toBe(7);
    // Train accuracy counts too.
    const train = curve(5, (i) => ({ train: i < 5 ? 0.99 : 0.9999, val: 0.992, loss: 0.1 }));
    expect(convergedEpoch(train)).toBe(5);
  });

  it('skips epochs without accuracies and is null without any', () => {
    expect(convergedEpoch([])).toBeNull();
    expect(convergedEpoch([{ epoch: 1, trainAccuracy: null, valAccuracy: 0.5, meanIterationLoss: 1 }])).toBeNull();
    const e = [...curve(3, () => ({ train: 0.99, val: 0.99, loss: 0.1 })), { epoch: 4, trainAccuracy: null, valAccuracy: null, meanIterationLoss: null }];
    expect(convergedEpoch(e)).toBe(1);
  });

  it('averages the epoch losses from an epoch on', () => {
    const e = curve(4, (i) => ({ train: 1, val: 1, loss: i }));
    expect(meanLossFrom(e, 3)).toBe(3.5);
    expect(meanLossFrom(e, 5)).toBeNull();
  });
});

describe('speed rule', () => {
  it('averages the first five epochs of validation accuracy, or fewer in a short run', () => {
    const e = curve(8, (i) => ({ train: 0, val: i / 10, loss: 0 }));
    expect(earlyAccuracy(e)).toBeCloseTo(0.3, 12);
    expect(earlyAccuracy(e.slice(0, 2))).toBeCloseTo(0.15, 12);
    expect(earlyAccuracy(e, 1)).toBeCloseTo(0.1, 12);
    expect(earlyAccuracy([])).toBeNull();
  });

  it('calls a difference of at most 0.1 point "the same"', () => {
    expect(compareSpeed(0.98, 0.97)).toBe('faster');
    expect(compareSpeed(0.97, 0.98)).toBe('slower');
    expect(compareSpeed(0.9805, 0.98)).toBe('same');
    expect(compareSpeed(0.98, 0.9805)).toBe('same');
  });
});

describe('stall detector', () => {
  const ipe = 100;
  const flat = (n: number, v: number) => new Array<number>(n).fill(v);
  const falling = (n: number, from: number, to: number) => Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));

  it('flags a loss stuck at chance for a whole epoch, from its first iteration', () => {
    expect(detectStall(flat(300, 2.3026), ipe)).toEqual({ fromIteration: 1, toIteration: 100, level: expect.closeTo(2.3026, 10) });
    // A one-epoch run that never moves stalls too.
    expect(detectStall(flat(100, 2.3), ipe)).not.toBeNull();
  });

  it('does not flag the slow start of a tiny init that leaves chance within the epoch', () => {
    expect(detectStall([...flat(50, 2.302), ...falling(250, 2.3, 0.1)], ipe)).toBeNull();
  });

  it('flags a plateau after some learning, but not a low one', () => {
    const s = detectStall([...falling(100, 2.3, 1.5), ...flat(200, 1.5)], ipe);
    expect(s).not.toBeNull();
    expect(s!.fromIteration).toBeGreaterThan(90);
    expect(s!.level).toBeCloseTo(1.5, 1);
    expect(detectStall([...falling(100, 2.3, 0.3), ...flat(200, 0.3)], ipe)).toBeNull();
  });

  it('needs the loss to fall 2% within the epoch', () => {
    expect(detectStall(falling(200, 2.3, 2.3 * 0.985), ipe)).not.toBeNull();
    expect(detectStall(falling(200, 2.3, 2.3 * 0.9), ipe)).toBeNull();
  });

  it('treats a non-finite loss as divergence, not a stall, and needs a whole epoch of losses', () => {
    expect(detectStall([...falling(60, 2.3, 0.2), Number.NaN, ...flat(200, 2.3)], ipe)).toBeNull();
    expect(detectStall(flat(99, 2.3), ipe)).toBeNull();
    expect(() => detectStall(flat(10, 2.3), 0)).toThrow(/itersPerEpoch/);
  });

  it('works on epoch means when the iteration losses are not at hand', () => {
    const chance = curve(2, () => ({ train: 0.11, val: 0.1, loss: 2.3015 }));
    expect(detectStallInEpochs(chance, 1180)).toEqual({ fromIteration: 1, toIteration: 1180, level: 2.3015 });
    const plateau = curve(3, (e) => ({ train: 0.5, val: 0.5, loss: e === 1 ? 1.8 : 1.5 }));
    expect(detectStallInEpochs(plateau, 10)).toEqual({ fromIteration: 11, toIteration: 30, level: 1.5 });
    const learning = curve(3, (e) => ({ train: 0.9, val: 0.9, loss: 1.2 / e }));
    expect(detectStallInEpochs(learning, 10)).toBeNull();
    expect(detectStallInEpochs([{ epoch: 1, trainAccuracy: null, valAccuracy: null, meanIterationLoss: null }], 10)).toBeNull();
  });
});

describe('seed-spread rule', () => {
  it('places a value inside the widened range, near it, or outside', () => {
    const s = spreadOf([0.9904, 0.9911, 0.9925]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.991333, 5);
    expect(placeInSpread(0.9922, s)).toBe('inside');
    expect(placeInSpread(0.9934, s)).toBe('inside'); // within 0.1 point of the max
    expect(placeInSpread(0.9950, s)).toBe('near'); // 0.15 point beyond the widened range, spread 0.21
    expect(placeInSpread(0.9980, s)).toBe('outside');
    expect(placeInSpread(0.9850, s)).toBe('outside');
    // One seed: the width is the tolerance itself.
    const one = spreadOf([0.9904]);
    expect(placeInSpread(0.9922, one)).toBe('near');
    expect(placeInSpread(0.9935, one)).toBe('outside');
    expect(() => spreadOf([])).toThrow();
  });
});

describe('confused pairs', () => {
  it('adds both directions and sorts by count, then digits', () => {
    const m = confusion([[4, 9, 7], [9, 4, 4], [3, 5, 6], [7, 1, 5], [2, 7, 5]]);
    expect(confusedPairs(m)).toEqual([{ a: 4, b: 9, count: 11 }, { a: 3, b: 5, count: 6 }, { a: 1, b: 7, count: 5 }, { a: 2, b: 7, count: 5 }]);
    expect(() => confusedPairs([1, 2, 3])).toThrow(/100 cells/);
  });

  it('averages over seeds and keeps ties at the cut', () => {
    const pairs = meanConfusedPairs([confusion([[4, 9, 10], [3, 5, 2]]), confusion([[9, 4, 6], [5, 3, 4], [1, 7, 3]])]);
    expect(pairs).toEqual([{ a: 4, b: 9, count: 8 }, { a: 3, b: 5, count: 3 }, { a: 1, b: 7, count: 1.5 }]);
    expect(meanConfusedPairs([])).toEqual([]);
    const tied = [{ a: 3, b: 5, count: 9 }, { a: 4, b: 9, count: 9 }, { a: 7, b: 9, count: 9 }, { a: 8, b: 9, count: 9 }, { a: 2, b: 7, count: 4 }];
    expect(topPairs(tied, 3).map((p) => `${p.a}/${p.b}`)).toEqual(['3/5', '4/9', '7/9', '8/9']);
    expect(topPairs(tied.slice(0, 2), 3)).toHaveLength(2);
  });
});
