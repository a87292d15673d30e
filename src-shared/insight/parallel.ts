// Parallel coordinates and scatter data over selected runs: each setting that varies between the
// runs is an axis, then the chosen final metrics; every run is a line through its positions. A
// brush is a range of positions on an axis; brushRuns keeps the runs inside every brush.
// Positions are 0..1 along each axis (the view maps them to pixels), null where a run has no value.
// Axis kinds: numbers spanning two decades or more (all positive) get a log axis (learning rates,
// L2), other numbers a linear one, anything else (optimiser, sampling) a category axis with its
// values sorted, so the picture does not depend on the order the runs were picked in.

import { configDiff } from '../metrics';

export interface RunPoint {
  id: string;
  /** Shown on hover; the id when absent. */
  label?: string;
  /** The run's settings (e.g. its RunConfig). */
  config: Readonly<Record<string, unknown>>;
  /** Final metrics, e.g. { testAccuracy: 0.99, valLoss: 0.03 }; null or absent = not recorded. */
  metrics: Readonly<Record<string, number | null | undefined>>;
}

export type AxisKind = 'linear' | 'log' | 'category';

export interface Tick { label: string; position: number }

export interface Axis {
  key: string;
  source: 'setting' | 'metric';
  kind: AxisKind;
  /** Numeric axes: the value range (min = max when every run has the same value). */
  min: number | null;
  max: number | null;
  /** Category axes: the values in axis order. */
  categories: string[];
  ticks: Tick[];
}

export interface ParallelLine { id: string; label: string; positions: (number | null)[] }

export interface ParallelData { axes: Axis[]; lines: ParallelLine[] }

const MAX_TICKS = 6;

function fmtValue(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(1);
}

/** Builds one axis from the values the runs have on it (undefined/null = missing). */
function buildAxis(key: string, source: Axis['source'], values: readonly unknown[]): { axis: Axis; position: (v: unknown) => number | null } {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (numeric) {
    const nums = present as number[];
    const min = Math.min(...nums), max = Math.max(...nums);
    const kind: AxisKind = min > 0 && max / min >= 100 ? 'log' : 'linear';
    const f = kind === 'log' ? Math.log : (x: number) => x;
    const lo = f(min), span = f(max) - lo;
    const position = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? (span > 0 ? (f(v) - lo) / span : 0.5) : null);
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const tickValues = distinct.length <= MAX_TICKS ? distinct : Array.from({ length: 5 }, (_, i) => (kind === 'log' ? Math.exp(lo + (span * i) / 4) : lo + (span * i) / 4));
    const ticks = tickValues.map((v) => ({ label: fmtValue(v), position: position(v) ?? 0.5 }));
    return { axis: { key, source, kind, min, max, categories: [], ticks }, position };
  }
  const categories = [...new Set(present.map((v) => String(v)))].sort();
  const n = categories.length;
  const position = (v: unknown): number | null => {
    if (v === undefined || v === null) return null;
    const i = categories.indexOf(String(v));
    return i < 0 ? null : n > 1 ? i / (n - 1) : 0.5;
  };
  return { axis: { key, source, kind: 'category', min: null, max: null, categories, ticks: categories.map((c) => ({ label: c, position: position(c) ?? 0.5 })) }, position };
}

/**
 * The parallel-coordinates picture of `runs`: an axis per varied setting (or the `settings`
 * given), then one per metric in `metrics`, in that order.
 */
export function parallelCoordinates(runs: readonly RunPoint[], metrics: readonly string[], settings?: readonly string[]): ParallelData {
  const ids = new Set<string>();
  for (const r of runs) {
    if (ids.has(r.id)) throw new Error(`Run ${r.id} is listed twice.`);
    ids.add(r.id);
  }
  const settingKeys = settings ?? configDiff(runs.map((r) => r.config)).map((d) => d.key);
  const built = [
    ...settingKeys.map((k) => buildAxis(k, 'setting', runs.map((r) => r.config[k]))),
    ...metrics.map((k) => buildAxis(k, 'metric', runs.map((r) => r.metrics[k]))),
  ];
  const lines = runs.map((r) => ({
    id: r.id,
    label: r.label ?? r.id,
    positions: built.map((b, i) => b.position(i < settingKeys.length ? r.config[b.axis.key] : r.metrics[b.axis.key])),
  }));
  return { axes: built.map((b) => b.axis), lines };
}

export interface Brush {
  /** An axis key. */
  axis: string;
  /** Positions along the axis (0..1), in either order; both ends included. */
  from: number;
  to: number;
}

/** The ids of the lines inside every brush (all lines without brushes); a missing value is outside. */
export function brushRuns(data: ParallelData, brushes: readonly Brush[]): string[] {
  const resolved = brushes.map((b) => {
    const i = data.axes.findIndex((a) => a.key === b.axis);
    if (i < 0) throw new Error(`No axis "${b.axis}" to brush.`);
    return { i, lo: Math.min(b.from, b.to), hi: Math.max(b.from, b.to) };
  });
  return data.lines.filter((l) => resolved.every(({ i, lo, hi }) => {
    const p = l.positions[i];
    return p !== null && p >= lo && p <= hi;
  })).map((l) => l.id);
}

/** The value at a position of a numeric axis (for brush labels); null on a category axis. */
export function valueAt(axis: Axis, position: number): number | null {
  if (axis.kind === 'category' || axis.min === null || axis.max === null) return null;
  if (axis.kind === 'log') return Math.exp(Math.log(axis.min) + position * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + position * (axis.max - axis.min);
}

export interface ScatterData {
  /** How the view should scale x: the setting's axis kind. */
  xKind: AxisKind;
  /** Category x: the labels of x = 0, 1, … */
  categories: string[];
  points: { id: string; label: string; x: number; y: number }[];
  /** Runs left out because the setting or the metric is missing. */
  missing: string[];
}

/** Metric vs setting: x is the setting's value (or its category index), y the metric. */
export function scatterData(runs: readonly RunPoint[], setting: string, metric: string): ScatterData {
  const { axis } = buildAxis(setting, 'setting', runs.map((r) => r.config[setting]));
  const points: ScatterData['points'] = [];
  const missing: string[] = [];
  for (const r of runs) {
    const v = r.config[setting], y = r.metrics[metric];
    if (v === undefined || v === null || typeof y !== 'number' || !Number.isFinite(y)) { missing.push(r.id); continue; }
    const x = axis.kind === 'category' ? axis.categories.indexOf(String(v)) : (v as number);
    points.push({ id: r.id, label: r.label ?? r.id, x, y });
  }
  return { xKind: axis.kind, categories: axis.categories, points, missing };
}
