// The local executor: each task runs in a worker thread of this process (./worker.ts). Stop is
// a shared flag, not a message: the worker trains synchronously, so a posted message would only
// arrive when training ends; it reads the flag between batches instead.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorText } from '../../src-shared/errors';
import type { Execution, ExecutionExit, Executor } from './executor';
import type { WorkerMessage, WorkerTask } from './protocol';

/** Finds the worker entry: worker.ts beside this file under tsx/vitest, worker.js in the bundle. */
export function defaultWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'worker.ts');
  for (const candidate of [join(dir, 'worker.js'), join(dir, '..', 'worker.js')]) if (existsSync(candidate)) return candidate;
  throw new Error(`The run worker (worker.js) was not found next to ${here}; was it built as an input of the main bundle?`);
}

/** Starts a worker thread; a .ts entry goes through ./worker-boot.mjs, which registers tsx first. */
function spawnWorker(entry: string, task: WorkerTask, transfer: ArrayBuffer[]): Worker {
  if (entry.endsWith('.ts')) {
    const boot = join(dirname(fileURLToPath(import.meta.url)), 'worker-boot.mjs');
    return new Worker(boot, { workerData: { entry: pathToFileURL(entry).href, task }, transferList: transfer });
  }
  return new Worker(entry, { workerData: { task }, transferList: transfer });
}

/** The buffers a task can hand over instead of copying (a checkpoint's bytes). */
function transferables(task: WorkerTask): ArrayBuffer[] {
  const cp = task.checkpoint;
  return cp && cp.byteOffset === 0 && cp.byteLength === cp.buffer.byteLength ? [cp.buffer as ArrayBuffer] : [];
}

export class ThreadExecutor implements Executor {
  private readonly workerPath: string;

  constructor(workerPath?: string) {
    this.workerPath = workerPath ?? defaultWorkerPath();
  }

  describe(threads: number): string {
    return `this machine, ${threads} thread${threads === 1 ? '' : 's'}`;
  }

  start(task: WorkerTask, onMessage: (m: WorkerMessage) => void): Execution {
    // The stop flag travels inside a training task (the worker polls it); an evaluation is short
    // and is only ever terminated.
    const flag = task.type === 'train' ? new Int32Array(task.stopFlag) : null;
    const worker = spawnWorker(this.workerPath, task, transferables(task));
    let failure: string | null = null;
    worker.on('message', (m: WorkerMessage) => onMessage(m));
    worker.on('error', (e) => {
      failure = `The training worker failed: ${errorText(e)}`;
    });
    const exited = new Promise<ExecutionExit>((resolve) => worker.once('exit', (code) => resolve({ code, error: failure })));
    return {
      requestStop: () => {
        if (flag) Atomics.store(flag, 0, 1);
      },
      terminate: async () => {
        await worker.terminate();
      },
      exited,
    };
  }
}

/** A fresh stop flag for a training task (Int32Array(1) over shared memory). */
export function newStopFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}
