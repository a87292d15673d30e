// The run supervisor: a queue of runs, at most `concurrency` of them training at once, each in
// its own worker thread (./worker.ts). It owns the worker side of a run's life:
//
//   queued ──launch──▶ running ──▶ completed | stopped | diverged | failed
//                         └── the process dies ──▶ (next start: markStaleRunsInterrupted) interrupted
//
// Every worker message is written to the store on arrival (one transaction each: losses; an
// epoch's metrics + its checkpoint; the final evaluation with all its predictions) and then
// forwarded as an event. A heartbeat is written while a run trains, so another process opening
// the database can tell a live run from one whose process is gone.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { epochRow, type EventMap, type RunStatus } from '../../src-shared/contract';
import { StoreError, type CheckpointRow, type EvaluationRow, type RunRow, type Store } from '../store/index';
import {
  DEFAULT_PROGRESS_INTERVAL_MS,
  type BackendChoice,
  type DatasetRef,
  type EvaluationPayload,
  type EvaluateTask,
  type LossEntry,
  type TrainTask,
  type WorkerMessage,
  type WorkerTask,
} from './protocol';

export interface SupervisorOptions {
  store: Store;
  /** Runs training at once (default: one per core). */
  concurrency: number;
  /** Where a run's dataset comes from (by dataset id). */
  datasetRef: (datasetId: string) => DatasetRef;
  emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void;
  progressIntervalMs?: number;
  /** How often a running run's heartbeat is written (default 2000 ms). */
  heartbeatMs?: number;
  backend?: BackendChoice;
  /** The worker entry; defaults to the .ts next to this file in development, the built .js in the bundle. */
  workerPath?: string;
}

interface Active {
  runId: number;
  epochs: number;
  /** The dataset's registered content hash, which the worker's 'ready' must report. */
  datasetHash: string;
  worker: Worker;
  stopFlag: Int32Array;
  heartbeat: ReturnType<typeof setInterval>;
  /** The latest checkpoint recorded in this session (the final evaluation refers to it). */
  lastCheckpointId: number | null;
  /** Resolves when the run has reached a terminal status and the worker is gone. */
  finished: Promise<void>;
  terminal: boolean;
  stopRequested: boolean;
}

/** Finds the worker entry: worker.ts beside this file under tsx/vitest, worker.js in the bundle. */
export function defaultWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'worker.ts');
  for (const candidate of [join(dir, 'worker.js'), join(dir, '..', 'worker.js')]) if (existsSync(candidate)) return candidate;
  throw new Error(`The run worker (worker.js) was not found next to ${here}; was it built as an input of the main bundle?`);
}

/** Starts a worker thread; a .ts entry goes through ./worker-boot.mjs, which registers tsx first. */
export function spawnWorker(entry: string, task: WorkerTask, transfer: ArrayBuffer[] = []): Worker {
  if (entry.endsWith('.ts')) {
    const boot = join(dirname(fileURLToPath(import.meta.url)), 'worker-boot.mjs');
    return new Worker(boot, { workerData: { entry: pathToFileURL(entry).href, task }, transferList: transfer });
  }
  return new Worker(entry, { workerData: { task }, transferList: transfer });
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export class RunSupervisor {
  private readonly store: Store;
  private readonly opts: SupervisorOptions;
  private readonly queue: number[] = [];
  private readonly active = new Map<number, Active>();
  private readonly evaluations = new Set<Worker>();
  /** Runs this supervisor moved to 'running' and has not finished yet. */
  private readonly claimed = new Set<number>();
  private concurrency: number;
  private closed = false;
  private readonly workerPath: string;

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.store = opts.store;
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1 || opts.concurrency > 64) {
      throw new Error(`concurrency must be a whole number between 1 and 64 (got ${opts.concurrency}).`);
    }
    this.concurrency = opts.concurrency;
    this.workerPath = opts.workerPath ?? defaultWorkerPath();
  }

  /** Run ids waiting for a slot, in order. */
  queued(): number[] {
    return [...this.queue];
  }

  /** Run ids training now. */
  running(): number[] {
    return [...this.active.keys()];
  }

  isActive(runId: number): boolean {
    return this.active.has(runId) || this.queue.includes(runId);
  }

  /** Adds a queued run (status 'queued' in the store) to the queue; starts it when a slot is free. */
  enqueue(runId: number): void {
    if (this.closed) throw new Error('The run supervisor is closed.');
    if (this.isActive(runId)) return;
    this.queue.push(runId);
    this.pump();
  }

  /**
   * Stops a run: a queued one leaves the queue and becomes 'stopped'; a running one finishes its
   * batch, checkpoints and becomes 'stopped' (resolves once it is). Other runs: nothing to do.
   */
  async stop(runId: number): Promise<void> {
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.setStatus(runId, 'stopped', { error: 'Stopped before it started.' });
      return;
    }
    const a = this.active.get(runId);
    if (!a) return;
    a.stopRequested = true;
    Atomics.store(a.stopFlag, 0, 1);
    await a.finished;
  }

  /** Stops every running run with a checkpoint; queued runs stay queued in the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    await Promise.all([...this.active.keys()].map((id) => this.stop(id)));
    await Promise.all([...this.evaluations].map((w) => w.terminate()));
  }

  /** Test hook: kills a run's worker thread abruptly (as a crash would). */
  async terminateWorker(runId: number): Promise<void> {
    const a = this.active.get(runId);
    if (!a) throw new Error(`Run ${runId} is not running.`);
    await a.worker.terminate();
    await a.finished;
  }

  /** Resolves when the run is no longer queued or running in this supervisor. */
  async settled(runId: number): Promise<void> {
    while (this.queue.includes(runId)) await new Promise((r) => setTimeout(r, 20));
    await this.active.get(runId)?.finished;
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      try {
        this.launch(runId);
      } catch (e) {
        // The run could not start (unreadable checkpoint, unknown dataset, no worker): record why.
        // A run deleted meanwhile or claimed by another process is not ours to touch.
        this.failQuietly(runId, `Could not start: ${errorText(e)}`);
      }
    }
  }

  private launch(runId: number): void {
    const run = this.store.getRun(runId);
    if (run.status !== 'queued') return; // stopped, deleted or taken meanwhile
    const checkpoint = this.startCheckpoint(run);
    const dataset = this.opts.datasetRef(run.config.dataset);
    // Claim it: the store moves queued → running in one transaction, so when two processes share
    // the database (the app and the web host, say) only one of them gets the run.
    try {
      this.setStatus(runId, 'running');
    } catch (e) {
      if (e instanceof StoreError && (e.code === 'conflict' || e.code === 'not_found')) return;
      throw e;
    }
    this.claimed.add(runId);
    const shared = new SharedArrayBuffer(4);
    const task: TrainTask = {
      type: 'train',
      runId,
      config: run.config,
      dataset,
      checkpoint: checkpoint ? checkpoint.data : null,
      stopFlag: shared,
      progressIntervalMs: this.opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      backend: this.opts.backend ?? 'auto',
    };
    const worker = spawnWorker(this.workerPath, task, checkpoint ? [checkpoint.data.buffer as ArrayBuffer] : []);
    let resolveFinished!: () => void;
    const a: Active = {
      runId,
      epochs: run.config.epochs,
      datasetHash: dataset.hash,
      worker,
      stopFlag: new Int32Array(shared),
      heartbeat: setInterval(() => this.beat(a), this.opts.heartbeatMs ?? 2000),
      lastCheckpointId: checkpoint ? checkpoint.id : null,
      finished: new Promise<void>((r) => (resolveFinished = r)),
      terminal: false,
      stopRequested: false,
    };
    this.active.set(runId, a);
    this.store.heartbeat(runId);
    worker.on('message', (m: WorkerMessage) => this.onMessage(a, m));
    worker.on('error', (e) => this.finish(a, 'failed', { error: `The training worker failed: ${errorText(e)}` }));
    worker.on('exit', (code) => {
      if (!a.terminal) {
        let where = '';
        try {
          where = ` in epoch ${this.store.getRun(runId).progress.epoch + 1}`;
        } catch {
          // the run is gone; the message does without it
        }
        this.finish(a, 'failed', { error: `The training worker exited unexpectedly (exit code ${code})${where}.` });
      }
      clearInterval(a.heartbeat);
      this.active.delete(runId);
      this.claimed.delete(runId);
      resolveFinished();
      this.pump();
    });
  }

  /** The checkpoint a queued run continues from: its own latest (after a resume), its fork's, or none. */
  private startCheckpoint(run: RunRow): { id: number; data: Uint8Array } | null {
    if (run.progress.iteration === 0) return null;
    let cp: CheckpointRow | undefined = this.store.listCheckpoints(run.id).filter((c) => c.iteration === run.progress.iteration).pop();
    if (!cp && run.forkedFrom?.checkpointId) cp = this.store.getCheckpoint(run.forkedFrom.checkpointId);
    if (!cp || cp.iteration !== run.progress.iteration) {
      throw new Error(`run ${run.id} stands at iteration ${run.progress.iteration} but has no checkpoint there to continue from.`);
    }
    const loaded = this.store.loadCheckpoint(cp.id); // verifies the SHA-256
    return { id: cp.id, data: new Uint8Array(loaded.data) };
  }

  private beat(a: Active): void {
    if (a.terminal) return;
    try {
      this.store.heartbeat(a.runId);
    } catch {
      // The run left 'running' (finished between ticks) or the store is closing: nothing to do.
    }
  }

  private onMessage(a: Active, m: WorkerMessage): void {
    if (a.terminal) return;
    const runId = a.runId;
    try {
      switch (m.type) {
        case 'ready': {
          const expected = a.datasetHash;
          if (m.datasetHash !== expected) throw new Error(`The dataset's files changed since it was registered (hash ${m.datasetHash.slice(0, 12)}…, expected ${expected.slice(0, 12)}…).`);
          return;
        }
        case 'progress': {
          if (m.losses.length) this.store.appendIterationLosses(runId, m.losses);
          this.opts.emit('runProgress', {
            runId,
            epoch: m.epoch,
            epochs: a.epochs,
            iteration: m.iteration,
            iterationInEpoch: m.iterationInEpoch,
            itersPerEpoch: m.itersPerEpoch,
            loss: m.loss,
            learningRate: m.learningRate,
            imagesPerSecond: m.imagesPerSecond,
            etaSeconds: m.etaSeconds,
          });
          return;
        }
        case 'epoch': {
          const { checkpointId } = this.store.recordEpoch(runId, {
            metrics: m.metrics,
            losses: m.losses,
            ...(m.checkpoint ? { checkpoint: m.checkpoint } : {}),
          });
          if (checkpointId !== null) a.lastCheckpointId = checkpointId;
          this.opts.emit('runEpoch', { runId, metrics: epochRow(m.metrics) });
          return;
        }
        case 'stopped': {
          const cp = this.store.recordCheckpoint(runId, m.checkpoint, m.losses);
          a.lastCheckpointId = cp.id;
          this.finish(a, 'stopped', a.stopRequested ? {} : { error: 'Stopped.' });
          return;
        }
        case 'diverged': {
          if (m.losses.length) this.store.appendIterationLosses(runId, m.losses);
          this.finish(a, 'diverged', {
            error: `The loss became ${String(m.losses.at(-1)?.loss ?? NaN)} at epoch ${m.epoch}, iteration ${m.iteration}.`,
            divergedAt: { epoch: m.epoch, iteration: m.iteration },
          });
          return;
        }
        case 'evaluation': {
          if (a.lastCheckpointId === null) throw new Error('The run finished without a checkpoint to attach its test evaluation to.');
          this.recordEvaluation(a.lastCheckpointId, m.evaluation);
          return;
        }
        case 'done':
          this.finish(a, 'completed', {});
          return;
        case 'error':
          this.finish(a, 'failed', { error: m.message });
          return;
      }
    } catch (e) {
      this.finish(a, 'failed', { error: `Recording the run failed: ${errorText(e)}` });
    }
  }

  private recordEvaluation(checkpointId: number, ev: EvaluationPayload): EvaluationRow {
    return this.store.recordEvaluation({
      checkpointId,
      split: 'test',
      count: ev.count,
      accuracy: ev.accuracy,
      loss: ev.loss,
      confusion: ev.confusion,
      predictions: { labels: ev.labels, predicted: ev.predicted, probabilities: ev.probabilities },
    });
  }

  /** Moves a running run to its terminal status (once) and lets the worker go. */
  private finish(a: Active, status: Exclude<RunStatus, 'queued' | 'running'>, details: { error?: string; divergedAt?: { epoch: number; iteration: number } }): void {
    if (a.terminal) return;
    a.terminal = true;
    clearInterval(a.heartbeat);
    this.setStatus(a.runId, status, details);
    void a.worker.terminate();
  }

  private setStatus(runId: number, status: Exclude<RunStatus, 'queued'>, details: { error?: string; divergedAt?: { epoch: number; iteration: number } } = {}): void {
    try {
      const row = this.store.setRunStatus(runId, status, details);
      this.opts.emit('runStatus', { runId, status: row.status, error: row.error });
    } catch (e) {
      if (status === 'running') throw e;
      // The run was deleted or changed by someone else meanwhile; nothing left to record.
    }
  }

  private failQuietly(runId: number, error: string): void {
    try {
      const row = this.store.getRun(runId);
      // 'running' only if this supervisor claimed it and then could not start its worker.
      if (row.status === 'queued' || (row.status === 'running' && this.claimed.has(runId))) this.setStatus(runId, 'failed', { error });
    } catch {
      // gone
    } finally {
      this.claimed.delete(runId);
    }
  }

  /**
   * Evaluates a checkpoint on its run's test set in a worker and stores the evaluation with all
   * its predictions. Does not take a training slot (it is short and asked for by a user).
   */
  async evaluateCheckpoint(checkpointId: number): Promise<EvaluationRow> {
    if (this.closed) throw new Error('The run supervisor is closed.');
    const cp = this.store.loadCheckpoint(checkpointId);
    const run = this.store.getRun(cp.runId);
    const task: EvaluateTask = {
      type: 'evaluate',
      checkpoint: new Uint8Array(cp.data),
      config: run.config,
      dataset: this.opts.datasetRef(run.config.dataset),
      backend: this.opts.backend ?? 'auto',
    };
    const worker = spawnWorker(this.workerPath, task, [task.checkpoint.buffer as ArrayBuffer]);
    this.evaluations.add(worker);
    try {
      const payload = await new Promise<EvaluationPayload>((resolve, reject) => {
        let result: EvaluationPayload | null = null;
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'evaluation') result = m.evaluation;
          else if (m.type === 'error') reject(new Error(m.message));
          else if (m.type === 'done') {
            if (result) resolve(result);
            else reject(new Error('The evaluation worker finished without a result.'));
          }
        });
        worker.on('error', (e) => reject(new Error(`The evaluation worker failed: ${errorText(e)}`)));
        worker.on('exit', (code) => reject(new Error(`The evaluation worker exited (code ${code}) before finishing.`)));
      });
      return this.recordEvaluation(checkpointId, payload);
    } finally {
      this.evaluations.delete(worker);
      await worker.terminate();
    }
  }
}

export type { LossEntry };
