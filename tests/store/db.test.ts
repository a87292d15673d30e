import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { defaultDbPath, openStore } from '../../src-main/store/db';
import { MNIST, freshStore, losses, newRun, storeWithRunningRun, tempDbPath, tempDir } from './helpers';

const require = createRequire(import.meta.url);
const sqliteModule = require.resolve('better-sqlite3');
const nodeBinding = join(dirname(sqliteModule), '..', 'build', 'Release', 'better_sqlite3.node');

describe('opening', () => {
  it('sets WAL, foreign keys, FULL sync and a busy timeout on every connection', () => {
    const s = freshStore();
    expect(s.connectionSettings()).toEqual({ journalMode: 'wal', foreignKeys: true, synchronous: 'full', busyTimeoutMs: 5000 });
    const t = freshStore({ busyTimeoutMs: 1234 }, s.path);
    expect(t.connectionSettings().busyTimeoutMs).toBe(1234);
    const db = new Database(s.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal'); // persisted in the file
    db.close();
  });

  it('loss appends and heartbeats commit at NORMAL, then the connection is back at FULL', () => {
    const { store: s, runId } = storeWithRunningRun();
    s.appendIterationLosses(runId, losses(1, 3, 1));
    s.heartbeat(runId);
    expect(s.connectionSettings().synchronous).toBe('full');
    expect(() => s.appendIterationLosses(runId, losses(9, 1, 1))).toThrow(/expected 4/);
    expect(s.connectionSettings().synchronous).toBe('full'); // restored after a failure too
  });

  it('passes nativeBinding through to better-sqlite3', () => {
    expect(existsSync(nodeBinding)).toBe(true);
    const s = freshStore({ nativeBinding: nodeBinding });
    expect(s.schemaVersion).toBeGreaterThan(0);
    const missing = join(tempDir(), 'electron', 'better_sqlite3.node');
    expect(() => openStore(tempDbPath(), { nativeBinding: missing })).toThrow(/better_sqlite3\.node|Cannot find module|no such file/i);
  });

  it('a read-only connection reads but refuses writes', () => {
    const w = freshStore();
    w.registerDataset(MNIST);
    const id = w.createRun(newRun({ name: 'seen' })).id;
    const r = freshStore({ readonly: true }, w.path);
    expect(r.getRun(id).name).toBe('seen');
    expect(() => r.renameRun(id, 'nope')).toThrow(/readonly/i);
    expect(w.getRun(id).name).toBe('seen');
  });

  it('rejects an empty path', () => {
    expect(() => openStore('')).toThrow(/needs a database file path/);
  });
});

describe('two connections on one file (WAL)', () => {
  it('a reader keeps its snapshot while a writer commits, then sees the new rows', () => {
    const a = freshStore();
    const b = freshStore({}, a.path);
    a.registerDataset(MNIST);
    a.createRun(newRun({ name: 'first' }));
    expect(b.listRuns().total).toBe(1);
    const reader = new Database(a.path, { readonly: true });
    reader.exec('BEGIN');
    expect(reader.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
    b.createRun(newRun({ name: 'second' })); // the open read transaction does not block it
    expect(reader.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
    reader.exec('COMMIT');
    expect(reader.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(2);
    reader.close();
    expect(a.listRuns({ sort: 'name', order: 'asc' }).runs.map((r) => r.name)).toEqual(['first', 'second']);
  });

  /** Holds a write transaction on `path` in a worker thread for holdMs. */
  function holdWriteLock(path: string, holdMs: number): Promise<{ locked: Promise<void>; done: Promise<void> }> {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const Database = require(workerData.mod);
      const db = new Database(workerData.path);
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO datasets (id, name, source, content_hash, train_size, test_size, created_at) VALUES ('other', 'Other', 'x', ?, 1, 1, 0)").run('e'.repeat(64));
      parentPort.postMessage('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
      db.exec('COMMIT');
      db.close();
      parentPort.postMessage('done');
    `;
    const w = new Worker(code, { eval: true, workerData: { path, holdMs, mod: sqliteModule } });
    let onLocked!: () => void;
    let onDone!: () => void;
    const locked = new Promise<void>((r) => (onLocked = r));
    const done = new Promise<void>((r, j) => {
      onDone = r;
      w.on('error', j);
    });
    w.on('message', (m) => (m === 'locked' ? onLocked() : onDone()));
    return Promise.resolve({ locked, done });
  }

  it('a writer waits for another connection\'s write lock (busy_timeout) instead of failing', async () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const { locked, done } = await holdWriteLock(s.path, 300);
    await locked;
    const t0 = Date.now();
    const run = s.createRun(newRun({ name: 'waited' })); // blocks until the worker commits
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await done;
    expect(run.name).toBe('waited');
    expect(s.listDatasets().map((d) => d.id)).toEqual(['mnist', 'other']);
  });

  it('with a short busy timeout the second writer fails cleanly and writes nothing', async () => {
    const s = freshStore({ busyTimeoutMs: 50 });
    s.registerDataset(MNIST);
    const { locked, done } = await holdWriteLock(s.path, 800);
    await locked;
    expect(() => s.createRun(newRun())).toThrow(/database is locked/);
    await done;
    expect(s.listRuns().total).toBe(0);
    expect(s.integrityCheck()).toEqual(['ok']);
  });
});

describe('defaultDbPath', () => {
  it('prefers LENET_WORKBENCH_DB and creates its folder', () => {
    const p = join(tempDir(), 'nested', 'deeper', 'my.sqlite');
    expect(defaultDbPath({ LENET_WORKBENCH_DB: p }, 'linux', '/nonexistent')).toBe(p);
    expect(statSync(dirname(p)).isDirectory()).toBe(true);
  });

  it('uses the desktop app\'s user-data folder per platform', () => {
    const home = tempDir();
    expect(defaultDbPath({}, 'linux', home)).toBe(join(home, '.config', 'lenet-workbench', 'workbench.sqlite'));
    expect(statSync(join(home, '.config', 'lenet-workbench')).isDirectory()).toBe(true);
    const xdg = join(home, 'xdg');
    expect(defaultDbPath({ XDG_CONFIG_HOME: xdg }, 'linux', home)).toBe(join(xdg, 'lenet-workbench', 'workbench.sqlite'));
    expect(defaultDbPath({ LENET_WORKBENCH_DB: '' }, 'darwin', home)).toBe(join(home, 'Library', 'Application Support', 'lenet-workbench', 'workbench.sqlite'));
    const appdata = join(home, 'AppData', 'Roaming');
    expect(defaultDbPath({ APPDATA: appdata }, 'win32', home)).toBe(join(appdata, 'lenet-workbench', 'workbench.sqlite'));
  });
});
