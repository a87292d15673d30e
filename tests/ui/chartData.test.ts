import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import { epochSeries, formatLogTick, lineDataset, logAxisBounds, logTicks, lossSeries, positiveOnly, topK, withAlpha } from '../../src-shared/ui/chartData';
import { configRows } from '../../src-shared/ui/configDiff';
import { emaSmooth } from '../../src-shared/ui/smoothing';

describe('chart datasets', () => {
  it('smooths the full series before thinning', () => {
    const n = 5000;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = xs.map((i) => 2 / Math.sqrt(i) + (i % 2 ? 0.3 : -0.3));
    const s = lossSeries(xs, ys, 0.9, 200);
    expect(s.raw.length).toBeLessThanOrEqual(200);
    expect(s.smoothed.length).toBeLessThanOrEqual(200);
    const full = emaSmooth(ys, 0.9);
    // every smoothed point shown is the full-series smoothed value at that x
    for (const p of s.smoothed) expect(p.y).toBe(full[p.x - 1]);
    // and not what smoothing the thinned series would give
    const thinnedThenSmoothed = emaSmooth(s.raw.map((p) => p.y), 0.9);
    expect(s.smoothed.map((p) => p.y)).not.toEqual(Array.from(thinnedThenSmoothed));
  });

  it('log scale drops points it cannot draw', () => {
    expect(positiveOnly([{ x: 1, y: 0 }, { x: 2, y: -1 }, { x: 3, y: NaN }, { x: 4, y: 0.5 }])).toEqual([{ x: 4, y: 0.5 }]);
    const s = lossSeries([1, 2, 3], [1, 0, 0.5], 0, 10, true);
    expect(s.raw).toEqual([{ x: 1, y: 1 }, { x: 3, y: 0.5 }]);
  });

  it('epoch series skip missing values and sort by epoch', () => {
    const rows = [{ epoch: 2, v: 0.9 as number | null }, { epoch: 1, v: 0.5 }, { epoch: 3, v: null }];
    expect(epochSeries(rows, (r) => r.v)).toEqual([{ x: 1, y: 0.5 }, { x: 2, y: 0.9 }]);
  });

  it('line datasets carry the run colour; faint ones are translucent', () => {
    const d = lineDataset('run 3', [], 'hsl(10 70% 50%)');
    expect(d.borderColor).toBe('hsl(10 70% 50%)');
    const f = lineDataset('raw', [], 'hsl(10 70% 50%)', { faint: true, dashed: true });
    expect(f.borderColor).toBe('hsl(10 70% 50% / 0.25)');
    expect(f.borderDash).toEqual([6, 4]);
    expect(withAlpha('#fff', 0.5)).toBe('#fff');
    expect(withAlpha('#1f6fc5', 0.25)).toBe('#1f6fc540');
  });

  it('top-k probabilities', () => {
    expect(topK([0.1, 0.6, 0.05, 0.25], 3)).toEqual([{ label: 1, p: 0.6 }, { label: 3, p: 0.25 }, { label: 0, p: 0.1 }]);
    expect(topK([0.5, 0.5], 1)).toEqual([{ label: 0, p: 0.5 }]);
  });
});

describe('config differences', () => {
  it('lists exactly the differing settings', () => {
    const a = { ...DEFAULT_CONFIG };
    const b = { ...DEFAULT_CONFIG, optimizer: 'sgd' as const, batchSize: 50 };
    expect(configRows([a], true)).toEqual([]);
    expect(configRows([a, b], true)).toEqual([
      { key: 'batchSize', values: [200, 50], differs: true },
      { key: 'optimizer', values: ['adam', 'sgd'], differs: true },
    ]);
    expect(configRows([a, b], false)).toHaveLength(Object.keys(DEFAULT_CONFIG).length);
  });

  it('shows the architecture switches when two runs differ in them', () => {
    const a = { ...DEFAULT_CONFIG };
    const b = { ...DEFAULT_CONFIG, activation: 'tanh' as const, output: 'rbf' as const };
    expect(configRows([a, b], true)).toEqual([
      { key: 'activation', values: ['relu', 'tanh'], differs: true },
      { key: 'output', values: ['softmax', 'rbf'], differs: true },
    ]);
  });
});

describe('log axis ticks', () => {
  it('bounds a narrow range by the nearest 1-2-5 values, so it gets two labelled ticks', () => {
    expect(logAxisBounds(2.3018, 2.3031)).toEqual({ min: 2, max: 5 });
    expect(logAxisBounds(0.031, 2.31)).toEqual({ min: 0.02, max: 5 });
    expect(logAxisBounds(1, 10)).toEqual({ min: 1, max: 10 });
    expect(logAxisBounds(2, 2)).toEqual({ min: 2, max: 5 });
    expect(logAxisBounds(1e-3, 1e-3 * 0.8 ** 30)).toEqual({ min: 1e-6, max: 1e-3 });
    expect(logTicks(2, 5)).toEqual([2, 5]);
  });

  it('ticks at 1, 2, 5 × 10^k, only powers of ten over many decades', () => {
    expect(logTicks(0.02, 5)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
    expect(logTicks(1e-6, 1e-3)).toEqual([1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3]);
    expect(logTicks(1e-6, 1)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]);
    expect(logTicks(0, 1)).toEqual([]);
    expect(logTicks(3, 4)).toEqual([]);
  });

  it('labels ticks briefly', () => {
    expect([0.001, 0.02, 0.5, 1, 2, 20, 50000].map(formatLogTick)).toEqual(['0.001', '0.02', '0.5', '1', '2', '20', '50000']);
    expect([1e-4, 2e-6, 5e-4, 1e5].map(formatLogTick)).toEqual(['1e-4', '2e-6', '5e-4', '1e5']);
  });
});
