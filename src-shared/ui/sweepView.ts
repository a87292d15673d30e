// The Sweep view's data: the grid in words, the table of setting → final metric (one row per run)
// and, for each setting the sweep varies, the scatter of a final metric against it
// (src-shared/insight/parallel's scatterData).

import { FIELDS } from '../config';
import type { FinalMetrics, SweepDetail, SweepGridAxis } from '../contract';
import { scatterData, type RunPoint, type ScatterData } from '../insight/parallel';
import { hasOwn } from '../limits';
import { formatSci } from './format';

export type SweepMetric = 'testAccuracy' | 'bestValAccuracy' | 'valAccuracy' | 'valLoss';

export const SWEEP_METRICS: readonly { id: SweepMetric; label: string; percent: boolean }[] = [
  { id: 'testAccuracy', label: 'Test accuracy (result)', percent: true },
  { id: 'bestValAccuracy', label: 'Best validation accuracy', percent: true },
  { id: 'valAccuracy', label: 'Final validation accuracy', percent: true },
  { id: 'valLoss', label: 'Final validation loss', percent: false },
];

/** A setting's label ("Learning rate"), or its key when the config no longer knows it. */
export function settingLabel(key: string): string {
  return hasOwn(FIELDS, key) ? FIELDS[key as keyof typeof FIELDS].label : key;
}

/** A grid value as the table shows it: small numbers in scientific notation (1e-3). */
export function settingValue(key: string, v: unknown): string {
  if (typeof v === 'number' && (key === 'learningRate' || key === 'weightDecay' || key === 'epsilon' || key === 'initStd')) return formatSci(v);
  return v === null || v === undefined ? '—' : String(v);
}

/** "Learning rate: 1e-3, 3e-3 × Batch size: 50, 100". */
export function gridText(grid: readonly SweepGridAxis[]): string {
  return grid.map((a) => `${settingLabel(a.setting)}: ${a.values.map((v) => settingValue(a.setting, v)).join(', ')}`).join(' × ');
}

/** The settings the sweep varies (more than one value), in grid order: one scatter each. */
export function variedSettings(detail: Pick<SweepDetail, 'grid'>): string[] {
  return detail.grid.filter((a) => a.values.length > 1).map((a) => a.setting);
}

function metricsOf(f: FinalMetrics): Record<SweepMetric, number | null> {
  return { testAccuracy: f.testAccuracy, bestValAccuracy: f.bestValAccuracy, valAccuracy: f.valAccuracy, valLoss: f.valLoss };
}

/** The sweep's runs as points for the scatter: their settings and final metrics. */
export function sweepPoints(detail: Pick<SweepDetail, 'runs'>): RunPoint[] {
  return detail.runs.map((r) => ({
    id: String(r.run.id),
    label: `#${r.run.id} ${r.run.name}`,
    config: r.run.config as unknown as Record<string, unknown>,
    metrics: metricsOf(r.finals),
  }));
}

/** One scatter per varied setting: the metric (y) against the setting's value (x). */
export function sweepScatters(detail: Pick<SweepDetail, 'grid' | 'runs'>, metric: SweepMetric): { setting: string; data: ScatterData }[] {
  const points = sweepPoints(detail);
  return variedSettings(detail).map((setting) => ({ setting, data: scatterData(points, setting, metric) }));
}
