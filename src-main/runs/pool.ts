// The threads of one run: engine/wasm/parallel.ts's ShardPool on worker_threads.
//
// createThreadedBackend(maxBatch, threads) gives the run worker a ParallelBackend whose steps run
// on `threads` threads: the calling thread plus threads − 1 helpers started here. Every helper
// instantiates the shared kernels module on the backend's shared memory and then only runs work
// items: runItem(job, item), the compute function the engine defines. Results never depend on
// the thread count (engine/shards.ts), so a run may be resumed on any number of threads.
//
// Coordination is one small SharedArrayBuffer of Int32 words, no messages per step:
//
//   CLAIM  the current job in one word: [generation:11][job:4][count:8][next item:8]. A thread
//          claims item i by compareExchange(c, c + 1) on the value c it read, so the job, the
//          item count and the item always come from the same word (no thread can run an item
//          of one job with another job's number). The generation makes each job's word unique.
//   DONE   items finished in the current job; the thread that finishes the last one notifies.
//   GEN    bumped (and notified) when a job starts: idle helpers sleep on it (Atomics.wait).
//   FAIL   0, or 1 + the index of the first thread whose item threw; its message follows.
//   STOP   1 when the pool closes: helpers return and their threads end.
//
// The caller works too: run() publishes the job, claims items like any helper, then sleeps on
// DONE until the last item is done. An item that throws on any thread fails run() with the
// thread's error text (the run then fails; its last checkpoint stays usable). A thread that
// stops without finishing its item (killed) is caught by a stall timeout: no item finished for
// stallTimeoutMs (default 60 s) fails run() instead of hanging it.
//
// Helpers are plain JavaScript evaluated in the worker (no TypeScript loader, nothing to bundle):
// they import nothing from the engine, only the module and the memory they are given.

import { Worker } from 'node:worker_threads';
import { createParallelBackend, type ParallelBackend, type ShardPool, type SharedKernels } from '../../src-shared/engine/wasm/parallel';
import type { Architecture } from '../../src-shared/engine/arch';
import { checkThreads } from '../../src-shared/engine/shards';

const GEN = 0, CLAIM = 1, DONE = 2, FAIL = 3, STOP = 4, MSG_LOCK = 5, MSG_LEN = 6;
const MSG_OFFSET = 64, MSG_CHARS = 1024;
const CONTROL_BYTES = MSG_OFFSET + MSG_CHARS * 2;
/** The claim word's fields (see above). */
const ITEM_BITS = 8, COUNT_SHIFT = 8, JOB_SHIFT = 16, GEN_SHIFT = 20, GEN_MASK = 0x7ff, MAX_ITEMS = 255, MAX_JOB = 15;
/** How long a thread polls for the next job before it sleeps (most jobs follow within microseconds). */
const SPIN = 4000;

/**
 * The helper thread's program (CommonJS, evaluated by `new Worker(source, { eval: true })`). It
 * receives { module, memory, header, thread, control } and loops: sleep on GEN, claim and run
 * items, count them in DONE, until STOP.
 */
const HELPER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
(function helper(data) {
  const ctl = new Int32Array(data.control);
  const msg = new Uint16Array(data.control, ${MSG_OFFSET}, ${MSG_CHARS});
  let ex;
  try {
    ex = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports;
    if (!ex.attach(data.header, data.thread)) throw new Error('the kernels refused thread index ' + data.thread);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  let seen = -1;
  for (;;) {
    for (let i = 0; i < ${SPIN} && Atomics.load(ctl, ${GEN}) === seen; i++);
    Atomics.wait(ctl, ${GEN}, seen);
    seen = Atomics.load(ctl, ${GEN});
    if (Atomics.load(ctl, ${STOP}) !== 0) return;
    for (;;) {
      if (Atomics.load(ctl, ${FAIL}) !== 0) break;
      const c = Atomics.load(ctl, ${CLAIM});
      const item = c & ${(1 << ITEM_BITS) - 1}, count = (c >>> ${COUNT_SHIFT}) & ${MAX_ITEMS};
      if (item >= count) break;
      if (Atomics.compareExchange(ctl, ${CLAIM}, c, c + 1) !== c) continue;
      try {
        ex.runItem((c >>> ${JOB_SHIFT}) & ${MAX_JOB}, item);
      } catch (e) {
        if (Atomics.compareExchange(ctl, ${MSG_LOCK}, 0, 1) === 0) {
          const text = String(e && e.message ? e.message : e).slice(0, ${MSG_CHARS});
          for (let k = 0; k < text.length; k++) msg[k] = text.charCodeAt(k);
          Atomics.store(ctl, ${MSG_LEN}, text.length);
          Atomics.store(ctl, ${FAIL}, data.thread + 1);
        }
        Atomics.notify(ctl, ${DONE});
        break;
      }
      if (Atomics.add(ctl, ${DONE}, 1) + 1 === count) Atomics.notify(ctl, ${DONE});
    }
  }
})(workerData);
`;

export interface PoolOptions {
  /** Fail run() when no item finished for this long (a thread died mid-item). Default 60,000 ms. */
  stallTimeoutMs?: number;
}

export interface ThreadedBackendOptions extends PoolOptions {
  /** The network (src-shared/engine/arch.ts); the report's model when omitted. */
  architecture?: Architecture;
}

/** A ParallelBackend on threads; dispose() closes it and waits for its threads to end. */
export interface ThreadedBackend extends ParallelBackend {
  dispose(): Promise<void>;
}

/** The ShardPool of a backend on worker threads (created by createParallelBackend through the factory). */
class WorkerPool implements ShardPool {
  readonly threads: number;
  readonly workers: Worker[] = [];
  /** Resolves when every helper has attached; rejects with the first one's startup error. */
  readonly ready: Promise<void>;
  private readonly ctl: Int32Array;
  private readonly msg: Uint16Array;
  private readonly stallMs: number;
  private gen = 0;
  private closed = false;
  /** Set once an item failed or the pool stalled: every later run() throws it. */
  private failure: Error | null = null;

  constructor(shared: SharedKernels, private readonly runLocal: (job: number, item: number) => void, options: PoolOptions) {
    this.threads = shared.threads;
    this.stallMs = options.stallTimeoutMs ?? 60_000;
    if (!(this.stallMs > 0)) throw new Error(`stallTimeoutMs must be positive (got ${this.stallMs}).`);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.ctl = new Int32Array(control, 0, MSG_OFFSET / 4);
    this.msg = new Uint16Array(control, MSG_OFFSET, MSG_CHARS);
    const starts: Promise<void>[] = [];
    for (let t = 1; t < shared.threads; t++) {
      const w = new Worker(HELPER_SOURCE, { eval: true, workerData: { module: shared.module, memory: shared.memory, header: shared.header, thread: t, control } });
      w.unref();
      this.workers.push(w);
      starts.push(new Promise<void>((resolve, reject) => {
        w.once('message', (m: { type: string; message?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`Compute thread ${t} could not start: ${m.message}`))));
        w.once('error', (e) => reject(new Error(`Compute thread ${t} could not start: ${e.message}`)));
        w.once('exit', (code) => reject(new Error(`Compute thread ${t} exited (code ${code}) before it was ready.`)));
      }));
    }
    this.ready = Promise.all(starts).then(() => undefined);
    // A rejection is reported by whoever awaits `ready`; don't let an unawaited one crash the process.
    this.ready.catch(() => undefined);
  }

  run(job: number, count: number): void {
    if (this.closed) throw new Error('The compute pool is closed.');
    if (this.failure) throw this.failure;
    if (!Number.isInteger(job) || job < 0 || job > MAX_JOB) throw new Error(`Job number ${job} is out of range 0..${MAX_JOB}.`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_ITEMS) throw new Error(`A job has 1..${MAX_ITEMS} items (got ${count}).`);
    const ctl = this.ctl;
    this.throwIfFailed();
    this.gen = (this.gen + 1) & GEN_MASK;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, CLAIM, (this.gen << GEN_SHIFT) | (job << JOB_SHIFT) | (count << COUNT_SHIFT));
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    // The caller claims items like any helper.
    for (;;) {
      if (Atomics.load(ctl, FAIL) !== 0) break;
      const c = Atomics.load(ctl, CLAIM);
      const item = c & ((1 << ITEM_BITS) - 1);
      if (item >= count) break;
      if (Atomics.compareExchange(ctl, CLAIM, c, c + 1) !== c) continue;
      try {
        this.runLocal(job, item);
      } catch (e) {
        this.recordFailure(0, e);
        break;
      }
      Atomics.add(ctl, DONE, 1);
    }
    // Then waits for the helpers' last items: polls briefly (they usually finish within
    // microseconds of the caller), then sleeps until the last one notifies.
    let done = Atomics.load(ctl, DONE);
    for (let i = 0; i < SPIN && done < count; i++) done = Atomics.load(ctl, DONE);
    let lastProgress = performance.now();
    while (done < count) {
      this.throwIfFailed();
      Atomics.wait(ctl, DONE, done, 1000);
      const now = performance.now(), d = Atomics.load(ctl, DONE);
      if (d !== done) {
        done = d;
        lastProgress = now;
      } else if (now - lastProgress > this.stallMs) {
        this.fail(`no compute thread finished an item for ${Math.round((now - lastProgress) / 1000)} s (a thread stopped mid-step)`);
      }
    }
    this.throwIfFailed();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
  }

  /** Closes the pool and waits for its threads to end (terminating any that do not within 2 s). */
  async dispose(): Promise<void> {
    this.close();
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.threadId === -1) return resolve();
      const timer = setTimeout(() => void w.terminate(), 2000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    })));
  }

  private recordFailure(thread: number, e: unknown): void {
    const ctl = this.ctl;
    if (Atomics.compareExchange(ctl, MSG_LOCK, 0, 1) === 0) {
      const text = (e instanceof Error ? e.message : String(e)).slice(0, MSG_CHARS);
      for (let k = 0; k < text.length; k++) this.msg[k] = text.charCodeAt(k);
      Atomics.store(ctl, MSG_LEN, text.length);
      Atomics.store(ctl, FAIL, thread + 1);
    }
  }

  private fail(message: string): never {
    this.failure = new Error(`Training failed: ${message}.`);
    throw this.failure;
  }

  private throwIfFailed(): void {
    const f = Atomics.load(this.ctl, FAIL);
    if (f === 0) return;
    const len = Atomics.load(this.ctl, MSG_LEN);
    let text = '';
    for (let k = 0; k < len; k++) text += String.fromCharCode(this.msg[k]);
    this.fail(`compute thread ${f - 1} failed: ${text || 'unknown error'}`);
  }
}

/**
 * A ParallelBackend for batches of up to maxBatch images on `threads` threads (1..MAX_THREADS;
 * at most SHARD_COUNT compute): the caller plus threads − 1 worker threads, started and ready
 * when the promise resolves. One thread starts none.
 */
export async function createThreadedBackend(maxBatch: number, threads: number, options: ThreadedBackendOptions = {}): Promise<ThreadedBackend> {
  checkThreads(threads);
  const made: { pool?: WorkerPool } = {};
  const backend = createParallelBackend(maxBatch, {
    threads,
    architecture: options.architecture,
    pool: (shared, runLocal) => (made.pool = new WorkerPool(shared, runLocal, options)),
  });
  const started = made.pool;
  const dispose = async (): Promise<void> => {
    backend.close();
    if (started) await started.dispose();
  };
  if (started) {
    try {
      await started.ready;
    } catch (e) {
      await dispose();
      throw e;
    }
  }
  return Object.assign(backend, { dispose });
}
