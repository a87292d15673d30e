// The workbench: the one implementation of the contract (src-shared/contract.ts) on top of the
// store (src-main/store) and the run supervisor (src-main/runs). The Electron IPC handlers, the
// web host and the CLI all call this object.
//
// This file only puts it together; each domain lives in its own module over one shared context
// (context.ts): datasets.ts, runs.ts (create, sweep, stop, resume, delete), catalog.ts (presets,
// listing, names, tags, notes, archive), results.ts (metrics, checkpoints, evaluations,
// predictions, compare), sweeps.ts (sweeps as groups), export.ts, insight.ts (health, diagnoses,
// per-epoch timelines) and inspect.ts (layer traces, saliency, top-activating images, ONNX).
//
// Every call is parsed at this boundary with the contract's parser (main never trusts a caller;
// params a transport already parsed are not parsed again), so a rejected call changes nothing.
// Errors meant for the user (bad input, unknown ids, wrong state, an invalid dataset folder)
// surface as ApiError with a clear message; anything else keeps its stack for the log.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { METHOD_NAMES, parseParams, type MethodName, type WorkbenchApi } from '../../src-shared/contract';
import { ApiError, errorText } from '../../src-shared/errors';
import { IdxError } from '../data/idx';
import { parseQueueUrl } from '../queue/connection';
import { QueueExecutor } from '../queue/executor';
import { checkLeaseTiming } from '../runs/lease';
import type { BackendChoice } from '../runs/protocol';
import { requeueStored, watchStaleRuns } from '../runs/recovery';
import { RunSupervisor } from '../runs/supervisor';
import { openStore, sqliteStoreError, StoreError, type Store, type StoreOptions } from '../store/index';
import { catalogMethods } from './catalog';
import type { Methods, WorkbenchContext } from './context';
import { datasetMethods, Datasets } from './datasets';
import { EventHub, type WorkbenchEvents } from './events';
import { exportMethods } from './export';
import { insightMethods } from './insight';
import { inspectMethods } from './inspect';
import { resultMethods } from './results';
import { runRow } from './rows';
import { runMethods } from './runs';
import { sweepMethods } from './sweeps';

export interface WorkbenchOptions {
  /** The SQLite file (created if missing). */
  dbPath: string;
  /** better-sqlite3's nativeBinding (the Electron-ABI build). */
  nativeBinding?: string;
  /** Runs training at once, each on an equal share of the threads; default 1 (one run on every core). */
  concurrency?: number;
  /** Threads the supervisor hands out to runs and evaluations; default the machine's cores. */
  threads?: number;
  /** Where imported datasets are copied; default `datasets/` beside the database. */
  datasetsDir?: string;
  /** Start queued runs found in the database (default true). The CLI's read-only commands pass false. */
  autoStart?: boolean;
  /** A run left 'running' without a heartbeat for this long belongs to a gone process (default 15 s). */
  staleAfterMs?: number;
  /** Heartbeat period of running runs (default 2 s, or a third of staleAfterMs; at most half of it). */
  heartbeatMs?: number;
  progressIntervalMs?: number;
  backend?: BackendChoice;
  workerPath?: string;
  /** Open the database for reading only (the CLI's list, show and export): nothing is ever written. */
  readonly?: boolean;
  /** Evaluations that may wait for a thread at once (default 16); more are refused with a message. */
  maxWaitingEvaluations?: number;
  /**
   * Send runs to training agents through a queue (BullMQ on Redis): `url` is redis://[:password@]host:port;
   * mode 'queue' (default) sends every run, 'both' trains here while threads are free.
   */
  queue?: { url: string; mode?: 'queue' | 'both'; maxInFlight?: number };
  /** Store settings for tests (e.g. maxSizeBytes, to fill the disk on cue). */
  storeOptions?: Pick<StoreOptions, 'maxSizeBytes' | 'busyTimeoutMs'>;
}

export interface Workbench {
  api: WorkbenchApi;
  events: WorkbenchEvents;
  /**
   * Resolves when start-up work is done: with a queue, runs an earlier process sent to agents are
   * followed again (or, when the queue is unreachable, left for the stale-run check).
   */
  ready: Promise<void>;
  /** Stops running runs with a checkpoint (status stopped, resumable), then closes the store. */
  close(): Promise<void>;
  /** For tests and the CLI: the store and the supervisor underneath. */
  readonly store: Store;
  readonly supervisor: RunSupervisor;
}

/** Names a database in the queue's keys: the host and the file's absolute path, hashed. */
function queueScope(dbPath: string): string {
  return createHash('sha256').update(`${hostname()}\n${resolve(dbPath)}`).digest('hex').slice(0, 12);
}

/** Store, SQLite and dataset errors are the user's to act on: they travel as ApiError with their message. */
function forUser(e: unknown, dbPath: string): unknown {
  const store = e instanceof StoreError ? e : sqliteStoreError(e, dbPath);
  if (store && store.code !== 'version') return new ApiError(store.message);
  if (e instanceof IdxError) return new ApiError(e.message);
  return e;
}

export function createWorkbench(opts: WorkbenchOptions): Workbench {
  if (typeof opts !== 'object' || opts === null || typeof opts.dbPath !== 'string' || opts.dbPath === '') {
    throw new Error('createWorkbench needs { dbPath }.');
  }
  const staleAfterMs = opts.staleAfterMs ?? 15_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.min(2000, Math.floor(staleAfterMs / 3));
  checkLeaseTiming({ leaseMs: staleAfterMs, renewMs: heartbeatMs });
  const store = openStore(opts.dbPath, {
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
    ...(opts.readonly ? { readonly: true } : {}),
    ...opts.storeOptions,
  });
  const hub = new EventHub();
  const emit = hub.emit.bind(hub);
  const datasets = new Datasets(store, resolve(opts.datasetsDir ?? join(dirname(resolve(opts.dbPath)), 'datasets')));
  const target = opts.queue ? parseQueueUrl(opts.queue.url) : null;
  const supervisor = new RunSupervisor({
    store,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    datasetRef: (id) => datasets.ref(id),
    emit,
    ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}),
    lease: { leaseMs: staleAfterMs, renewMs: heartbeatMs },
    ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
    ...(opts.workerPath !== undefined ? { workerPath: opts.workerPath } : {}),
    ...(opts.maxWaitingEvaluations !== undefined ? { maxWaitingEvaluations: opts.maxWaitingEvaluations } : {}),
    ...(target && opts.queue
      ? { remote: { executor: new QueueExecutor(target, { scope: queueScope(opts.dbPath) }), url: target.shown, mode: opts.queue.mode ?? 'queue', ...(opts.queue.maxInFlight !== undefined ? { maxInFlight: opts.queue.maxInFlight } : {}) } }
      : {}),
  });
  // Runs of a gone process are marked interrupted, except, with a queue, those still training on
  // an agent: they are taken over first (so the check starts after reattaching).
  let closed = false;
  let stopWatching = () => {};
  const autoStart = (opts.autoStart ?? true) && !store.readonly;
  const startUp = async () => {
    if (target) {
      try {
        await supervisor.reattach();
      } catch (e) {
        console.error(`Following runs already on the queue ${target.shown} failed: ${errorText(e)}`);
      }
    }
    if (closed) return;
    stopWatching = watchStaleRuns(store, staleAfterMs, emit);
    if (autoStart) requeueStored(store, (id) => supervisor.enqueue(id));
  };
  let ready: Promise<void>;
  if (target) ready = startUp();
  else {
    void startUp();
    ready = Promise.resolve();
  }

  const ctx: WorkbenchContext = { store, hub, supervisor, datasets, row: (r) => runRow(r, datasets.hashOf(r.datasetId)) };
  const impl: Methods<MethodName> = {
    ...catalogMethods(ctx),
    ...runMethods(ctx, staleAfterMs),
    ...resultMethods(ctx),
    ...sweepMethods(ctx),
    ...datasetMethods(datasets, store),
    ...exportMethods(ctx),
    ...insightMethods(ctx),
    ...inspectMethods(ctx),
  };

  const api = {} as Record<MethodName, (p: unknown) => Promise<unknown>>;
  for (const name of METHOD_NAMES) {
    const fn = impl[name] as (p: unknown) => unknown;
    api[name] = async (input: unknown) => {
      if (closed) throw new ApiError('The workbench is closed.');
      const params = parseParams(name, input);
      try {
        return await fn(params);
      } catch (e) {
        throw forUser(e, opts.dbPath);
      }
    };
  }

  return {
    api: api as unknown as WorkbenchApi,
    events: hub,
    ready,
    store,
    supervisor,
    async close() {
      if (closed) return;
      closed = true;
      await ready;
      stopWatching();
      await supervisor.close();
      store.close();
    },
  };
}
