// The workbench API contract: every method and event, named once with its types and a run-time
// parser. The Electron IPC handlers, the preload bridge, the HTTP routes and the renderer's
// client are all derived from this table generically (VS Code's ProxyChannel idea): adding a
// method means writing it here once and implementing it once in src-main/api.
//
// Every method takes ONE params object (or nothing) and returns a Promise of its result.
// Callers are untrusted: `parse` turns unknown input into typed params or throws ApiError with a
// message fit for a user. Binary payloads are Uint8Array / Float32Array / Int32Array (the HTTP
// host encodes them; IPC clones them).

import { PRESETS, type Preset, type RunConfig } from './config';
import { checkNotes, MAX_NOTES_LENGTH } from './limits';
import type {
  CheckpointRow,
  Comparison,
  DatasetRow,
  EpochRow,
  EvaluationDetail,
  EvaluationListRow,
  EvaluationSummary,
  ExportFile,
  ImageBatch,
  PredictionRow,
  RunMetrics,
  RunQuery,
  RunRow,
  RunStatus,
  RunFilter,
  QueueStatus,
  ReportView,
  SweepDetail,
  SweepRow,
} from './api-rows';
import {
  asObject,
  classNamesOf,
  datasetIdOf,
  idParams,
  MAX_PAGE,
  MAX_SWEEP_RUNS,
  noParams,
  onlyKeys,
  optBool,
  optEnum,
  parseCreateRun,
  parseCreateSweep,
  parseListPredictions,
  parseListRuns,
  parseReportPlan,
  reqEnum,
  reqId,
  reqIntList,
  reqString,
  runNameOf,
  tagsOf,
  valueOf,
  type CreateRunParams,
  type CreateRunParsed,
  type CreateSweepParams,
  type PredictionFilter,
  type PredictionQuery,
  type ReportPlan,
  type ReportPlanParams,
  type SweepPlan,
} from './params';

export * from './api-rows';
export * from './params';
export * from './insight/rows';
export * from './insight/params';

import { ApiError } from './errors';
import type {
  FlipSets,
  ImageHistoryRow,
  ImageRef,
  LayerTraceRow,
  ProbabilitiesRow,
  RunHealth,
  RunTimeline,
  SaliencyRow,
  TimelineImagePage,
  TopActivatingRow,
  UnitExplanation,
} from './insight/rows';
import {
  parseCheckpointId,
  parseCheckpointImage,
  parseExplain,
  parseFlips,
  parseImageHistory,
  parseProbabilities,
  parseRunId,
  parseSaliency,
  parseTimeline,
  parseTimelineImages,
  parseTopActivating,
  type ExplainParams,
  type ExplainParsed,
  type FlipsParams,
  type ImageInput,
  type SaliencyParams,
  type SaliencyParsed,
  type TimelineImagesFilter,
  type TimelineImagesQuery,
  type TopActivatingParams,
} from './insight/params';
import type { TimelineSplit } from './insight/record';

export { ApiError };

/**
 * A method: what callers send (In), what its parser makes of it (Out: defaults filled in,
 * derived values computed) and what it returns (R).
 */
export interface MethodSpec<In, Out, R> {
  readonly description: string;
  /** Validates unknown input; returns the parsed params or throws ApiError. */
  readonly parse: (input: unknown) => Out;
  /** Type carriers only (never set at run time). */
  readonly __params?: In;
  readonly __result?: R;
}

export function method<In, R, Out = In>(description: string, parse: (input: unknown) => Out): MethodSpec<In, Out, R> {
  return { description, parse };
}

/** What crosses IPC / HTTP: errors travel as data, since a thrown error loses all but its message. */
export type Envelope<R> = { ok: true; value: R } | { ok: false; error: string };

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
  createRun: method<CreateRunParams, RunRow, CreateRunParsed>(
    'Queue a run from a config (missing settings take their defaults). {config, name?, tags?}',
    parseCreateRun,
  ),
  createSweep: method<CreateSweepParams, RunRow[], SweepPlan>(
    `Queue one run per combination of a grid over chosen settings (at most ${MAX_SWEEP_RUNS}). {base?, grid: {setting: values[]}, name?, tags?}`,
    parseCreateSweep,
  ),
  listRuns: method<RunQuery, { rows: RunRow[]; total: number }, RunFilter>(
    'Runs filtered by status, tag and text, sorted and paged; archived runs only when asked (archived: include or only). {status?, tag?, text?, archived?, sort?, order?, offset?, limit?}',
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
  setArchived: method<{ id: number; archived: boolean }, RunRow>(
    'Archive a run (listRuns leaves it out unless asked; nothing is deleted) or bring it back. A queued or running run cannot be archived; resuming one brings it back. {id, archived}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['id', 'archived']);
      const archived = optBool(o, 'archived');
      if (archived === undefined) throw new ApiError('archived must be true or false.');
      return { id: reqId(o), archived };
    },
  ),

  // Sweeps -------------------------------------------------------------------------------------
  listSweeps: method<void, SweepRow[]>('Sweeps (the groups createSweep makes), newest first: name, grid, and how many of their runs ended.', noParams),
  getSweep: method<{ id: number }, SweepDetail>(
    'A sweep: its grid and each of its runs with its values of the grid\'s settings and its final metrics (the table of setting → final metric). {id}',
    idParams,
  ),
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
  setNotes: method<{ id: number; notes: string }, RunRow>(`Replace a run's notes (at most ${MAX_NOTES_LENGTH.toLocaleString('en-US')} characters). {id, notes}`, (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id', 'notes']);
    return { id: reqId(o), notes: valueOf(checkNotes(o.notes)) };
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
  listEvaluations: method<{ runId: number }, EvaluationListRow[]>(
    'A run\'s test evaluations, oldest first: each with its checkpoint\'s place and whether it is the run\'s result (the latest evaluation of its last checkpoint). {runId}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['runId']);
      return { runId: reqId(o, 'runId') };
    },
  ),
  getEvaluation: method<{ id: number } | { runId: number }, EvaluationDetail>(
    'An evaluation with its confusion matrix and per-class precision/recall/F1: by id, or a run\'s result (its last checkpoint\'s latest). {id} | {runId}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['id', 'runId']);
      if (o.id !== undefined && o.runId !== undefined) throw new ApiError('Give either id or runId, not both.');
      if (o.id !== undefined) return { id: reqId(o) };
      if (o.runId !== undefined) return { runId: reqId(o, 'runId') };
      throw new ApiError('Give id (an evaluation) or runId (its latest evaluation).');
    },
  ),
  listPredictions: method<PredictionQuery, { rows: PredictionRow[]; total: number }, PredictionFilter>(
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
  importDataset: method<{ folder: string; name: string; classNames?: string[] }, DatasetRow>(
    'Import an IDX dataset (the four files, plain or gzipped, 28×28, 10 classes) from a folder on the host, validated before anything is stored. ' +
      'Class names (10, in label order) come from classNames, else from a classes.txt in the folder (one per line), else the classes are numbered 0 to 9. {folder, name, classNames?}',
    (input) => {
      const o = asObject(input);
      onlyKeys(o, ['folder', 'name', 'classNames']);
      const folder = reqString(o, 'folder', 4096);
      if (folder.trim() === '') throw new ApiError('folder must not be empty.');
      if (folder.includes('\0')) throw new ApiError('folder must not contain NUL characters.');
      const out: { folder: string; name: string; classNames?: string[] } = { folder, name: runNameOf(o.name) };
      if (o.classNames !== undefined) out.classNames = classNamesOf(o.classNames);
      return out;
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

  // Looking inside (issue 11) -----------------------------------------------------------------
  getHealth: method<{ runId: number }, RunHealth>(
    'A run\'s training health per epoch (norms, update ratios, dead ReLUs, subnormal weights, NaN guard) and what the diagnosis rules make of it and its losses. {runId}',
    parseRunId,
  ),
  getTimeline: method<{ runId: number; split: TimelineSplit }, RunTimeline>(
    'A run\'s per-epoch confusion matrices and per-class precision/recall of its validation images or the test set. {runId, split}',
    parseTimeline,
  ),
  listTimelineImages: method<TimelineImagesQuery, TimelineImagePage, TimelineImagesFilter>(
    'The images of a split at one recorded epoch, with their predicted class, filtered by true and predicted class (a confusion cell), paged. {runId, split, epoch, label?, predicted?, offset?, limit?}',
    parseTimelineImages,
  ),
  getImageHistory: method<{ runId: number; split: TimelineSplit; index: number }, ImageHistoryRow>(
    'One image\'s predicted class at every recorded epoch; index is its index in the dataset split (train for validation images). {runId, split, index}',
    parseImageHistory,
  ),
  getFlips: method<FlipsParams, FlipSets>(
    'Images right before and wrong after (and wrong → right, wrong → other wrong) between two epochs of a run, or two runs. {split, before: {runId, epoch}, after: {runId, epoch}}',
    parseFlips,
  ),
  traceImage: method<{ checkpointId: number; image: ImageRef }, LayerTraceRow, { checkpointId: number; image: ImageInput }>(
    'Every layer\'s output for one image (a dataset image or drawn pixels) under a checkpoint, with its C1 and C3 kernels. {checkpointId, image}',
    parseCheckpointImage,
  ),
  explainUnit: method<ExplainParams, UnitExplanation, ExplainParsed>(
    'How one unit of a traced image was computed from the previous layer: the 5×5 window, kernel and products (C1, C3) or the largest inputs × weights (C5, F6, out). {checkpointId, image, layer, channel?, y?, x?, unit?}',
    parseExplain,
  ),
  topActivating: method<TopActivatingParams, TopActivatingRow, Required<TopActivatingParams>>(
    'The test images that activate a C1/C3 feature map or a C5/F6 unit most under a checkpoint (the whole test set, cached per checkpoint). {checkpointId, layer, unit, k?}',
    parseTopActivating,
  ),
  predictImage: method<{ checkpointIds: number[]; image: ImageRef }, ProbabilitiesRow, { checkpointIds: number[]; image: ImageInput }>(
    'Class probabilities of one image (a dataset image or a drawing) under 1 to 8 checkpoints, side by side. {checkpointIds, image}',
    parseProbabilities,
  ),
  saliency: method<SaliencyParams, SaliencyRow, SaliencyParsed>(
    'Saliency: d(class score)/d(pixel) of an image under a checkpoint (default: the predicted class), or of target − versus (e.g. true − predicted). {checkpointId, image, target?, versus?, score?}',
    parseSaliency,
  ),
  exportOnnx: method<{ checkpointId: number }, ExportFile>(
    'A checkpoint as a self-contained ONNX model (opset 13): raw 0–255 pixels [N, 1, 28, 28] in, probabilities [N, 10] out; refused for a checkpoint with non-finite weights. {checkpointId}',
    parseCheckpointId,
  ),

  // The report, reproduced ------------------------------------------------------------------------
  getReport: method<ReportPlanParams, ReportView, ReportPlan>(
    'The report\'s section-4 claims, each with the report\'s value, ours from the recorded runs and a verdict; the figures redrawn; the improved-vs-original table; the runs each plan still needs. {seeds?, epochs?}',
    parseReportPlan,
  ),
  queueReportRuns: method<ReportPlanParams, RunRow[], ReportPlan>(
    'Queue the runs a plan needs that are not recorded yet: set \'report\' (default) the report\'s section 4 (seeds of the multi-seed presets, default 3), set \'ablation\' the improved-vs-original table (seed 1 of each preset); epochs shortens every run for a quick look. {seeds?, epochs?, set?}',
    parseReportPlan,
  ),

  // Where runs train ------------------------------------------------------------------------------
  getQueueStatus: method<void, QueueStatus | null>('The training queue (agents on other machines), or null when runs train here only.', noParams),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
/** What a caller sends. */
export type ParamsOf<K extends MethodName> = Contract[K] extends MethodSpec<infer P, unknown, unknown> ? P : never;
/** What the method's parser makes of it (what the implementation receives). */
export type ParsedOf<K extends MethodName> = Contract[K] extends MethodSpec<unknown, infer O, unknown> ? O : never;
export type ResultOf<K extends MethodName> = Contract[K] extends MethodSpec<unknown, unknown, infer R> ? R : never;

// Parse once: the transports (IPC, HTTP) parse a call to refuse bad input before it reaches the
// API, and the workbench parses at its own boundary for callers that come without a transport
// (the CLI). What a parser returned is remembered, so the second boundary recognises it and does
// not parse the same params again; anything else (a caller's own object) is parsed.
const parsedParams = new WeakSet<object>();

/** Parses a call's params with the method's parser, unless they are already that parser's result. */
export function parseParams<K extends MethodName>(name: K, input: unknown): ParsedOf<K> {
  if (typeof input === 'object' && input !== null && parsedParams.has(input)) return input as ParsedOf<K>;
  const out = (contract[name].parse as (x: unknown) => ParsedOf<K>)(input);
  if (typeof out === 'object' && out !== null) parsedParams.add(out);
  return out;
}

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
  /** The training queue became reachable or unreachable, or its counts changed. */
  queueStatus: QueueStatus;
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = ['runProgress', 'runStatus', 'runEpoch', 'runChanged', 'queueStatus'];
