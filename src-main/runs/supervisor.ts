// The run supervisor owns a run's life between the queue and a final status:
//
//   queued ──claim (lease)──▶ running ──▶ completed | stopped | diverged | failed
//                               └── the process dies ──▶ (lease expires / pid gone) interrupted
//
// It is four parts put together here:
//   scheduler.ts  the thread budget: which queued run starts, with how many threads, and when an
//                 evaluation may run;
//   lease.ts      one writer per run: the claim's owner id and lease, renewed with the heartbeat;
//   executor.ts   where a task executes (thread-executor.ts: worker threads of this process;
//                 ../queue/executor.ts: agents on other machines, through a queue);
//   recorder.ts   worker messages → store writes (through the run's lease) and events.
// and evaluator.ts runs checkpoint evaluations on threads of the same budget.
// Everything a run records is written on arrival, one transaction per message (losses; an
// epoch's metrics with its checkpoint; the final evaluation with all its predictions).

import { availableParallelism } from 'node:os';
import type { EventMap, QueueStatus } from '../../src-shared/contract';
import { errorText } from '../../src-shared/errors';
import { StoreError, type EvaluationRecord, type RunRecord, type Store } from '../store/index';
import type { Execution, Executor, RemoteExecutor } from './executor';
import { checkLeaseTiming, isOwnerGone, LeaseKeeper, newOwnerId, type LeaseTiming } from './lease';
import { Evaluator } from './evaluator';
import { startCheckpoint } from './recovery';
import { DEFAULT_PROGRESS_INTERVAL_MS, type BackendChoice, type DatasetRef, type TrainTask, type WorkerMessage } from './protocol';
import { RunRecorder, type Verdict } from './recorder';
import { ThreadBudget } from './scheduler';
import { newStopFlag, ThreadExecutor } from './thread-executor';

export interface SupervisorOptions {
  store: Store;
  /** Runs training at once, each on an equal share of the threads (default 1: one run on every core). */
  concurrency?: number;
  /** Threads to hand out to runs and evaluations (default: the machine's cores). */
  threads?: number;
  /** Where a run's dataset comes from (by dataset id). */
  datasetRef: (datasetId: string) => DatasetRef;
  emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void;
  progressIntervalMs?: number;
  /** How long a claim holds without renewal (default 15 s) and how often it is renewed (default 2 s). */
  lease?: Partial<LeaseTiming>;
  backend?: BackendChoice;
  /** Where tasks execute (default: worker threads of this process). */
  executor?: Executor;
  /** The worker entry for the default executor. */
  workerPath?: string;
  /** Evaluations that may wait for a thread at once; more are refused with a message (default 16). */
  maxWaitingEvaluations?: number;
  /**
   * Agents on other machines, reached through a queue: 'queue' sends every run there, 'both'
   * trains here while threads are free and sends the rest. Evaluations always run here.
   */
  remote?: { executor: RemoteExecutor; url: string; mode: 'queue' | 'both'; maxInFlight?: number };
}

interface ActiveRun {
  runId: number;
  /** Threads of the local budget it holds (0 for a run on an agent). */
  threads: number;
  execution: Execution;
  recorder: RunRecorder;
  lease: LeaseKeeper;
  stopRequested: boolean;
  /** Resolves when the run has ended here and its task is gone. */
  finished: Promise<void>;
}

export class RunSupervisor {
  private readonly store: Store;
  private readonly opts: SupervisorOptions;
  private readonly executor: Executor;
  private readonly budget: ThreadBudget;
  private readonly timing: LeaseTiming;
  /** This process's owner id for every run it claims. */
  readonly owner: string;
  private readonly queue: number[] = [];
  private readonly active = new Map<number, ActiveRun>();
  private readonly evaluator: Evaluator;
  private closed = false;
  private dispatching = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private queueState: QueueStatus | null = null;

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.store = opts.store;
    const threads = opts.threads ?? availableParallelism();
    this.budget = new ThreadBudget({ threads, maxRuns: opts.concurrency ?? 1 });
    this.timing = { leaseMs: opts.lease?.leaseMs ?? 15_000, renewMs: opts.lease?.renewMs ?? 2000 };
    checkLeaseTiming(this.timing);
    this.executor = opts.executor ?? new ThreadExecutor(opts.workerPath);
    this.owner = newOwnerId();
    this.evaluator = new Evaluator({ store: this.store, budget: this.budget, executor: this.executor, datasetRef: opts.datasetRef, backend: opts.backend ?? 'auto', maxWaiting: opts.maxWaitingEvaluations ?? 16 });
    if (opts.remote) this.queueState = { url: opts.remote.url, reachable: true, message: null, waiting: 0, inFlight: 0 };
  }

  /** The training queue's state, or null when runs train here only. */
  queueStatus(): QueueStatus | null {
    return this.queueState ? { ...this.queueState, waiting: this.queue.length, inFlight: this.remoteInFlight() } : null;
  }

  /** Run ids training now. */
  running(): number[] {
    return [...this.active.keys()];
  }

  /** Threads held now by runs and evaluations (the one an evaluation may borrow included). */
  threadsInUse(): number {
    return this.budget.inUse;
  }

  isActive(runId: number): boolean {
    return this.active.has(runId) || this.queue.includes(runId);
  }

  /** Adds a queued run (status 'queued' in the store) to the queue; starts it when threads are free. */
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
      try {
        const row = this.store.setRunStatus(runId, 'stopped', { error: 'Stopped before it started.' });
        this.opts.emit('runStatus', { runId, status: row.status, error: row.error });
      } catch (e) {
        // Deleted or taken by another process meanwhile: nothing of ours to stop.
        if (!(e instanceof StoreError)) throw e;
      }
      return;
    }
    const a = this.active.get(runId);
    if (!a) return;
    a.stopRequested = true;
    a.execution.requestStop();
    await a.finished;
  }

  /**
   * Stops every run training here with a checkpoint; queued runs stay queued in the store. Runs
   * on agents keep training: this process stops following them, and the next one that opens the
   * database with the same queue takes them over (reattach).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const local = [...this.active.values()].filter((a) => a.threads > 0);
    for (const a of this.active.values()) if (a.threads === 0) a.lease.stop();
    await Promise.all(local.map((a) => this.stop(a.runId)));
    await this.evaluator.close();
    await this.opts.remote?.executor.close();
  }

  /** Test hook: kills a run's task abruptly (as a crash would). */
  async terminateWorker(runId: number): Promise<void> {
    const a = this.active.get(runId);
    if (!a) throw new Error(`Run ${runId} is not running.`);
    await a.execution.terminate();
    await a.finished;
  }

  /** Resolves when the run is no longer queued or running in this supervisor. */
  async settled(runId: number): Promise<void> {
    while (this.queue.includes(runId)) await new Promise((r) => setTimeout(r, 20));
    await this.active.get(runId)?.finished;
  }

  private pump(): void {
    const remote = this.opts.remote;
    if (!remote || remote.mode === 'both') {
      while (!this.closed && this.queue.length > 0) {
        const threads = this.budget.grantRun(this.wantedThreads(this.queue[0]));
        if (threads === 0) break;
        this.start(this.queue.shift()!, threads, this.executor);
      }
    }
    if (remote) void this.dispatchRemote(remote);
  }

  /** The threads a queued run asks for (its config's `threads`; undefined: as many as it can get). */
  private wantedThreads(runId: number): number | undefined {
    try {
      return this.store.getRun(runId).config.threads || undefined;
    } catch {
      return undefined; // gone: launch notices
    }
  }

  /** Starts a run, recording why when it cannot start. */
  private start(runId: number, threads: number, executor: Executor): void {
    let started = false;
    try {
      started = this.launch(runId, threads, executor);
    } catch (e) {
      // The run could not start (unreadable checkpoint, unknown dataset, no worker): record why.
      this.failBeforeStart(runId, `Could not start: ${errorText(e)}`);
    } finally {
      if (!started && threads > 0) this.budget.releaseRun(threads);
    }
  }

  private remoteInFlight(): number {
    return [...this.active.values()].filter((a) => a.threads === 0).length;
  }

  /** Sends queued runs to the queue while it is reachable and has room; retries every 2 s while it is not. */
  private async dispatchRemote(remote: NonNullable<SupervisorOptions['remote']>): Promise<void> {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (!this.closed && this.queue.length > 0 && this.remoteInFlight() < (remote.maxInFlight ?? 1000)) {
        try {
          await remote.executor.ready();
        } catch (e) {
          this.setQueueState(false, errorText(e));
          if (!this.retryTimer && !this.closed) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = null;
              this.pump();
            }, 2000);
          }
          return;
        }
        this.setQueueState(true, null);
        const runId = this.queue.shift();
        if (runId === undefined || this.closed) break;
        this.start(runId, 0, remote.executor);
        this.emitQueueStatus();
      }
    } finally {
      this.dispatching = false;
    }
  }

  private setQueueState(reachable: boolean, message: string | null): void {
    if (!this.queueState) return;
    const changed = this.queueState.reachable !== reachable || this.queueState.message !== message;
    this.queueState = { ...this.queueState, reachable, message };
    if (changed) this.emitQueueStatus();
  }

  private emitQueueStatus(): void {
    const status = this.queueStatus();
    if (status) this.opts.emit('queueStatus', status);
  }

  /**
   * A restarted coordinator: runs left running by a process that is gone, whose job is still in
   * the queue, are taken over (their lease moves to this process) and followed from their first
   * message, so no epoch an agent trained meanwhile is missed. Returns the ids taken over.
   */
  async reattach(): Promise<number[]> {
    const remote = this.opts.remote;
    if (!remote || this.store.readonly) return [];
    await remote.executor.ready();
    const out: number[] = [];
    for (const run of this.store.listRuns({ status: 'running', limit: 1000 }).runs) {
      const owner = run.owner;
      if (!owner || this.active.has(run.id)) continue;
      if (!isOwnerGone(owner.id) && owner.leaseExpiresAt > Date.now()) continue; // its coordinator lives
      const jobId = await remote.executor.liveJob(run.id);
      if (jobId === null) continue;
      try {
        this.store.adoptRun(run.id, owner.id, this.owner, this.timing.leaseMs);
      } catch (e) {
        if (e instanceof StoreError && e.code === 'conflict') continue;
        throw e;
      }
      this.follow(run, 0, (onMessage) => remote.executor.attach(run.id, jobId, onMessage));
      out.push(run.id);
    }
    this.emitQueueStatus();
    return out;
  }

  /** Starts a queued run on `threads` threads (0: on an agent); false when it is no longer ours to start. */
  private launch(runId: number, threads: number, executor: Executor): boolean {
    const run = this.store.getRun(runId);
    if (run.status !== 'queued') return false; // stopped, deleted or taken meanwhile
    const checkpoint = startCheckpoint(this.store, run);
    const dataset = this.opts.datasetRef(run.config.dataset);
    // Claim it: queued → running under our owner id in one transaction, so when two processes
    // share the database (the app and the web host, say) only one of them gets the run.
    let claimed: RunRecord;
    try {
      claimed = this.store.claimRun(runId, this.owner, this.timing.leaseMs, executor.describe(threads));
    } catch (e) {
      if (e instanceof StoreError && (e.code === 'conflict' || e.code === 'not_found')) return false;
      throw e;
    }
    this.opts.emit('runStatus', { runId, status: claimed.status, error: null });
    const task: TrainTask = {
      type: 'train',
      runId,
      config: run.config,
      dataset,
      checkpoint: checkpoint ? checkpoint.data : null,
      stopFlag: newStopFlag(),
      progressIntervalMs: this.opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      backend: this.opts.backend ?? 'auto',
      threads,
    };
    this.follow(claimed, threads, (onMessage) => executor.start(task, onMessage));
    return true;
  }

  /** Records a claimed run's task: its messages, its lease, its end. */
  private follow(run: RunRecord, threads: number, begin: (onMessage: (m: WorkerMessage) => void) => Execution): void {
    const runId = run.id;
    const writer = this.store.runWriter(runId, this.owner);
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => (resolveFinished = r));
    const a = { runId, threads, stopRequested: false, finished } as ActiveRun;
    a.recorder = new RunRecorder({
      writer,
      emit: this.opts.emit,
      epochs: run.config.epochs,
      datasetHash: this.opts.datasetRef(run.config.dataset).hash,
      stopRequested: () => a.stopRequested,
    });
    a.lease = new LeaseKeeper(
      writer,
      this.timing,
      (reason) => this.act(a, { kind: 'lost', reason }),
      (message) => console.error(`Renewing the lease of run ${runId} failed (will retry): ${message}`),
    );
    a.execution = begin((m: WorkerMessage) => this.act(a, a.recorder.onMessage(m)));
    this.active.set(runId, a);
    a.lease.start();
    void a.execution.exited.then((exit) => {
      if (!a.recorder.done) {
        const reason = exit.error ?? `The training worker exited unexpectedly (exit code ${exit.code ?? 'none'})${this.whereIs(runId)}.`;
        this.act(a, a.recorder.onExit(reason));
      }
      a.lease.stop();
      this.active.delete(runId);
      if (a.threads > 0) this.budget.releaseRun(a.threads);
      resolveFinished();
      this.pump();
      this.evaluator.pump();
      if (a.threads === 0) this.emitQueueStatus();
    });
  }

  /** Acts on the recorder's verdict: an ended or lost run lets its task go. */
  private act(a: ActiveRun, v: Verdict): void {
    if (v.kind === 'continue') return;
    a.lease.stop();
    if (v.kind === 'lost') {
      // Another process holds the run now: write nothing, but tell this process's listeners
      // (the CLI waiting for the run) that training here ended.
      this.opts.emit('runStatus', { runId: a.runId, status: 'interrupted', error: `This process stopped training run ${a.runId}: ${v.reason}` });
    }
    void a.execution.terminate();
  }

  private whereIs(runId: number): string {
    try {
      return ` in epoch ${this.store.getRun(runId).progress.epoch + 1}`;
    } catch {
      return '';
    }
  }

  /** A queued run that could not start: failed with the reason (if it is still queued, so ours to touch). */
  private failBeforeStart(runId: number, error: string): void {
    try {
      if (this.store.getRun(runId).status !== 'queued') return;
      const row = this.store.setRunStatus(runId, 'failed', { error });
      this.opts.emit('runStatus', { runId, status: row.status, error: row.error });
    } catch (e) {
      console.error(`Run ${runId} could not start (${error}), and recording that failed too:`, e);
    }
  }

  /**
   * Evaluates a checkpoint on its run's test set and stores the evaluation with all its
   * predictions, on a thread of the budget (see evaluator.ts).
   */
  evaluateCheckpoint(checkpointId: number): Promise<EvaluationRecord> {
    if (this.closed) throw new Error('The run supervisor is closed.');
    return this.evaluator.evaluate(checkpointId);
  }
}
