// Parsing a method's params: small helpers for the contract's `parse` functions, and the
// parsers of the bigger params. Callers are untrusted: every parser turns unknown input into
// typed params or throws ApiError with a message fit for a user. Part of the contract
// (contract.ts re-exports all of it).
import { CONFIG_KEYS, FIELDS, validateRunConfig, type RunConfig } from './config';
import { ApiError } from './errors';
import { checkClassNames, checkDatasetId, checkRunName, checkTags, hasOwn, type Checked } from './limits';
import { gridProduct, gridSize } from './metrics';
import { ARCHIVED_FILTERS, PREDICTION_SORTS, RUN_SORT_KEYS, RUN_STATUSES, type PredictionSort, type RunFilter, type SweepGridAxis } from './api-rows';

// ---------------------------------------------------------------------------------------------
// Small parsing helpers for `parse` functions.

export function asObject(input: unknown, what = 'params'): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ApiError(`${what} must be an object.`);
  return input as Record<string, unknown>;
}

export function noParams(input: unknown): void {
  const o = asObject(input);
  const keys = Object.keys(o);
  if (keys.length) throw new ApiError(`This method takes no parameters (got ${keys.join(', ')}).`);
}

/** The value of a shared check (src-shared/limits), or its message as an ApiError. */
export function valueOf<T>(c: Checked<T>): T {
  if (!c.ok) throw new ApiError(c.message);
  return c.value;
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ApiError(`Unknown parameter "${k}" (expected ${allowed.join(', ') || 'none'}).`);
  }
}

export function reqInt(o: Record<string, unknown>, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ApiError(`${key} must be a whole number.`);
  if (v < min || v > max) throw new ApiError(`${key} must be between ${min} and ${max} (got ${v}).`);
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return o[key] === undefined ? dflt : reqInt(o, key, min, max);
}

export function reqString(o: Record<string, unknown>, key: string, maxLen = 10_000): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ApiError(`${key} must be a string.`);
  if (v.length > maxLen) throw new ApiError(`${key} is too long (at most ${maxLen} characters).`);
  return v;
}

export function runConfigOf(v: unknown): RunConfig {
  const r = validateRunConfig(v);
  if (!r.ok) throw new ApiError(`Invalid run config: ${r.errors.map((e) => e.message).join(' ')}`);
  return r.value;
}

export function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ApiError(`${key} must be true or false.`);
  return v;
}

export function reqEnum<T extends string>(o: Record<string, unknown>, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ApiError(`${key} must be one of ${values.join(', ')} (got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v}).`);
  }
  return v as T;
}

export function optEnum<T extends string>(o: Record<string, unknown>, key: string, values: readonly T[], dflt: T): T {
  return o[key] === undefined ? dflt : reqEnum(o, key, values);
}

/** A list of whole numbers (ids or indices), length within [minLen, maxLen], no duplicates. */
export function reqIntList(o: Record<string, unknown>, key: string, minLen: number, maxLen: number, min = 0, max = Number.MAX_SAFE_INTEGER): number[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ApiError(`${key} must be a list of whole numbers.`);
  if (v.length < minLen || v.length > maxLen) throw new ApiError(`${key} must hold between ${minLen} and ${maxLen} entries (got ${v.length}).`);
  const seen = new Set<number>();
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new ApiError(`${key} must contain only whole numbers.`);
    if (x < min || x > max) throw new ApiError(`${key} entries must be between ${min} and ${max} (got ${x}).`);
    if (seen.has(x)) throw new ApiError(`${key} lists ${x} twice.`);
    seen.add(x);
  }
  return v as number[];
}

/** A database id: a positive whole number. */
export function reqId(o: Record<string, unknown>, key = 'id'): number {
  return reqInt(o, key, 1);
}

/** A run name: trimmed, 1..200 characters, no control characters (src-shared/limits). */
export function runNameOf(v: unknown, key = 'name'): string {
  return valueOf(checkRunName(v, key));
}

/** Tags: up to MAX_TAGS, each trimmed, 1..MAX_TAG_LENGTH characters of letters, digits, space, '.', '_', '-', ':', '/'; duplicates refused. */
export function tagsOf(v: unknown, key = 'tags'): string[] {
  return valueOf(checkTags(v, key));
}

export function datasetIdOf(v: unknown, key = 'dataset'): string {
  return valueOf(checkDatasetId(v, key));
}

/** A dataset's 10 class names in label order (src-shared/limits' checkClassNames). */
export function classNamesOf(v: unknown, key = 'classNames'): string[] {
  return valueOf(checkClassNames(v, key));
}

// ---------------------------------------------------------------------------------------------
// Parsers of the bigger params.

export const MAX_SWEEP_RUNS = 100;
export const MAX_PAGE = 1000;

export interface CreateRunParams {
  /** Missing settings take their defaults; parse returns the full config. */
  config: Partial<RunConfig>;
  name?: string;
  tags?: string[];
}

/** createRun's params as parsed: the full config. */
export type CreateRunParsed = Omit<CreateRunParams, 'config'> & { config: RunConfig };

export function parseCreateRun(input: unknown): CreateRunParsed {
  const o = asObject(input);
  onlyKeys(o, ['config', 'name', 'tags']);
  if (o.config === undefined) throw new ApiError('config is required (an object of run settings; missing ones take their defaults).');
  const out: CreateRunParsed = { config: runConfigOf(o.config) };
  if (o.name !== undefined) out.name = runNameOf(o.name);
  if (o.tags !== undefined) out.tags = tagsOf(o.tags);
  return out;
}

export interface CreateSweepParams {
  /** The settings every run shares (missing ones take their defaults). */
  base?: Partial<RunConfig>;
  /** Setting → the values to try; the cartesian product (keys in the order given) becomes the runs. */
  grid: Partial<Record<keyof RunConfig, unknown[]>>;
  /** Name prefix; each run gets " (setting=value, …)" appended. */
  name?: string;
  tags?: string[];
}

/** The validated config of every run of a sweep, in grid order, with the grid values that made it. */
export function sweepConfigs(params: Pick<CreateSweepParams, 'base' | 'grid'>): { config: RunConfig; combo: Record<string, unknown> }[] {
  return sweepGrid(params).runs;
}

/** A sweep's grid as checked (settings in the order given) and its runs' validated configs. */
export function sweepGrid(params: Pick<CreateSweepParams, 'base' | 'grid'>): { grid: SweepGridAxis[]; runs: { config: RunConfig; combo: Record<string, unknown> }[] } {
  const baseRaw: unknown = params.base === undefined ? {} : params.base;
  runConfigOf(baseRaw);
  const g: unknown = params.grid;
  if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new ApiError('grid must be an object mapping settings to lists of values, e.g. {"batchSize": [100, 200]}.');
  const entries = Object.entries(g as Record<string, unknown>);
  if (entries.length === 0) throw new ApiError('grid must name at least one setting.');
  const grid: [string, unknown[]][] = [];
  for (const [key, values] of entries) {
    if (!hasOwn(FIELDS, key)) throw new ApiError(`grid: unknown setting "${key}". Known settings: ${CONFIG_KEYS.join(', ')}.`);
    if (!Array.isArray(values) || values.length === 0) throw new ApiError(`grid.${key} must be a non-empty list of values.`);
    if (values.length > MAX_SWEEP_RUNS) throw new ApiError(`grid.${key} has too many values (${values.length}; at most ${MAX_SWEEP_RUNS}).`);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < i; j++) if (Object.is(values[i], values[j])) throw new ApiError(`grid.${key} lists ${JSON.stringify(values[i])} twice.`);
    }
    grid.push([key, values]);
  }
  const n = gridSize(grid);
  if (n > MAX_SWEEP_RUNS) throw new ApiError(`This grid makes ${n} runs; a sweep may make at most ${MAX_SWEEP_RUNS}.`);
  const runs = gridProduct(grid).map((combo) => {
    const r = validateRunConfig({ ...(baseRaw as Record<string, unknown>), ...combo });
    if (!r.ok) throw new ApiError(`grid combination ${JSON.stringify(combo)} is invalid: ${r.errors.map((e) => e.message).join(' ')}`);
    return { config: r.value, combo };
  });
  return { grid: grid.map(([setting, values]) => ({ setting, values })), runs };
}

/** A sweep as parsed: its grid, and every run's validated config with the grid values that made it. */
export interface SweepPlan {
  grid: SweepGridAxis[];
  runs: { config: RunConfig; combo: Record<string, unknown> }[];
  name?: string;
  tags?: string[];
}

export function parseCreateSweep(input: unknown): SweepPlan {
  const o = asObject(input);
  onlyKeys(o, ['base', 'grid', 'name', 'tags']);
  const out: SweepPlan = sweepGrid({ base: o.base as Partial<RunConfig> | undefined, grid: o.grid as CreateSweepParams['grid'] });
  if (o.name !== undefined) out.name = runNameOf(o.name);
  if (o.tags !== undefined) out.tags = tagsOf(o.tags);
  return out;
}

export function parseListRuns(input: unknown): RunFilter {
  const o = asObject(input);
  onlyKeys(o, ['status', 'tag', 'text', 'archived', 'sort', 'order', 'offset', 'limit']);
  const out: RunFilter = {
    archived: optEnum(o, 'archived', ARCHIVED_FILTERS, 'exclude'),
    sort: optEnum(o, 'sort', RUN_SORT_KEYS, 'createdAt'),
    order: optEnum(o, 'order', ['asc', 'desc'] as const, 'desc'),
    offset: optInt(o, 'offset', 0, 0, 1e9),
    limit: optInt(o, 'limit', 100, 1, MAX_PAGE),
  };
  if (o.status !== undefined) {
    const st = typeof o.status === 'string' ? [o.status] : o.status;
    if (!Array.isArray(st) || st.length === 0) throw new ApiError(`status must be a status or a non-empty list of them (${RUN_STATUSES.join(', ')}).`);
    out.status = st.map((s) => reqEnum({ status: s }, 'status', RUN_STATUSES));
  }
  if (o.tag !== undefined) out.tag = tagsOf([o.tag], 'tag')[0];
  if (o.text !== undefined) out.text = reqString(o, 'text', 200);
  return out;
}

export interface PredictionQuery {
  evaluationId: number;
  /** True class 0..9. */
  label?: number;
  /** Predicted class 0..9. */
  predicted?: number;
  correct?: boolean;
  /** Default 'confidence-desc'. */
  sort?: PredictionSort;
  /** Default 0. */
  offset?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface PredictionFilter extends PredictionQuery {
  sort: PredictionSort;
  offset: number;
  limit: number;
}

export function parseListPredictions(input: unknown): PredictionFilter {
  const o = asObject(input);
  onlyKeys(o, ['evaluationId', 'label', 'predicted', 'correct', 'sort', 'offset', 'limit']);
  const out: PredictionFilter = {
    evaluationId: reqId(o, 'evaluationId'),
    sort: optEnum(o, 'sort', PREDICTION_SORTS, 'confidence-desc'),
    offset: optInt(o, 'offset', 0, 0, 1e9),
    limit: optInt(o, 'limit', 100, 1, MAX_PAGE),
  };
  if (o.label !== undefined) out.label = reqInt(o, 'label', 0, 9);
  if (o.predicted !== undefined) out.predicted = reqInt(o, 'predicted', 0, 9);
  const correct = optBool(o, 'correct');
  if (correct !== undefined) out.correct = correct;
  return out;
}

export function idParams(input: unknown): { id: number } {
  const o = asObject(input);
  onlyKeys(o, ['id']);
  return { id: reqId(o) };
}


/**
 * The report's plan: seeds of its multi-seed presets (default 3, as the report's spread needs)
 * and, for a quick look, epochs per run; `set` picks which runs queueReportRuns queues: the
 * report's section 4 ('report', the default) or the improved-vs-original table's ('ablation',
 * seed 1 of each of its presets).
 */
export interface ReportPlanParams {
  seeds?: number;
  epochs?: number;
  set?: 'report' | 'ablation';
}

export interface ReportPlan {
  seeds: number;
  epochs?: number;
  set: 'report' | 'ablation';
}

export const REPORT_SETS = ['report', 'ablation'] as const;

export function parseReportPlan(input: unknown): ReportPlan {
  const o = asObject(input);
  onlyKeys(o, ['seeds', 'epochs', 'set']);
  const out: ReportPlan = { seeds: optInt(o, 'seeds', 3, 1, 10), set: optEnum(o, 'set', REPORT_SETS, 'report') };
  if (o.epochs !== undefined) out.epochs = reqInt(o, 'epochs', 1, 40);
  return out;
}
