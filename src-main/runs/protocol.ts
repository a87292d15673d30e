// The typed protocol between the run supervisor (main thread) and a run worker.
//
//   main → worker   workerData: WorkerTask (start a run, or evaluate a checkpoint)
//                   stop: an Int32Array over a SharedArrayBuffer; main sets [0] = 1. The worker
//                   trains synchronously (no event loop turns between batches), so a posted
//                   'stop' message would only arrive at the end; the shared flag is read
//                   between batches instead.
//   worker → main   WorkerMessage, in order: ready, then any number of progress / epoch, then
//                   exactly one terminal message: stopped | diverged | done | error
//                   (an 'evaluate' task: ready, evaluation, done | error).
//
// Buffers (checkpoint bytes, predictions) are transferred, not copied.

import type { RunConfig } from '../../src-shared/config';
import type { EventMap } from '../../src-shared/contract';
import type { BackendChoice } from '../../src-shared/engine/select';
import type { EpochMetrics, IterationLoss } from '../../src-shared/engine/types';
import type { EpochInsight } from '../../src-shared/insight/record';

export type { BackendChoice };

import type { DatasetSource } from '../data/mnist';

export type { DatasetSource };

export interface DatasetRef {
  id: string;
  source: DatasetSource;
  /** The registered content hash; the worker refuses a dataset whose files hash differently. */
  hash: string;
}

export interface TrainTask {
  type: 'train';
  runId: number;
  config: RunConfig;
  dataset: DatasetRef;
  /** Continue from this checkpoint (resume / fork); null = start fresh. */
  checkpoint: Uint8Array | null;
  /** The shared stop flag (Int32Array of length 1). */
  stopFlag: SharedArrayBuffer;
  /** Minimum time between progress messages (default 100 ms: at most ~10 a second). */
  progressIntervalMs: number;
  backend: BackendChoice;
  /** Threads the run may use (the supervisor's grant from its core budget); results do not depend on it. */
  threads: number;
}

export interface EvaluateTask {
  type: 'evaluate';
  checkpoint: Uint8Array;
  config: RunConfig;
  dataset: DatasetRef;
  backend: BackendChoice;
  /** Threads the evaluation may use. */
  threads: number;
}

export type WorkerTask = TrainTask | EvaluateTask;



export interface CheckpointPayload {
  epoch: number;
  iteration: number;
  formatVersion: number;
  data: Uint8Array;
}

export interface EvaluationPayload {
  count: number;
  accuracy: number;
  loss: number;
  /** 100 counts. */
  confusion: Int32Array;
  labels: Uint8Array;
  predicted: Uint8Array;
  /** (count, 10) */
  probabilities: Float32Array;
}

export type WorkerMessage =
  /** Where the task starts (a checkpoint's position, or 0); `where` names the agent that took a queued task. */
  | { type: 'ready'; datasetHash: string; backend: string; epoch: number; iteration: number; itersPerEpoch: number; where?: string }
  /** Where the run stands (the runProgress event without the run's id and epoch count), and the losses since the previous message, consecutive. */
  | ({ type: 'progress'; losses: IterationLoss[] } & ProgressFields)
  /** insight: the epoch's health and prediction timeline (./insight.ts), absent from workers that do not compute it. */
  | { type: 'epoch'; losses: IterationLoss[]; metrics: EpochMetrics; checkpoint: CheckpointPayload | null; insight?: EpochInsight }
  /** Stop honoured after a finished batch: the remaining losses and a checkpoint at that point. */
  | { type: 'stopped'; losses: IterationLoss[]; checkpoint: CheckpointPayload }
  /** The loss became NaN or infinite at this iteration (its loss is the last entry). */
  | { type: 'diverged'; losses: IterationLoss[]; epoch: number; iteration: number }
  | { type: 'evaluation'; evaluation: EvaluationPayload }
  | { type: 'done' }
  | { type: 'error'; message: string };

export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/** The fields of a progress message that the runProgress event carries on. */
export type ProgressFields = Omit<EventMap['runProgress'], 'runId' | 'epochs'>;
