// The coordinator's side of the queue: an executor (../runs/executor.ts) whose tasks train on
// agents. A run's task becomes a BullMQ job; the agent that takes it appends the worker
// protocol's messages to the job's Redis stream, which one reader here follows for every job in
// flight (XREAD over all their streams), handing each message to the supervisor in order.
//
// Messages carry the attempt that sent them (agent, pid, BullMQ lock token): when a job moves
// to another agent (the first one stopped answering), its 'ready' starts a new attempt and
// anything the old agent still sends is dropped.

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { errorText } from '../../src-shared/errors';
import { fromWireJson } from '../../src-shared/wire';
import type { Execution, ExecutionExit, RemoteExecutor } from '../runs/executor';
import type { DatasetRef, TrainTask, WorkerMessage, WorkerTask } from '../runs/protocol';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueTarget } from './connection';
import { encodeCheckpoint, JOB_NAME, keys, QUEUE, type JobPayload } from './protocol';

const TERMINAL = new Set(['stopped', 'diverged', 'done', 'error']);

interface Flight {
  runId: number;
  jobId: string;
  stream: string;
  /** The last stream entry read. */
  cursor: string;
  attempt: string | null;
  onMessage: (m: WorkerMessage) => void;
  finish: (exit: ExecutionExit) => void;
  ended: boolean;
  /** Set once the job is known to exist in the queue. */
  submitted: Promise<void>;
}

export interface QueueExecutorOptions {
  /** Names this coordinator's database in the queue's keys (run ids are unique only within one). */
  scope: string;
  /** How often jobs in flight are checked for having failed or vanished (default 3 s). */
  checkMs?: number;
}

export class QueueExecutor implements RemoteExecutor {
  private readonly queue: Queue;
  /** Commands that must fail fast when Redis is down (ready, dispatch). */
  private readonly command: Redis;
  /** The one blocking reader of every job stream. */
  private readonly reader: Redis;
  private readonly flights = new Map<string, Flight>();
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly loop: Promise<void>;
  private readonly checker: ReturnType<typeof setInterval>;

  private readonly scope: string;

  constructor(
    private readonly target: QueueTarget,
    o: QueueExecutorOptions,
  ) {
    this.scope = o.scope;
    this.queue = new Queue(QUEUE, { connection: { ...target.options, enableOfflineQueue: false } });
    this.queue.on('error', () => undefined); // reported through ready()
    this.command = new Redis({ ...target.options, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.command.on('error', () => undefined);
    this.reader = new Redis({ ...target.options, maxRetriesPerRequest: null });
    this.reader.on('error', () => undefined);
    this.loop = this.read();
    this.checker = setInterval(() => void this.check(), o.checkMs ?? 3000);
  }

  describe(): string {
    return `queue ${this.target.shown} (waiting for an agent)`;
  }

  async ready(): Promise<void> {
    try {
      if (this.command.status !== 'ready') await withTimeout(once(this.command, 'ready'), 2000);
      await withTimeout(this.command.ping(), 2000);
      await withTimeout(this.queue.waitUntilReady(), 2000);
    } catch (e) {
      throw new Error(`The queue ${this.target.shown} is unreachable: ${errorText(e)}`);
    }
  }

  async liveJob(runId: number): Promise<string | null> {
    const jobId = await this.command.get(keys.job(this.scope, runId));
    if (jobId === null) return null;
    const state = await this.queue.getJobState(jobId);
    return state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children' ? jobId : null;
  }

  start(task: WorkerTask, onMessage: (m: WorkerMessage) => void): Execution {
    if (task.type !== 'train') throw new Error('Only training runs go to the queue; evaluations run here.');
    const jobId = `run-${this.scope}-${task.runId}-${Date.now().toString(36)}`;
    return this.follow(task.runId, jobId, onMessage, this.submit(task, jobId));
  }

  attach(runId: number, jobId: string, onMessage: (m: WorkerMessage) => void): Execution {
    return this.follow(runId, jobId, onMessage, Promise.resolve());
  }

  private async submit(task: TrainTask, jobId: string): Promise<void> {
    const payload: JobPayload = {
      v: 1,
      runId: task.runId,
      config: task.config,
      dataset: await this.shareDataset(task.dataset),
      checkpoint: encodeCheckpoint(task.checkpoint),
      progressIntervalMs: task.progressIntervalMs,
      backend: task.backend,
    };
    await this.queue.add(JOB_NAME, payload, { jobId, removeOnComplete: true, removeOnFail: 1000 });
    await this.command.set(keys.job(this.scope, task.runId), jobId);
  }

  /** An imported dataset's files go into Redis once, content-addressed; MNIST agents have. */
  private async shareDataset(ref: DatasetRef): Promise<JobPayload['dataset']> {
    if (ref.source.kind === 'mnist') return { id: ref.id, hash: ref.hash, kind: 'mnist', name: 'MNIST' };
    const key = keys.dataset(ref.hash);
    if ((await this.command.exists(key)) === 0) {
      const dir = ref.source.dir;
      const files: Record<string, Buffer> = {};
      for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f));
      await this.command.hset(key, files);
    }
    return { id: ref.id, hash: ref.hash, kind: 'blob', name: ref.source.name };
  }

  private follow(runId: number, jobId: string, onMessage: (m: WorkerMessage) => void, submitted: Promise<void>): Execution {
    let finish!: (exit: ExecutionExit) => void;
    const exited = new Promise<ExecutionExit>((resolve) => (finish = resolve));
    const flight: Flight = { runId, jobId, stream: keys.events(jobId), cursor: '0', attempt: null, onMessage, ended: false, submitted, finish: () => undefined };
    flight.finish = (exit) => {
      if (flight.ended) return;
      flight.ended = true;
      this.flights.delete(jobId);
      void this.cleanUp(flight);
      finish(exit);
    };
    submitted.then(
      () => {
        if (flight.ended) return;
        this.flights.set(jobId, flight);
        this.wake?.();
      },
      (e: unknown) => flight.finish({ code: null, error: `The run could not be sent to the queue ${this.target.shown}: ${errorText(e)}` }),
    );
    return {
      requestStop: () => {
        void submitted.then(() => this.command.set(keys.stop(jobId), '1', 'EX', 24 * 3600)).catch(() => undefined);
      },
      terminate: async () => {
        await submitted.catch(() => undefined);
        try {
          await this.command.set(keys.stop(jobId), '1', 'EX', 24 * 3600);
          const job = await this.queue.getJob(jobId);
          if (job && (await job.isWaiting())) await job.remove();
        } catch {
          // the queue is unreachable: the agent stops when it sees the flag later, or never starts
        }
        flight.finish({ code: null, error: null });
      },
      exited,
    };
  }

  /** Reads every job stream in flight, in order, handing each message to its run. */
  private async read(): Promise<void> {
    while (!this.closed) {
      const flights = [...this.flights.values()];
      if (flights.length === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 1000);
        });
        this.wake = null;
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.reader.xread('COUNT', 200, 'BLOCK', 500, 'STREAMS', ...flights.map((f) => f.stream), ...flights.map((f) => f.cursor))) as [string, [string, string[]][]][] | null;
      } catch {
        await new Promise((r) => setTimeout(r, 500)); // Redis is down: keep trying, nothing is lost
        continue;
      }
      for (const [stream, entries] of reply ?? []) {
        const flight = flights.find((f) => f.stream === stream);
        if (!flight) continue;
        for (const [id, fields] of entries) {
          flight.cursor = id;
          if (flight.ended) break;
          this.deliver(flight, fields);
        }
      }
    }
  }

  private deliver(flight: Flight, fields: string[]): void {
    const get = (name: string) => {
      const i = fields.indexOf(name);
      return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
    };
    const attempt = get('a') ?? '';
    const text = get('m');
    if (text === undefined) return;
    let m: WorkerMessage;
    try {
      m = fromWireJson(text) as WorkerMessage;
    } catch {
      return; // not ours to read
    }
    if (m.type === 'ready') flight.attempt = attempt;
    else if (attempt !== flight.attempt) return; // from an agent that lost the job to another
    flight.onMessage(m);
    if (TERMINAL.has(m.type)) flight.finish({ code: 0, error: null });
  }

  /** Jobs that failed in the queue (a payload an agent refused) or vanished (Redis lost them) end their execution. */
  private async check(): Promise<void> {
    for (const flight of [...this.flights.values()]) {
      try {
        const job = await this.queue.getJob(flight.jobId);
        if (!job) {
          // Give the reader a moment to deliver a final message of a job removed on completion.
          await new Promise((r) => setTimeout(r, 1000));
          if (!flight.ended) flight.finish({ code: null, error: `The queue ${this.target.shown} no longer has the run's job (was Redis restarted without persistence?). Resume the run to send it again.` });
        } else if ((await job.getState()) === 'failed') {
          flight.finish({ code: null, error: job.failedReason || 'The queue reported the job failed.' });
        }
      } catch {
        // unreachable now: checked again later
      }
    }
  }

  private async cleanUp(flight: Flight): Promise<void> {
    try {
      await this.command.del(flight.stream, keys.stop(flight.jobId), keys.checkpoint(flight.jobId), keys.job(this.scope, flight.runId));
    } catch {
      // Redis is down; the keys are small and harmless
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.checker);
    this.wake?.();
    this.reader.disconnect();
    await this.loop.catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.command.disconnect();
  }
}

/** Resolves at the emitter's next `event`, rejects at its next 'error'. */
function once(emitter: Redis, event: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      emitter.off(event, onEvent);
      emitter.off('error', onError);
    };
    const onEvent = () => {
      done();
      resolve();
    };
    const onError = (e: unknown) => {
      done();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    emitter.on(event, onEvent);
    emitter.on('error', onError);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
