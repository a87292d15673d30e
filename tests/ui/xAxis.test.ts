import { describe, expect, it } from 'vitest';
import { epochEndSeconds, epochPointsOnAxis, epochX, iterationsOnAxis, iterationX, itersPerEpochOf } from '../../src-shared/ui/xAxis';

const epochs = [
  { epoch: 1, durationMs: 10_000 },
  { epoch: 2, durationMs: 20_000 },
];
const ctx = { itersPerEpoch: 100, epochs };

describe('x axes', () => {
  it('iterations per epoch follow the solver (validation split, subset, last partial batch)', () => {
    expect(itersPerEpochOf({ batchSize: 50, validationSize: 1000, trainSubset: 1000 }, 60_000)).toBe(20);
    expect(itersPerEpochOf({ batchSize: 200, validationSize: 1000, trainSubset: 0 }, 60_000)).toBe(295);
  });

  it('training time sums epoch durations', () => {
    expect([...epochEndSeconds([epochs[1], epochs[0]])]).toEqual([[1, 10], [2, 30]]);
  });

  it('places an iteration on each axis', () => {
    expect(iterationX(150, 'iteration', ctx)).toBe(150);
    expect(iterationX(150, 'epoch', ctx)).toBe(1.5);
    expect(iterationX(150, 'time', ctx)).toBe(20);
    expect(iterationX(100, 'time', ctx)).toBe(10);
    // the epoch still running has no duration yet
    expect(iterationX(250, 'time', ctx)).toBeNull();
    expect(iterationX(150, 'epoch', { itersPerEpoch: null, epochs })).toBeNull();
  });

  it('places an epoch’s metrics at its end', () => {
    expect(epochX(2, 'epoch', ctx)).toBe(2);
    expect(epochX(2, 'iteration', ctx)).toBe(200);
    expect(epochX(2, 'time', ctx)).toBe(30);
    expect(epochX(3, 'time', ctx)).toBeNull();
  });

  it('drops what an axis cannot place', () => {
    const r = iterationsOnAxis([50, 150, 250], [3, 2, 1], 'time', ctx);
    expect([...r.xs]).toEqual([5, 20]);
    expect([...r.ys]).toEqual([3, 2]);
    const rows = [{ epoch: 2, durationMs: 20_000, v: 0.9 }, { epoch: 1, durationMs: 10_000, v: null }];
    expect(epochPointsOnAxis(rows, (r) => r.v, 'time', { itersPerEpoch: 100, epochs: rows })).toEqual([{ x: 30, y: 0.9 }]);
  });
});
