// The sweep builder: values picked for one or more hyperparameters → the grid of configs.
// Values are typed as comma-separated text per field and validated with the shared schema, so the
// form can show the number of runs (and every problem) before anything is launched.

import { FIELDS, validateRunConfig, type RunConfig } from '../config';
import { parseNumberText } from './form';

export type SweepValue = number | string;

export interface SweepAxis {
  field: keyof RunConfig;
  values: SweepValue[];
}

/** At most this many runs from one sweep (the API may enforce its own limit too). */
export const MAX_SWEEP_RUNS = 256;

export type AxisParse = { ok: true; axis: SweepAxis } | { ok: false; error: string };

/** "0.001, 0.01 ,0.1" for learningRate → [0.001, 0.01, 0.1]; each value checked against the schema. */
export function parseSweepAxis(field: string, text: string): AxisParse {
  if (!(field in FIELDS)) return { ok: false, error: `Unknown setting "${field}".` };
  const key = field as keyof RunConfig;
  if (key === 'dataset') return { ok: false, error: 'The dataset cannot be swept.' };
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return { ok: false, error: `${key}: enter one or more values separated by commas.` };
  const spec = FIELDS[key];
  const values: SweepValue[] = [];
  for (const p of parts) {
    let v: SweepValue;
    if (spec.kind === 'int' || spec.kind === 'num') {
      const n = parseNumberText(p);
      if (n === null) return { ok: false, error: `${key}: "${p}" is not a number.` };
      v = n;
    } else v = p;
    const r = validateRunConfig({ [key]: v });
    if (!r.ok) {
      const e = r.errors.find((x) => x.field === key) ?? r.errors[0];
      return { ok: false, error: e.message };
    }
    if (values.includes(v)) return { ok: false, error: `${key}: ${String(v)} is listed twice.` };
    values.push(v);
  }
  return { ok: true, axis: { field: key, values } };
}

/** Number of runs in the grid (the product of the axes' sizes; 1 with no axes). */
export function gridSize(axes: readonly SweepAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

export type GridResult = { ok: true; configs: RunConfig[] } | { ok: false; error: string };

/**
 * Every combination, the first axis varying slowest. Each config is validated as a whole (a batch
 * larger than trainSubset, say, is reported with the combination that causes it).
 */
export function sweepGrid(base: RunConfig, axes: readonly SweepAxis[]): GridResult {
  const fields = axes.map((a) => a.field);
  const dup = fields.find((f, i) => fields.indexOf(f) !== i);
  if (dup) return { ok: false, error: `${dup} appears in the sweep twice.` };
  const n = gridSize(axes);
  if (axes.length === 0 || n === 0) return { ok: false, error: 'Pick at least one setting and its values.' };
  if (n > MAX_SWEEP_RUNS) return { ok: false, error: `This sweep would queue ${n} runs; the limit is ${MAX_SWEEP_RUNS}.` };
  const configs: RunConfig[] = [];
  for (let i = 0; i < n; i++) {
    const cfg: Record<string, unknown> = { ...base };
    let rest = i;
    for (let a = axes.length - 1; a >= 0; a--) {
      const ax = axes[a];
      cfg[ax.field] = ax.values[rest % ax.values.length];
      rest = Math.floor(rest / ax.values.length);
    }
    const r = validateRunConfig(cfg);
    if (!r.ok) {
      const combo = axes.map((ax) => `${ax.field}=${String(cfg[ax.field])}`).join(', ');
      return { ok: false, error: `With ${combo}: ${r.errors.map((e) => e.message).join(' ')}` };
    }
    configs.push(r.value);
  }
  return { ok: true, configs };
}
