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

/** `#rrggbb` → `#rrggbbaa`, `hsl(h s l)` → `hsl(h s l / a)`; other colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  if (/^#[0-9a-f]{6}$/i.test(c)) return c + Math.round(Math.min(1, Math.max(0, alpha)) * 255).toString(16).padStart(2, '0');
  const m = /^hsl\(([^/)]+)\)$/.exec(c);
  return m ? `hsl(${m[1].trim()} / ${alpha})` : color;
}

/** The k most probable classes, most probable first (ties: lower class first). */
export function topK(probabilities: ArrayLike<number>, k = 3): { label: number; p: number }[] {
  const idx = Array.from({ length: probabilities.length }, (_, i) => i);
  idx.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return idx.slice(0, k).map((i) => ({ label: i, p: probabilities[i] }));
}

// Log axes: ticks at 1, 2 and 5 × 10^k with short labels, and bounds on such values, so a narrow
// range (a loss stuck near 2.3026) still gets two labelled ticks instead of "2.30205".

const STEPS = [1, 2, 5];

/** The 1-2-5 values from below `lo` to above `hi` (both > 0), ascending. */
function steps125(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)) + 1; k++) {
    for (const s of STEPS) out.push(Number((s * 10 ** k).toPrecision(1)));
  }
  return out;
}

/** Bounds for a log axis over [min, max] (> 0): the nearest 1-2-5 values at or outside the data. */
export function logAxisBounds(min: number, max: number): { min: number; max: number } {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return { min: 1, max: 10 };
  if (min > max) [min, max] = [max, min];
  const all = steps125(min, max);
  const eps = 1e-9;
  const lo = [...all].reverse().find((v) => v <= min * (1 + eps)) ?? all[0];
  let hi = all.find((v) => v >= max * (1 - eps)) ?? all[all.length - 1];
  if (hi <= lo) hi = all[all.indexOf(lo) + 1];
  return { min: lo, max: hi };
}

/**
 * Tick values for a log axis over [min, max]: every 1-2-5 value inside it, or only the powers of
 * ten when that would be more than `maxTicks` (many decades).
 */
export function logTicks(min: number, max: number, maxTicks = 10): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max) || min > max) return [];
  const eps = 1e-9;
  const inside = steps125(min, max).filter((v) => v >= min * (1 - eps) && v <= max * (1 + eps));
  if (inside.length <= maxTicks) return inside;
  return inside.filter((v) => Number.isInteger(Math.log10(v)) || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
}

/** A short label for a 1-2-5 tick: "0.5", "20", "1e-4", "2e5". */
export function formatLogTick(v: number): string {
  if (v >= 0.001 && v < 1e5) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential().split('e');
  return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
}
