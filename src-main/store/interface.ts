// The Store interface that the run supervisor, the API and the CLI code against, and RunWriter,
// what a run's owner may write while it holds the run's lease. Records and inputs: ./types.ts.

import type { CheckpointRow } from '../../src-shared/contract';
import type { IterationLoss } from '../../src-shared/engine/types';
import type { TimelineSplit } from '../../src-shared/insight/record';
import type {
  CheckpointInput, DatasetInput, DatasetRecord, EpochHealthRecord, EpochMetricsRow, EpochRecord, EpochTimelineRecord, EvaluationInput, EvaluationRecord,
  LoadedCheckpoint, LossSeries, NewRun, NewSweep, PredictionListQuery, PredictionPage, RunListQuery, RunPage, RunRecord, RunStatus, StatusDetails, SweepRecord,
} from './types';

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
