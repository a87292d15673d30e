// Runs that outlive the process that trained them, and runs that wait across sessions:
//   - runs left 'running' by a process that is gone become 'interrupted' (resumable): at start-up
//     and then every staleAfterMs / 2, since the CLI or another app instance may die while this
//     one runs. A process on this host is known gone at once (its pid is gone); elsewhere its
//     lease decides;
//   - runs queued in earlier sessions are queued again, oldest first (the persistent queue);
//   - a queued run that stands past iteration 0 (resumed, or forked) continues from its checkpoint.

import type { EventMap } from '../../src-shared/contract';
import type { CheckpointRow, RunRecord, Store } from '../store/index';
import { isOwnerGone } from './lease';

/** Marks runs whose process is gone interrupted; emits their runStatus; returns their ids. */
export function interruptStaleRuns(store: Store, staleAfterMs: number, emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void): number[] {
  const ids = store.markStaleRunsInterrupted(staleAfterMs, (owner) => isOwnerGone(owner));
  for (const id of ids) {
    const r = store.getRun(id);
    emit('runStatus', { runId: id, status: r.status, error: r.error });
  }
  return ids;
}

/** Checks for stale runs now and periodically; returns the function that stops the timer. */
export function watchStaleRuns(store: Store, staleAfterMs: number, emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void): () => void {
  if (!store.readonly) interruptStaleRuns(store, staleAfterMs, emit);
  const timer = setInterval(() => {
    if (store.readonly) return;
    try {
      interruptStaleRuns(store, staleAfterMs, emit);
    } catch (e) {
      console.error('Checking for interrupted runs failed:', e);
    }
  }, Math.max(1000, staleAfterMs / 2));
  timer.unref();
  return () => clearInterval(timer);
}

/** Every run left queued in the store, oldest first, handed to `enqueue`. */
export function requeueStored(store: Store, enqueue: (runId: number) => void): void {
  for (let offset = 0; ; offset += 1000) {
    const page = store.listRuns({ status: 'queued', sort: 'created', order: 'asc', offset, limit: 1000 });
    for (const r of page.runs) enqueue(r.id);
    if (offset + 1000 >= page.total) break;
  }
}

/** The checkpoint a queued run continues from: its own latest (after a resume), its fork's, or none (a fresh start). */
export function startCheckpoint(store: Store, run: RunRecord): { id: number; data: Uint8Array } | null {
  if (run.progress.iteration === 0) return null;
  let cp: CheckpointRow | undefined = store.listCheckpoints(run.id).filter((c) => c.iteration === run.progress.iteration).pop();
  if (!cp && run.forkedFrom?.checkpointId) cp = store.getCheckpoint(run.forkedFrom.checkpointId);
  if (!cp || cp.iteration !== run.progress.iteration) {
    throw new Error(`run ${run.id} stands at iteration ${run.progress.iteration} but has no checkpoint there to continue from.`);
  }
  const loaded = store.loadCheckpoint(cp.id); // verifies the SHA-256
  return { id: cp.id, data: new Uint8Array(loaded.data) };
}
