// chart.js options for the workbench's line charts, as plain data and functions (no chart.js import),
// so what a chart promises is tested without a canvas:
// - points at the ends of the data stay inside the plot (the x range is padded and the y range has
//   grace): the first epoch's train accuracy, usually the lowest value, used to sit in the corner
//   on top of both axes and looked missing;
// - the legend draws each series as a line sample, dashed when the line is (a dashed box looked
//   like a crossed-out one), and leaves out the faint raw series;
// - a zoomed x range (drag to zoom) replaces the data's range until it is reset.

import { formatLogTick, logAxisBounds, logTicks } from './chartData';
import type { Point } from './thin';

export interface ChartSpec {
  xTitle: string;
  yTitle: string;
  logY?: boolean;
  percent?: boolean;
  /** x is a count (epochs): a tick at every whole number. */
  integerX?: boolean;
  /** x takes whole numbers (iterations): no fractional tick labels. */
  wholeX?: boolean;
  /** Pad the x range so the first and last points are drawn whole (charts with point markers). */
  padX?: boolean;
  /** The zoomed x range, or null for the data's own. */
  zoom?: { min: number; max: number } | null;
  /** Fixed y bounds (a fraction's 0..1), instead of the data's range with some grace. */
  yRange?: { min: number; max: number };
  /** Theme colours: tick and title text, grid lines. */
  text: string;
  grid: string;
}

/** min/max of the x values of every dataset, or null without points. */
export function dataXRange(datasets: readonly { data: readonly Point[] }[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const d of datasets)
    for (const p of d.data) {
      if (!Number.isFinite(p.x)) continue;
      if (p.x < min) min = p.x;
      if (p.x > max) max = p.x;
    }
  return min <= max ? { min, max } : null;
}

/** The x range with a margin: 4% of the span each side, or ±0.5 around a single x. */
export function paddedXRange(range: { min: number; max: number }): { min: number; max: number } {
  const span = range.max - range.min;
  const pad = span > 0 ? span * 0.04 : 0.5;
  return { min: range.min - pad, max: range.max + pad };
}

export function formatAxisValue(v: number, percent: boolean): string {
  if (percent) return `${Number((v * 100).toPrecision(4))}%`;
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(4)));
}

/** The legend's label options: line samples (dashed when the series is), the raw series left out. */
export function legendLabels(text: string) {
  return {
    color: text,
    usePointStyle: true,
    pointStyle: 'line' as const,
    // the width of the line sample (chart.js sizes the 'line' point style by this, not boxWidth)
    pointStyleWidth: 28,
    filter: (item: { text: string }) => !item.text.endsWith('(raw)'),
  };
}

export function lineChartOptions(spec: ChartSpec, datasets: readonly { data: readonly Point[] }[]) {
  const { text, grid } = spec;
  const range = dataXRange(datasets);
  const xBounds = spec.zoom ?? (range && spec.padX ? paddedXRange(range) : null);
  const fmtY = (y: number | null) => (y === null ? '—' : spec.percent ? `${(y * 100).toFixed(2)}%` : y.toPrecision(4));
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    parsing: false as const,
    normalized: true,
    interaction: { mode: 'nearest' as const, intersect: false, axis: 'x' as const },
    plugins: {
      legend: { labels: legendLabels(text) },
      tooltip: {
        callbacks: {
          title: (items: { parsed: { x: number | null } }[]) => (items.length && items[0].parsed.x !== null ? `${spec.xTitle} ${formatAxisValue(items[0].parsed.x, false)}` : ''),
          label: (c: { dataset: { label?: string }; parsed: { y: number | null } }) => `${c.dataset.label}: ${fmtY(c.parsed.y)}`,
        },
      },
    },
    scales: {
      x: {
        type: 'linear' as const,
        ...(xBounds ? { min: xBounds.min, max: xBounds.max } : {}),
        title: { display: true, text: spec.xTitle, color: text },
        // A padded or zoomed range ends between ticks: label the ticks, not the ends ("2.04").
        ticks: { color: text, ...(xBounds ? { includeBounds: false } : {}), ...(spec.integerX ? { stepSize: 1, precision: 0 } : spec.wholeX ? { precision: 0 } : {}) },
        grid: { color: grid },
      },
      y: {
        type: spec.logY ? ('logarithmic' as const) : ('linear' as const),
        title: { display: true, text: spec.yTitle, color: text },
        // chart.js's own tick labels adapt their precision to the range; percentages get a suffix.
        // A log axis gets bounds and ticks at 1, 2, 5 × 10^k, every one labelled.
        ticks: {
          color: text,
          ...(spec.percent ? { callback: (v: number | string) => formatAxisValue(Number(v), true) } : {}),
          ...(spec.logY ? { autoSkip: false, callback: (v: number | string) => formatLogTick(Number(v)) } : {}),
        },
        ...(spec.logY
          ? {
              afterDataLimits: (scale: { min: number; max: number }) => Object.assign(scale, logAxisBounds(scale.min, scale.max)),
              afterBuildTicks: (scale: { min: number; max: number; ticks: { value: number }[] }) => {
                scale.ticks = logTicks(scale.min, scale.max, 8).map((value) => ({ value }));
              },
            }
          : spec.yRange ? { min: spec.yRange.min, max: spec.yRange.max } : { grace: '6%' }),
        grid: { color: grid },
      },
    },
  };
}

/**
 * The x range a drag across the plot selects: pixels → data values through the scale's linear map.
 * Null for a drag narrower than `minPixels` (a click, not a zoom).
 */
export function dragToRange(fromPx: number, toPx: number, scale: { left: number; right: number; min: number; max: number }, minPixels = 6): { min: number; max: number } | null {
  const lo = Math.max(scale.left, Math.min(fromPx, toPx));
  const hi = Math.min(scale.right, Math.max(fromPx, toPx));
  if (hi - lo < minPixels || scale.right <= scale.left) return null;
  const at = (px: number) => scale.min + ((px - scale.left) / (scale.right - scale.left)) * (scale.max - scale.min);
  return { min: at(lo), max: at(hi) };
}
