// The insight views' pure transforms: colour maps, health series and table, scrubber stepping,
// parallel-coordinates geometry and brushing in pixels.
import { describe, expect, it } from 'vitest';
import type { EpochHealth } from '../../src-shared/engine/inspect/health';
import { parallelCoordinates, brushRuns } from '../../src-shared/insight/parallel';
import { absMax, brushFromPixels, CLASS_COLORS, healthSeries, healthTable, heatRgba, nearestEpoch, nextEpoch, parallelGeometry, saliencyRgba } from '../../src-shared/ui/insight';

function health(epoch: number, o: { c3Dead?: number; c3Norm?: number; ratio?: number | null; grads?: boolean } = {}): EpochHealth {
  const t = (layer: 'c1' | 'c3' | 'c5' | 'f6' | 'out', size: number, norm: number) => [
    { name: `${layer}.w`, layer, kind: 'weight' as const, size, norm, gradNorm: o.grads === false ? null : layer === 'c3' && o.c3Dead === 1 ? 0 : norm / (10 * epoch), updateNorm: null, updateRatio: o.ratio === undefined ? 0.2 * epoch : o.ratio, subnormal: layer === 'c5' ? size / 4 : 0, subnormalFraction: layer === 'c5' ? 0.25 : 0, zero: 0, zeroFraction: 0, nonFinite: 0 },
    { name: `${layer}.b`, layer, kind: 'bias' as const, size: 6, norm: 0.1, gradNorm: null, updateNorm: null, updateRatio: null, subnormal: 0, subnormalFraction: 0, zero: 0, zeroFraction: 0, nonFinite: layer === 'out' ? 2 : 0 },
  ];
  const r = (layer: 'c1' | 'c3' | 'c5' | 'f6', dead: number, channels: number) => ({ layer, units: 100, deadUnits: dead * 100, deadFraction: dead, channels, deadChannels: dead === 1 ? channels : 0, zeroFraction: 0.5, silentImageFraction: 0, allZero: dead === 1 });
  return {
    sampleSize: 200, subnormalFraction: 0.2, zeroFraction: 0, nonFiniteParams: 2, nonFiniteGrads: 0, nonFiniteActivations: 0, finite: false,
    tensors: [...t('c1', 150, 1), ...t('c3', 2400, o.c3Norm ?? 4), ...t('c5', 48000, 9), ...t('f6', 10080, 5), ...t('out', 840, 2)],
    relus: [r('c1', 0, 6), r('c3', o.c3Dead ?? 0.1, 16), r('c5', 0.3, 120), r('f6', 0.25, 84)],
  };
}

describe('colour maps', () => {
  it('draws 0 as paper and the max at the map\'s end, in both themes; NaN in magenta', () => {
    const rgba = heatRgba([0, 0.5, 1, NaN], 2, 2, 0, { mode: 'sequential', theme: 'light' });
    expect(Array.from(rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    expect(Array.from(rgba.subarray(8, 12))).toEqual([127, 39, 4, 255]);
    expect(Array.from(rgba.subarray(12, 16))).toEqual([255, 0, 255, 255]);
    const dark = heatRgba([0, 2], 2, 1, 0, { mode: 'sequential', theme: 'dark', max: 2 });
    expect(Array.from(dark.subarray(0, 3))).toEqual([24, 24, 27]);
    expect(Array.from(dark.subarray(4, 7))).toEqual([252, 253, 191]);
  });

  it('diverging: negative blue, positive red, symmetric around the paper colour; reads an offset', () => {
    const rgba = heatRgba([9, -1, 0, 1], 3, 1, 1, { mode: 'diverging', theme: 'light' });
    expect(Array.from(rgba.subarray(0, 3))).toEqual([33, 102, 172]);
    expect(Array.from(rgba.subarray(4, 7))).toEqual([247, 247, 247]);
    expect(Array.from(rgba.subarray(8, 11))).toEqual([178, 24, 43]);
    expect(() => heatRgba([1, 2], 2, 2, 0, { mode: 'diverging', theme: 'light' })).toThrow(/Need 4 values/);
  });

  it('saliency: strength grows with |g|, sign picks the hue, the digit stays visible underneath', () => {
    const px = [0, 255, 255, 0];
    const g = [0, 0, 2, -2];
    const rgba = saliencyRgba(px, g, 'light');
    expect(Array.from(rgba.subarray(0, 3))).toEqual([247, 247, 247]); // paper, no gradient
    expect(rgba[4]).toBeLessThan(247); // ink shows
    expect(Array.from(rgba.subarray(8, 11))).toEqual([178, 24, 43]);
    expect(Array.from(rgba.subarray(12, 15))).toEqual([33, 102, 172]);
    expect(absMax([1, -3, NaN, 2])).toBe(3);
  });

  it('has ten distinct class colours per theme', () => {
    for (const t of ['light', 'dark'] as const) expect(new Set(CLASS_COLORS[t]).size).toBe(10);
  });
});

describe('health series and table', () => {
  const epochs = [1, 2, 3].map((e) => ({ epoch: e, health: health(e, { c3Dead: e === 3 ? 1 : 0.1, ratio: e === 1 ? null : 0.3 }) }));

  it('gives one series per layer for each metric, skipping missing values', () => {
    const dead = healthSeries(epochs, 'deadFraction');
    expect(dead.map((s) => s.label)).toEqual(['C1', 'C3', 'C5', 'F6']);
    expect(dead[1].points).toEqual([{ x: 1, y: 0.1 }, { x: 2, y: 0.1 }, { x: 3, y: 1 }]);
    const ratio = healthSeries(epochs, 'updateRatio');
    expect(ratio.map((s) => s.label)).toEqual(['C1', 'C3', 'C5', 'F6', 'output']);
    expect(ratio[0].points.map((p) => p.x)).toEqual([2, 3]);
    expect(healthSeries(epochs, 'inactiveWeights')[2].points[0].y).toBe(0.25);
    expect(healthSeries(epochs, 'weightNorm')[1].points[0].y).toBe(4);
    // A log axis has no 0: C3's gradient at epoch 3 is left out, and its legend says so.
    expect(healthSeries(epochs, 'gradNorm')[1]).toEqual({ layer: 'C3', label: 'C3 (0 at 1 epoch, not drawn)', zeros: 1, points: [{ x: 1, y: 0.4 }, { x: 2, y: 0.2 }] });
    expect(healthSeries(epochs, 'gradNorm')[0].label).toBe('C1');
    // Runs recorded before gradients were measured: no points.
    const old = [1, 2].map((e) => ({ epoch: e, health: health(e, { grads: false }) }));
    expect(healthSeries(old, 'gradNorm').every((s) => s.points.length === 0)).toBe(true);
  });

  it('summarises the latest epoch per layer', () => {
    const rows = healthTable(health(3, { c3Dead: 1, c3Norm: 0 }));
    expect(rows.map((r) => r.layer)).toEqual(['C1', 'C3', 'C5', 'F6', 'output']);
    expect(rows[1]).toMatchObject({ weightNorm: 0, weightRms: 0, gradNorm: 0, dead: { fraction: 1, deadChannels: 16, allZero: true } });
    expect(rows[2].gradNorm).toBeCloseTo(0.3, 12);
    expect(healthTable(health(3, { grads: false })).every((r) => r.gradNorm === null)).toBe(true);
    expect(rows[2].weightRms).toBeCloseTo(9 / Math.sqrt(48000), 12);
    expect(rows[4]).toMatchObject({ dead: null, nonFinite: 2 });
  });
});

describe('scrubber', () => {
  it('steps through recorded epochs and wraps; finds the nearest recorded one', () => {
    expect(nextEpoch([1, 2, 5], 2)).toBe(5);
    expect(nextEpoch([1, 2, 5], 5)).toBe(1);
    expect(nextEpoch([1, 2, 5], 3)).toBe(1);
    expect(nextEpoch([], 1)).toBeNull();
    expect(nearestEpoch([1, 2, 5], 4)).toBe(5);
    expect(nearestEpoch([2, 4], 3)).toBe(2);
    expect(nearestEpoch([], 3)).toBeNull();
  });
});

describe('parallel coordinates in pixels', () => {
  const runs = [
    { id: 'a', config: { lr: 1e-4, opt: 'adam' }, metrics: { acc: 0.9 } },
    { id: 'b', config: { lr: 1e-2, opt: 'sgd' }, metrics: { acc: null } },
    { id: 'c', config: { lr: 1e-3, opt: 'adam' }, metrics: { acc: 0.99 } },
  ];
  const data = parallelCoordinates(runs, ['acc']);
  const box = { width: 420, height: 220, top: 20, bottom: 20, left: 10, right: 10 };

  it('spreads the axes and maps positions to pixels; a missing value breaks the line', () => {
    const g = parallelGeometry(data, box);
    expect(g.axisX).toEqual([10, 210, 410]);
    expect(g.y(1)).toBe(20);
    expect(g.y(0)).toBe(200);
    const b = g.segments.find((s) => s.id === 'b')!;
    expect(b.points).toHaveLength(1);
    expect(b.points[0]).toHaveLength(2);
    expect(g.segments.find((s) => s.id === 'a')!.points[0]).toHaveLength(3);
  });

  it('turns a drag into a brush that keeps the runs inside it', () => {
    const brush = brushFromPixels(150, 10, box); // dragged upwards, past the top
    expect(brush.to).toBe(1);
    expect(brush.from).toBeCloseTo(50 / 180, 12);
    expect(brushRuns(data, [{ axis: 'lr', ...brush }]).sort()).toEqual(['b', 'c']);
  });
});

describe('numbers in the health views', () => {
  it('formats shares and measures', async () => {
    const { formatShare, formatMeasure } = await import('../../src-shared/ui/insight');
    expect([0, 0.0004, 0.25, 0.9996, 1, NaN].map(formatShare)).toEqual(['0%', '< 0.1%', '25.0%', '> 99.9%', '100%', '—']);
    expect([0, 5.5e-9, 0.0493, 16.04, 12345, null].map(formatMeasure)).toEqual(['0', '5.5e-9', '0.0493', '16', '1.2e+4', '—']);
  });
});

describe('fraction charts', () => {
  it('fix the y axis to 0..100% instead of padding the data range', async () => {
    const { lineChartOptions } = await import('../../src-shared/ui/chartOptions');
    const data = [{ label: 'C3', data: [{ x: 1, y: 0 }, { x: 2, y: 0 }] }];
    const fixed = lineChartOptions({ xTitle: 'epoch', yTitle: 'dead', percent: true, yRange: { min: 0, max: 1 }, text: '#000', grid: '#eee' }, data) as unknown as { scales: { y: Record<string, unknown> } };
    expect(fixed.scales.y).toMatchObject({ min: 0, max: 1 });
    expect(fixed.scales.y.grace).toBeUndefined();
    const free = lineChartOptions({ xTitle: 'epoch', yTitle: 'dead', text: '#000', grid: '#eee' }, data) as unknown as { scales: { y: Record<string, unknown> } };
    expect(free.scales.y.grace).toBe('6%');
  });
});

describe('axes of the SVG plots', () => {
  it('picks round ticks, drops crowded ones and wraps long labels', async () => {
    const { niceTicks, spacedTicks, wrapLabel } = await import('../../src-shared/ui/insight');
    expect(niceTicks(0.1, 0.95, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(-2, 7, 3)).toEqual([0, 5]);
    expect(spacedTicks([{ px: 10 }, { px: 15 }, { px: 40 }, { px: 45 }], 12).map((t) => t.px)).toEqual([10, 45]);
    expect(spacedTicks([{ px: 10 }, { px: 30 }, { px: 40 }, { px: 60 }], 12).map((t) => t.px)).toEqual([10, 30, 60]);
    expect(spacedTicks([{ px: 3 }], 12)).toEqual([{ px: 3 }]);
    expect(wrapLabel('Checkpoint every N epochs', 14)).toEqual(['Checkpoint', 'every N epochs']);
    expect(wrapLabel('best validation accuracy', 14)).toEqual(['best', 'validation', 'accuracy']);
    expect(wrapLabel('Seed', 14)).toEqual(['Seed']);
  });
});
