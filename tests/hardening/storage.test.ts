// Hardening of the database file (issue: "no silent failures"): a full disk surfaces and keeps
// what was committed; a damaged file is noticed and never written; another application's file
// is refused untouched; a read-only file can be read; untrusted keys are own-property checked.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRunConfig } from '../../src-shared/config';
import { contract } from '../../src-shared/contract';
import { createWorkbench } from '../../src-main/api/workbench';
import { APPLICATION_ID, openStore, SCHEMA_VERSION } from '../../src-main/store/db';
import { StoreError } from '../../src-main/store/errors';
import { snapshot } from '../store/helpers';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = tempDir('lenet-hardening-');
let tiny = '';
beforeAll(() => {
  tiny = writeTinyDataset(join(tmp.dir, 'tiny'));
});
afterAll(() => tmp.cleanup());

/** The file's bytes, digested (a damaged file cannot be read row by row). */
const fileDigest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}

/** A workbench database with one completed tiny run, closed (so the file holds everything). */
async function databaseWithARun(name: string): Promise<string> {
  const dbPath = join(tmp.dir, `${name}.sqlite`);
  const wb = createWorkbench({ dbPath, datasetsDir: join(tmp.dir, `${name}-datasets`) });
  const d = await wb.api.importDataset({ folder: tiny, name: 'Tiny' });
  const run = await wb.api.createRun({ config: tinyConfig(d.id, { epochs: 1, init: 'he' }) });
  expect(await waitForStatus(wb, run.id, ['completed', 'failed'])).toBe('completed');
  await wb.close();
  return dbPath;
}

describe('a full disk', () => {
  it('ends the run failed with the reason, keeps every committed epoch and checkpoint, and resumes once there is room', async () => {
    const dbPath = await databaseWithARun('full');
    const datasetsDir = join(tmp.dir, 'full-datasets');
    // Room for about two more checkpoints (~0.74 MB each): the run fills the "disk" within a few epochs.
    const cap = statSync(dbPath).size + 1_600_000;
    const wb = createWorkbench({ dbPath, datasetsDir, storeOptions: { maxSizeBytes: cap } });
    const ds = (await wb.api.listDatasets(undefined)).find((d) => d.id !== 'mnist')!;
    const run = await wb.api.createRun({ config: tinyConfig(ds.id, { epochs: 8, init: 'he', seed: 4 }) });
    const ended = new Promise<{ status: string; error: string | null }>((resolve) => {
      wb.events.on('runStatus', (s) => {
        if (s.runId === run.id && s.status !== 'queued' && s.status !== 'running') resolve(s);
      });
    });
    const end = await ended;
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/disk is full/);
    const row = await wb.api.getRun({ id: run.id });
    expect(row.status).toBe('failed');
    expect(row.epochsDone).toBeGreaterThanOrEqual(1);
    expect(row.epochsDone).toBeLessThan(8);
    const cps = await wb.api.listCheckpoints({ runId: run.id });
    expect(cps.map((c) => c.epoch)).toEqual(Array.from({ length: row.epochsDone }, (_, i) => i + 1));
    // A call that needs room says so in words.
    const fill = async () => {
      for (let i = 0; i < 100; i++) {
        const r = await wb.api.createRun({ config: tinyConfig(ds.id), name: `filler ${i}` });
        await wb.api.stopRun({ id: r.id });
        await wb.api.setNotes({ id: r.id, notes: 'n'.repeat(20_000) });
      }
    };
    await expect(fill()).rejects.toThrow(/disk is full/);
    expect(wb.store.integrityCheck()).toEqual(['ok']);
    await wb.close();

    const roomy = createWorkbench({ dbPath, datasetsDir });
    try {
      await roomy.api.resumeRun({ id: run.id });
      expect(await waitForStatus(roomy, run.id, ['completed', 'failed'])).toBe('completed');
      expect((await roomy.api.getMetrics({ runIds: [run.id] }))[0].epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await roomy.close();
    }
  });
});

describe('a damaged database', () => {
  it('is noticed at open: reads that still work work, every write is refused with how to recover, the file is not touched', async () => {
    const dbPath = await databaseWithARun('damaged');
    // Overwrite 4 KB in the middle of the file (a page of checkpoint or prediction data).
    const size = statSync(dbPath).size;
    const page = 4096;
    const at = Math.floor(size / 2 / page) * page;
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(page, 0xa5), 0, page, at);
    closeSync(fd);
    const before = fileDigest(dbPath);

    const s = openStore(dbPath);
    try {
      expect(s.damage).toMatch(/is damaged .*nothing will be written to it.*\.recover/);
      expect(s.readonly).toBe(true);
      expect(s.listRuns().total).toBe(1);
      const e = storeError(() => s.renameRun(1, 'x'));
      expect(e.code).toBe('damaged');
      expect(e.message).toMatch(/sqlite3 .* \.recover \| sqlite3 recovered\.sqlite/);
    } finally {
      s.close();
    }
    expect(fileDigest(dbPath)).toBe(before);

    // The CLI: listing works and warns; training refuses to record into the file and exits 1.
    const env = { ...process.env, LENET_WORKBENCH_DB: dbPath };
    const list = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli/runs.ts', 'list'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/completed/);
    expect(list.stderr).toMatch(/warning: The database .* is damaged/);
    const train = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli/train.ts', '--preset', 'quick', '--epochs', '1'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(train.status).toBe(1);
    expect(train.stderr).toMatch(/is damaged/);
    expect(fileDigest(dbPath)).toBe(before);
  });
});

describe("another application's SQLite file", () => {
  const cases: [string, (db: Database.Database) => void, RegExp][] = [
    ['another application_id', (db) => db.pragma('application_id = 12345'), /belongs to another application: application_id 12345/],
    ['tables and user_version 0', (db) => db.exec('CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES (\'mine\')'), /holds tables \(notes\) but no workbench schema version \(user_version 0\)/],
    ['tables and user_version -1', (db) => db.exec('CREATE TABLE runs (x TEXT); PRAGMA user_version = -1'), /no workbench schema version \(user_version -1\)/],
    ['a schema number without our tables', (db) => db.exec('CREATE TABLE runs (x TEXT); PRAGMA user_version = 2'), /schema 2 but no checkpoints, datasets/],
  ];
  it.each(cases)('%s: refused with a clear message, left untouched', (_what, make, message) => {
    const path = join(tmp.dir, `foreign-${Math.random().toString(36).slice(2)}.sqlite`);
    const db = new Database(path);
    make(db);
    db.close();
    const before = snapshot(path);
    const e = storeError(() => openStore(path));
    expect(e.code).toBe('foreign');
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/left untouched/);
    expect(snapshot(path)).toBe(before);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete'); // not even switched to WAL
    check.close();
    expect(() => createWorkbench({ dbPath: path })).toThrow(/not a LeNet Workbench database/);
  });

  it('a workbench file from before application_id existed is adopted', () => {
    const path = join(tmp.dir, 'old-workbench.sqlite');
    const s = openStore(path);
    s.close();
    const db = new Database(path);
    db.pragma('application_id = 0');
    db.close();
    openStore(path).close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});

describe('a database file that cannot be written', () => {
  it('is listed and shown; changing it says why it cannot', async () => {
    const dbPath = await databaseWithARun('readonly');
    const dir = join(tmp.dir, 'ro');
    mkdirSync(dir, { mode: 0o755 });
    const file = join(dir, 'workbench.sqlite');
    const fd = openSync(file, 'w');
    writeSync(fd, readFileSync(dbPath));
    closeSync(fd);
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    chmodSync(tmp.dir, 0o755); // (mkdtemp makes it private; the other user must reach the file)
    const before = snapshot(file);
    // Root ignores file permissions: run the CLI as an unprivileged user then (as a user would be).
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    const cli = (...args: string[]) => {
      const [cmd, ...rest] = [...asUser, process.execPath, '--import', 'tsx', 'src-main/cli/runs.ts', ...args, '--db', file];
      return spawnSync(cmd, rest, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: tmp.dir } });
    };
    const list = cli('list');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^\s*1\s+completed/m);
    const show = cli('show', '1');
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/Test evaluation/);
    const del = cli('delete', '1');
    expect(del.status).toBe(1);
    expect(del.stderr).toMatch(/is readonly here: the file is not writable here/);
    chmodSync(dir, 0o755);
    expect(snapshot(file)).toBe(before);
  });
});

describe('untrusted setting names', () => {
  it('names of Object.prototype members are unknown settings, in configs and sweeps', () => {
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const config = JSON.parse(`{"${key}": 1}`) as Record<string, unknown>;
      const v = validateRunConfig(config);
      expect(v.ok, key).toBe(false);
      if (!v.ok) expect(v.errors[0].message).toMatch(new RegExp(`Unknown setting "${key}"`));
      expect(() => contract.createSweep.parse({ grid: JSON.parse(`{"${key}": [1, 2]}`) })).toThrow(new RegExp(`unknown setting "${key}"`));
    }
  });
});
