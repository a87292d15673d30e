// Chart series built from run data, independent of the chart library: the components hand these
// to chart.js. Smoothing happens on the full series, then points are thinned for display.

import { emaSmooth } from './smoothing';
import { thinPoints, type Point } from './thin';

export interface LossSeries {
  raw: Point[];
  smoothed: Point[];
}

/** The loss chart: raw (faint) and smoothed series, each at most `maxPoints` points. */
export function lossSeries(iterations: ArrayLike<number>, losses: ArrayLike<number>, weight: number, maxPoints = 600, logScale = false): LossSeries {
  const smooth = emaSmooth(losses, weight);
  const raw = thinPoints(iterations, losses, maxPoints);
  const smoothed = thinPoints(iterations, smooth, maxPoints);
  return logScale ? { raw: positiveOnly(raw), smoothed: positiveOnly(smoothed) } : { raw, smoothed };
}

/** A log axis cannot show 0, negative or non-finite values: drop them. */
export function positiveOnly(points: readonly Point[]): Point[] {
  return points.filter((p) => p.y > 0 && Number.isFinite(p.y));
}

/** Per-epoch series from rows: [{x: epoch, y: pick(row)}], skipping rows where pick gives null. */
export function epochSeries<R extends { epoch: number }>(rows: readonly R[], pick: (r: R) => number | null | undefined): Point[] {
  const out: Point[] = [];
  for (const r of rows) {
    const y = pick(r);
    if (y === null || y === undefined) continue;
    out.push({ x: r.epoch, y });
  }
  return out.sort((a, b) => a.x - b.x);
}

export interface LineDataset {
  label: string;
  data: Point[];
  borderColor: string;
  backgroundColor: string;
  borderWidth: number;
  pointRadius: number;
  borderDash?: number[];
  order?: number;
}

/** A plain line dataset for chart.js. */
export function lineDataset(label: string, data: Point[], color: string, opts: { faint?: boolean; dashed?: boolean; points?: boolean } = {}): LineDataset {
  const ds: LineDataset = {
    label,
    data,
    borderColor: opts.faint ? withAlpha(color, 0.25) : color,
    backgroundColor: opts.faint ? withAlpha(color, 0.25) : color,
    borderWidth: opts.faint ? 1 : 2,
    pointRadius: opts.points ? 2 : 0,
    order: opts.faint ? 2 : 1,
  };
  if (opts.dashed) ds.borderDash = [6, 4];
  return ds;
}

/** `hsl(h s l)` → `hsl(h s l / a)`; other colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^hsl\(([^/)]+)\)$/.exec(color.trim());
  return m ? `hsl(${m[1].trim()} / ${alpha})` : color;
}

/** The k most probable classes, most probable first (ties: lower class first). */
export function topK(probabilities: ArrayLike<number>, k = 3): { label: number; p: number }[] {
  const idx = Array.from({ length: probabilities.length }, (_, i) => i);
  idx.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return idx.slice(0, k).map((i) => ({ label: i, p: probabilities[i] }));
}
