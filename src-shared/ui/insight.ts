// Pure transforms behind the insight views (issue 11): colour maps for feature maps, kernels and
// saliency; the training-health series and table; the scrubber's stepping; parallel-coordinates
// geometry and brushing in pixels. No DOM: the components draw what these return.

import type { EpochHealth, ReluLayer } from '../engine/inspect/health';
import type { ParallelData } from '../insight/parallel';
import type { Point } from './thin';
import type { Theme } from './colors';

// ---------------------------------------------------------------------------------------------
// Colour maps. Control points are interpolated linearly in sRGB; both maps are monotonic in
// lightness, so the order of values survives a greyscale print.

type Rgb = readonly [number, number, number];

/** Sequential (ReLU outputs ≥ 0): from the paper colour to a saturated dark (light) or bright (dark theme) end. */
const SEQUENTIAL: Readonly<Record<Theme, readonly Rgb[]>> = {
  light: [[255, 255, 255], [254, 224, 144], [253, 141, 60], [217, 72, 1], [127, 39, 4]],
  dark: [[24, 24, 27], [84, 39, 143], [188, 60, 120], [251, 136, 97], [252, 253, 191]],
};
/** Diverging (weights, gradients): negative blue, zero the paper colour, positive red. */
const DIVERGING: Readonly<Record<Theme, { neg: Rgb; mid: Rgb; pos: Rgb }>> = {
  light: { neg: [33, 102, 172], mid: [247, 247, 247], pos: [178, 24, 43] },
  dark: { neg: [103, 169, 207], mid: [24, 24, 27], pos: [239, 138, 98] },
};

function lerp(a: Rgb, b: Rgb, t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function sequentialColor(t: number, theme: Theme): [number, number, number] {
  const stops = SEQUENTIAL[theme];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  return lerp(stops[i], stops[i + 1], x - i);
}

function divergingColor(t: number, theme: Theme): [number, number, number] {
  const d = DIVERGING[theme];
  const c = Math.min(1, Math.max(-1, t));
  return c < 0 ? lerp(d.mid, d.neg, -c) : lerp(d.mid, d.pos, c);
}

/** The largest |value| of values[offset .. offset + n) over finite values (0 when there are none). */
export function absMax(values: ArrayLike<number>, offset = 0, n = values.length - offset): number {
  let m = 0;
  for (let i = offset; i < offset + n; i++) {
    const v = Math.abs(values[i]);
    if (v > m && Number.isFinite(v)) m = v;
  }
  return m;
}

export interface HeatOptions {
  /** 'sequential' for values ≥ 0 (0 is the paper colour), 'diverging' for signed values (0 is the paper colour). */
  mode: 'sequential' | 'diverging';
  /** The value drawn at full colour; default the map's own |max| (a shared max compares maps). */
  max?: number;
  theme: Theme;
}

/**
 * A (height × width) map of values[offset ..] as RGBA bytes for ImageData. Non-finite values are
 * drawn in a warning magenta (a diverged network shows where).
 */
export function heatRgba(values: ArrayLike<number>, width: number, height: number, offset: number, opts: HeatOptions): Uint8ClampedArray<ArrayBuffer> {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`A heat map needs whole positive sides (got ${width}×${height}).`);
  if (!Number.isInteger(offset) || offset < 0 || offset + n > values.length) throw new RangeError(`Need ${n} values at offset ${offset}, have ${values.length}.`);
  const max = opts.max ?? absMax(values, offset, n);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const v = values[offset + i];
    const c: [number, number, number] = !Number.isFinite(v)
      ? [255, 0, 255]
      : opts.mode === 'sequential' ? sequentialColor(max > 0 ? v / max : 0, opts.theme) : divergingColor(max > 0 ? v / max : 0, opts.theme);
    out.set([Math.round(c[0]), Math.round(c[1]), Math.round(c[2]), 255], i * 4);
  }
  return out;
}

/**
 * Saliency over a digit: the digit in faint grey, the gradient on top in the diverging colours
 * with opacity growing with |g| (positive red: more ink there raises the score; negative blue).
 * `max` is the |g| drawn at full strength (default the map's own).
 */
export function saliencyRgba(pixels: ArrayLike<number>, gradient: ArrayLike<number>, theme: Theme, max = absMax(gradient)): Uint8ClampedArray<ArrayBuffer> {
  if (pixels.length !== gradient.length) throw new RangeError(`pixels (${pixels.length}) and gradient (${gradient.length}) differ in size.`);
  const paper: Rgb = DIVERGING[theme].mid;
  const ink: Rgb = theme === 'light' ? [120, 120, 120] : [150, 150, 150];
  const out = new Uint8ClampedArray(pixels.length * 4);
  for (let i = 0; i < pixels.length; i++) {
    const base = lerp(paper, ink, Math.min(1, Math.max(0, pixels[i] / 255)) * 0.6);
    const g = gradient[i];
    const t = max > 0 && Number.isFinite(g) ? Math.min(1, Math.abs(g) / max) : 0;
    const c = lerp(base, g >= 0 ? DIVERGING[theme].pos : DIVERGING[theme].neg, Math.sqrt(t));
    out.set([Math.round(c[0]), Math.round(c[1]), Math.round(c[2]), 255], i * 4);
  }
  return out;
}

/** Ten class colours (Tableau 10; brighter for the dark theme), for per-class curves. */
export const CLASS_COLORS: Readonly<Record<Theme, readonly string[]>> = {
  light: ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#b6992d', '#b07aa1', '#ff9da7', '#9c755f', '#79706e'],
  dark: ['#7aa6d6', '#ffae5c', '#ff8587', '#9fe0db', '#8bd17f', '#edc948', '#d9a6cb', '#ffbec5', '#c9a58c', '#bab0ac'],
};

// ---------------------------------------------------------------------------------------------
// Training health as series and a table.

export type HealthMetric = 'weightNorm' | 'gradNorm' | 'updateRatio' | 'deadFraction' | 'inactiveWeights';

export const HEALTH_METRICS: readonly { id: HealthMetric; label: string; axis: string; log: boolean; percent: boolean }[] = [
  { id: 'deadFraction', label: 'Dead ReLUs (never fire on the sample)', axis: 'dead units', log: false, percent: true },
  { id: 'weightNorm', label: 'Weight norm ‖W‖ per layer', axis: '‖W‖', log: true, percent: false },
  { id: 'gradNorm', label: 'Gradient norm ‖∇W‖ per layer', axis: '‖∇W‖', log: true, percent: false },
  { id: 'updateRatio', label: 'Update ratio ‖ΔW‖ / ‖W‖ per epoch', axis: '‖ΔW‖ / ‖W‖', log: true, percent: false },
  { id: 'inactiveWeights', label: 'Weights at zero or subnormal', axis: 'weights', log: false, percent: true },
];

const LAYER_LABEL: Record<string, string> = { c1: 'C1', c3: 'C3', c5: 'C5', f6: 'F6', out: 'output' };

export interface HealthSeries {
  /** The layer's label (C1 … output). */
  layer: string;
  /** The legend's label: the layer, and what a log axis leaves out. */
  label: string;
  points: Point[];
  /** Epochs whose value was 0 on a log axis: not drawn. */
  zeros: number;
}

/** What a log axis leaves out of a series: "(0 at 3 epochs, not drawn)". */
export function zerosNote(zeros: number): string {
  return `(0 at ${zeros === 1 ? '1 epoch' : `${zeros} epochs`}, not drawn)`;
}

/** One series per layer of a health metric over the recorded epochs (null values are skipped). */
export function healthSeries(epochs: readonly { epoch: number; health: EpochHealth }[], metric: HealthMetric): HealthSeries[] {
  if (metric === 'deadFraction') {
    const layers: ReluLayer[] = ['c1', 'c3', 'c5', 'f6'];
    return layers.map((l) => ({
      layer: LAYER_LABEL[l],
      label: LAYER_LABEL[l],
      zeros: 0,
      points: epochs.flatMap((e) => {
        const r = e.health.relus.find((x) => x.layer === l);
        return r ? [{ x: e.epoch, y: r.deadFraction }] : [];
      }),
    }));
  }
  const names = ['c1', 'c3', 'c5', 'f6', 'out'];
  // A log axis has no 0: such values are left out (the table shows them) and the legend says so,
  // instead of chart.js drawing them at the axis' bottom as if they were small.
  const log = HEALTH_METRICS.find((m) => m.id === metric)?.log ?? false;
  return names.map((l) => {
    let zeros = 0;
    const points = epochs.flatMap((e) => {
      const t = e.health.tensors.find((x) => x.layer === l && x.kind === 'weight');
      if (!t) return [];
      const y = metric === 'weightNorm' ? t.norm : metric === 'gradNorm' ? t.gradNorm : metric === 'updateRatio' ? t.updateRatio : t.subnormalFraction + t.zeroFraction;
      if (y === null || !Number.isFinite(y)) return [];
      if (log && y <= 0) {
        zeros++;
        return [];
      }
      return [{ x: e.epoch, y }];
    });
    return { layer: LAYER_LABEL[l], label: zeros ? `${LAYER_LABEL[l]} ${zerosNote(zeros)}` : LAYER_LABEL[l], points, zeros };
  });
}

export interface HealthRow {
  layer: string;
  /** Weight tensor: norm, RMS (norm/√size), update ratio, share of weights at 0 or subnormal. */
  weightNorm: number;
  weightRms: number;
  /** ‖∇W‖ of the mean data loss over the sample; null for runs recorded before it was measured. */
  gradNorm: number | null;
  updateRatio: number | null;
  inactive: number;
  nonFinite: number;
  /** The layer's ReLU (none for the output layer). */
  dead: { fraction: number; channels: number; deadChannels: number; allZero: boolean } | null;
}

/** The latest epoch's health, one row per layer. */
export function healthTable(h: EpochHealth): HealthRow[] {
  return ['c1', 'c3', 'c5', 'f6', 'out'].flatMap((l) => {
    const w = h.tensors.find((t) => t.layer === l && t.kind === 'weight');
    if (!w) return [];
    const r = h.relus.find((x) => x.layer === l);
    const nonFinite = h.tensors.filter((t) => t.layer === l).reduce((a, t) => a + t.nonFinite, 0);
    return [{
      layer: LAYER_LABEL[l], weightNorm: w.norm, weightRms: w.norm / Math.sqrt(w.size), gradNorm: w.gradNorm, updateRatio: w.updateRatio,
      inactive: w.subnormalFraction + w.zeroFraction, nonFinite,
      dead: r ? { fraction: r.deadFraction, channels: r.channels, deadChannels: r.deadChannels, allZero: r.allZero } : null,
    }];
  });
}

// ---------------------------------------------------------------------------------------------
// The confusion scrubber: stepping through recorded epochs.

/** The recorded epoch after `current` (wrapping to the first), or the first when current is not recorded. */
export function nextEpoch(epochs: readonly number[], current: number): number | null {
  if (epochs.length === 0) return null;
  const i = epochs.indexOf(current);
  return i < 0 || i === epochs.length - 1 ? epochs[0] : epochs[i + 1];
}

/** The recorded epoch closest to `wanted` (ties: the earlier), or null when none is recorded. */
export function nearestEpoch(epochs: readonly number[], wanted: number): number | null {
  let best: number | null = null;
  for (const e of epochs) if (best === null || Math.abs(e - wanted) < Math.abs(best - wanted)) best = e;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Parallel coordinates in pixels.

export interface ParallelBox {
  width: number;
  height: number;
  /** Space around the plot: labels above, ticks left of each axis. */
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface ParallelGeometry {
  axisX: number[];
  /** Pixel y of a position 0..1 (1 at the top). */
  y: (position: number) => number;
  /** Each line's polyline segments (a missing value breaks the line): [[x, y], …] per segment. */
  segments: { id: string; points: [number, number][][] }[];
}

export function parallelGeometry(data: ParallelData, box: ParallelBox): ParallelGeometry {
  const n = data.axes.length;
  const inner = box.width - box.left - box.right;
  const axisX = data.axes.map((_, i) => box.left + (n > 1 ? (inner * i) / (n - 1) : inner / 2));
  const y = (p: number) => box.top + (1 - p) * (box.height - box.top - box.bottom);
  const segments = data.lines.map((l) => {
    const segs: [number, number][][] = [];
    let cur: [number, number][] = [];
    l.positions.forEach((p, i) => {
      if (p === null) {
        if (cur.length) segs.push(cur);
        cur = [];
      } else cur.push([axisX[i], y(p)]);
    });
    if (cur.length) segs.push(cur);
    return { id: l.id, points: segs };
  });
  return { axisX, y, segments };
}

/** A brush dragged from pixel y0 to y1 as positions 0..1 on the axis (clamped; from ≤ to). */
export function brushFromPixels(y0: number, y1: number, box: ParallelBox): { from: number; to: number } {
  const h = box.height - box.top - box.bottom;
  const pos = (y: number) => Math.min(1, Math.max(0, 1 - (y - box.top) / h));
  const a = pos(y0), b = pos(y1);
  return { from: Math.min(a, b), to: Math.max(a, b) };
}

// ---------------------------------------------------------------------------------------------
// Numbers in the health views.

/** A share with one decimal: 0 → "0%", 0.0004 → "< 0.1%", 0.25 → "25.0%", 1 → "100%". */
export function formatShare(f: number): string {
  if (!Number.isFinite(f)) return '—';
  if (f === 0) return '0%';
  if (f === 1) return '100%';
  if (f > 0 && f < 0.001) return '< 0.1%';
  if (f > 0.999 && f < 1) return '> 99.9%';
  return `${(f * 100).toFixed(1)}%`;
}

/** A measure spanning many decades (norms, ratios): 3 significant digits, exponent outside 0.01–1000. */
export function formatMeasure(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  return Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}

// ---------------------------------------------------------------------------------------------
// Axis ticks and labels for the hand-drawn (SVG) plots.

/** About `count` round tick values (1, 2 or 5 × 10^k apart) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  // The finest of 1, 2, 5 × 10^k that makes at most count + 1 intervals.
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => (hi - lo) / s <= count + 1) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Keeps ticks at least `gap` pixels apart so their labels do not overlap: the two ends first (an
 * axis's range is what a reader needs most), then each tick in between that has room.
 */
export function spacedTicks<T extends { px: number }>(ticks: readonly T[], gap: number): T[] {
  const sorted = [...ticks].sort((a, b) => a.px - b.px);
  if (sorted.length <= 1) return sorted;
  const last = sorted[sorted.length - 1];
  const out: T[] = [sorted[0]];
  for (const t of sorted.slice(1, -1)) if (t.px - out[out.length - 1].px >= gap && last.px - t.px >= gap) out.push(t);
  if (last.px - out[out.length - 1].px >= gap) out.push(last);
  return out;
}

/** A label broken into lines of at most `width` characters at spaces (a longer word stays whole). */
export function wrapLabel(label: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(/\s+/).filter(Boolean)) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}
