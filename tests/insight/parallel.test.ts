// Parallel coordinates and scatter transforms over a handful of runs.
import { describe, expect, it } from 'vitest';
import { brushRuns, parallelCoordinates, scatterData, valueAt, type RunPoint } from '../../src-shared/insight/parallel';

const runs: RunPoint[] = [
  { id: 'a', label: 'lr 1e-4', config: { learningRate: 1e-4, batchSize: 200, optimizer: 'adam', seed: 1 }, metrics: { testAccuracy: 0.97, valLoss: 0.09 } },
  { id: 'b', config: { learningRate: 1e-3, batchSize: 100, optimizer: 'adam', seed: 1 }, metrics: { testAccuracy: 0.99, valLoss: 0.03 } },
  { id: 'c', config: { learningRate: 1e-2, batchSize: 50, optimizer: 'sgd', seed: 1 }, metrics: { testAccuracy: 0.11, valLoss: null } },
];

describe('parallelCoordinates', () => {
  const data = parallelCoordinates(runs, ['testAccuracy', 'valLoss']);

  it('makes an axis of every varied setting, then of each metric', () => {
    expect(data.axes.map((a) => [a.key, a.source, a.kind])).toEqual([
      ['learningRate', 'setting', 'log'], ['batchSize', 'setting', 'linear'], ['optimizer', 'setting', 'category'],
      ['testAccuracy', 'metric', 'linear'], ['valLoss', 'metric', 'linear'],
    ]);
    const lr = data.axes[0];
    expect([lr.min, lr.max]).toEqual([1e-4, 1e-2]);
    expect(lr.ticks.map((t) => t.label)).toEqual(['1.0e-4', '0.001', '0.01']);
    expect(data.axes[2].categories).toEqual(['adam', 'sgd']);
  });

  it('places each run along each axis (log, linear, category), null where missing', () => {
    const b = data.lines.find((l) => l.id === 'b')!;
    expect(b.label).toBe('b');
    expect(b.positions[0]).toBeCloseTo(0.5, 12); // 1e-3 is halfway between 1e-4 and 1e-2 on a log axis
    expect(b.positions[1]).toBeCloseTo(50 / 150, 12);
    expect(b.positions[2]).toBe(0);
    expect(data.lines[2].positions[2]).toBe(1);
    expect(data.lines[2].positions[4]).toBeNull();
    expect(data.lines[0].label).toBe('lr 1e-4');
  });

  it('brushes: keeps runs inside every brush, missing values outside', () => {
    expect(brushRuns(data, [])).toEqual(['a', 'b', 'c']);
    expect(brushRuns(data, [{ axis: 'testAccuracy', from: 1, to: 0.5 }])).toEqual(['a', 'b']);
    expect(brushRuns(data, [{ axis: 'testAccuracy', from: 0.5, to: 1 }, { axis: 'learningRate', from: 0.4, to: 1 }])).toEqual(['b']);
    expect(brushRuns(data, [{ axis: 'valLoss', from: 0, to: 1 }])).toEqual(['a', 'b']);
    expect(() => brushRuns(data, [{ axis: 'epochs', from: 0, to: 1 }])).toThrow(/No axis "epochs"/);
  });

  it('maps a brush position back to a value', () => {
    expect(valueAt(data.axes[0], 0.5)).toBeCloseTo(1e-3, 15);
    expect(valueAt(data.axes[1], 1)).toBe(200);
    expect(valueAt(data.axes[2], 0.5)).toBeNull();
  });

  it('is independent of the order runs were picked in, takes explicit settings, refuses duplicates', () => {
    const rev = parallelCoordinates([...runs].reverse(), ['testAccuracy']);
    expect(rev.axes[2].categories).toEqual(['adam', 'sgd']);
    const only = parallelCoordinates(runs, [], ['seed']);
    expect(only.axes).toHaveLength(1);
    expect(only.lines.every((l) => l.positions[0] === 0.5)).toBe(true); // one value: the middle
    expect(() => parallelCoordinates([runs[0], runs[0]], [])).toThrow(/listed twice/);
  });
});

describe('scatterData', () => {
  it('plots a metric against a numeric setting or category indices, and lists what is missing', () => {
    const s = scatterData(runs, 'learningRate', 'valLoss');
    expect(s.xKind).toBe('log');
    expect(s.points).toEqual([{ id: 'a', label: 'lr 1e-4', x: 1e-4, y: 0.09 }, { id: 'b', label: 'b', x: 1e-3, y: 0.03 }]);
    expect(s.missing).toEqual(['c']);
    const c = scatterData(runs, 'optimizer', 'testAccuracy');
    expect(c).toMatchObject({ xKind: 'category', categories: ['adam', 'sgd'] });
    expect(c.points.map((p) => p.x)).toEqual([0, 0, 1]);
  });
});
