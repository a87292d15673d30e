// The sweep builder: values picked for one or more hyperparameters → the grid of configs.
// Values are typed as comma-separated text per field and validated with the shared schema, so the
// form can show the number of runs (and every problem) before anything is launched.

import { FIELDS, validateRunConfig, type RunConfig } from '../config';
import { parseNumberText } from './form';
import { ApiError, MAX_SWEEP_RUNS, sweepConfigs } from '../contract';
import { gridSize } from '../metrics';
import { hasOwn } from '../limits';

export { MAX_SWEEP_RUNS };

export type SweepValue = number | string;

export interface SweepAxis {
  field: keyof RunConfig;
  values: SweepValue[];
}

export type AxisParse = { ok: true; axis: SweepAxis } | { ok: false; error: string };

/** "0.001, 0.01 ,0.1" for learningRate → [0.001, 0.01, 0.1]; each value checked against the schema. */
export function parseSweepAxis(field: string, text: string): AxisParse {
  if (!hasOwn(FIELDS, field)) return { ok: false, error: `Unknown setting "${field}".` };
  const key = field as keyof RunConfig;
  if (key === 'dataset') return { ok: false, error: 'The dataset cannot be swept.' };
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return { ok: false, error: `${FIELDS[key].label}: enter one or more values separated by commas.` };
  const spec = FIELDS[key];
  const values: SweepValue[] = [];
  for (const p of parts) {
    let v: SweepValue;
    if (spec.kind === 'int' || spec.kind === 'num') {
      const n = parseNumberText(p);
      if (n === null) return { ok: false, error: `${spec.label}: "${p}" is not a number.` };
      v = n;
    } else v = p;
    const r = validateRunConfig({ [key]: v });
    if (!r.ok) {
      const e = r.errors.find((x) => x.field === key) ?? r.errors[0];
      return { ok: false, error: e.message };
    }
    if (values.includes(v)) return { ok: false, error: `${spec.label}: ${String(v)} is listed twice.` };
    values.push(v);
  }
  return { ok: true, axis: { field: key, values } };
}

/** Number of runs in the grid (the product of the axes' sizes; 1 with no axes). */
export function axesGridSize(axes: readonly SweepAxis[]): number {
  return gridSize(axes.map((a) => [a.field, a.values] as const));
}

/** The API's createSweep params for these axes. */
export function sweepGridParam(axes: readonly SweepAxis[]): Partial<Record<keyof RunConfig, unknown[]>> {
  const grid: Partial<Record<keyof RunConfig, unknown[]>> = {};
  for (const a of axes) grid[a.field] = [...a.values];
  return grid;
}

export type GridResult = { ok: true; configs: RunConfig[] } | { ok: false; error: string };

/**
 * Every combination, the first axis varying slowest, checked by the very code the API runs on
 * createSweep (so the form's preview and its errors are what the launch will do).
 */
export function sweepPreview(base: RunConfig, axes: readonly SweepAxis[]): GridResult {
  if (axes.length === 0) return { ok: false, error: 'Pick at least one setting and its values.' };
  const fields = axes.map((a) => a.field);
  const dup = fields.find((f, i) => fields.indexOf(f) !== i);
  if (dup) return { ok: false, error: `${FIELDS[dup].label} appears in the sweep twice.` };
  try {
    return { ok: true, configs: sweepConfigs({ base, grid: sweepGridParam(axes) }).map((c) => c.config) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, error: e.message };
    throw e;
  }
}

export interface SweepCost {
  runs: number;
  epochs: number;
  /** Training images the whole sweep goes through (before validation and test passes). */
  images: number;
}

/** What a grid of configs costs on a dataset with `trainCount` training images. */
export function sweepCost(configs: readonly RunConfig[], trainCount: number): SweepCost {
  let epochs = 0;
  let images = 0;
  for (const c of configs) {
    epochs += c.epochs;
    const available = Math.max(0, trainCount - c.validationSize);
    images += c.epochs * (c.trainSubset > 0 ? Math.min(c.trainSubset, available) : available);
  }
  return { runs: configs.length, epochs, images };
}

/** The confirmation a sweep asks for: how many runs, epochs and images, and a rough time range. */
export function sweepConfirmText(cost: SweepCost, slowImagesPerSecond = 4000, fastImagesPerSecond = 8000): string {
  const minutes = (rate: number) => Math.max(1, Math.round(cost.images / rate / 60));
  const lo = minutes(fastImagesPerSecond);
  const hi = minutes(slowImagesPerSecond);
  return (
    `This queues ${cost.runs} run${cost.runs === 1 ? '' : 's'} with ${cost.epochs} epoch${cost.epochs === 1 ? '' : 's'} in all ` +
    `(${cost.images.toLocaleString('en-US')} training images). At ${slowImagesPerSecond.toLocaleString('en-US')}–${fastImagesPerSecond.toLocaleString('en-US')} images/s ` +
    `that is roughly ${lo === hi ? `${lo}` : `${lo}–${hi}`} minute${hi === 1 ? '' : 's'} of training. Runs train in the background and can be stopped.`
  );
}
