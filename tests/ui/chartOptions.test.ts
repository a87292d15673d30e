import { describe, expect, it } from 'vitest';
import { dataXRange, dragToRange, legendLabels, lineChartOptions, paddedXRange } from '../../src-shared/ui/chartOptions';

const spec = { xTitle: 'epoch', yTitle: 'accuracy', percent: true, integerX: true, padX: true, text: '#000', grid: '#eee' };
const acc = [
  { data: [{ x: 1, y: 0.9152 }, { x: 2, y: 0.949 }, { x: 3, y: 0.965 }] },
  { data: [{ x: 1, y: 0.925 }, { x: 2, y: 0.937 }, { x: 3, y: 0.946 }] },
];

describe('line chart options', () => {
  it('keep the first and last epochs’ points inside the plot (defect: first-epoch points hid in the corner)', () => {
    const o = lineChartOptions(spec, acc);
    expect(o.scales.x.min).toBeLessThan(1);
    expect(o.scales.x.max).toBeGreaterThan(3);
    expect(o.scales.y).toMatchObject({ grace: '6%' });
    expect(o.scales.x.ticks).toMatchObject({ includeBounds: false, stepSize: 1 });
    expect(lineChartOptions({ ...spec, integerX: false, wholeX: true }, acc).scales.x.ticks).toMatchObject({ precision: 0 });
    // a single epoch gets a range around it
    expect(paddedXRange({ min: 1, max: 1 })).toEqual({ min: 0.5, max: 1.5 });
  });

  it('use the zoomed range while zoomed, and none of their own for unpadded charts', () => {
    expect(lineChartOptions({ ...spec, zoom: { min: 1.5, max: 2 } }, acc).scales.x).toMatchObject({ min: 1.5, max: 2 });
    expect(lineChartOptions({ ...spec, padX: false }, acc).scales.x.min).toBeUndefined();
  });

  it('draw legend entries as line samples (dashed with the series) and hide the raw series', () => {
    const l = legendLabels('#000');
    expect(l).toMatchObject({ usePointStyle: true, pointStyle: 'line' });
    expect(l.filter({ text: 'loss (raw)' })).toBe(false);
    expect(l.filter({ text: 'train accuracy' })).toBe(true);
  });

  it('label ticks and tooltips', () => {
    const o = lineChartOptions(spec, acc);
    expect(o.scales.y.ticks.callback?.(0.955)).toBe('95.5%');
    expect(o.plugins.tooltip.callbacks.label({ dataset: { label: 'validation accuracy' }, parsed: { y: 0.925 } })).toBe('validation accuracy: 92.50%');
    expect(o.plugins.tooltip.callbacks.title([{ parsed: { x: 2 } }])).toBe('epoch 2');
  });

  it('the data range ignores non-finite x', () => {
    expect(dataXRange([{ data: [{ x: NaN, y: 1 }, { x: 4, y: 1 }, { x: 2, y: 1 }] }])).toEqual({ min: 2, max: 4 });
    expect(dataXRange([{ data: [] }])).toBeNull();
  });
});

describe('drag to zoom', () => {
  const scale = { left: 100, right: 500, min: 0, max: 40 };
  it('maps the dragged pixels to x values, in either direction, clamped to the plot', () => {
    expect(dragToRange(200, 300, scale)).toEqual({ min: 10, max: 20 });
    expect(dragToRange(300, 200, scale)).toEqual({ min: 10, max: 20 });
    expect(dragToRange(50, 150, scale)).toEqual({ min: 0, max: 5 });
  });
  it('treats a tiny drag as a click', () => {
    expect(dragToRange(200, 203, scale)).toBeNull();
  });
});
