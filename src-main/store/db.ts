// Opening the store: connection settings, migrations, and the default location.
//
// Connection settings (every connection, on open):
//   journal_mode = WAL     readers never block the writer; the app, the CLI and the web host
//                          may have the same file open at once
//   foreign_keys = ON      deletes cascade (a run takes its losses, metrics, checkpoints,
//                          evaluations and predictions with it)
//   busy_timeout = 5000 ms a writer waits for another connection's write lock instead of failing
//   synchronous  = FULL    by default: every commit fsyncs the WAL, so run creation, status
//                          changes, epoch metrics and checkpoints survive a power cut once
//                          committed. The two frequent writes, appendIterationLosses and
//                          heartbeat, commit at NORMAL (no fsync; measured here: ~7.5 ms per
//                          FULL commit). In WAL mode NORMAL is still safe against a crash or
//                          SIGKILL of the process (only a power cut can lose those commits), and
//                          the next FULL commit fsyncs them too.
// Every write transaction is BEGIN IMMEDIATE, so a second writer waits on busy_timeout up front
// instead of failing later with SQLITE_BUSY when a read transaction tries to upgrade.
import { accessSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { makeCheckpoints } from './checkpoints';
import type { Ctx } from './context';
import { makeDatasets } from './datasets';
import { StoreError } from './errors';
import { makeEvaluations } from './evaluations';
import { makeInsight } from './insight';
import { makeLifecycle } from './lifecycle';
import { migrate, newerSchemaMessage, schemaVersion } from './migrate';
import { MIGRATIONS } from './migrations/index';
import { makeRuns } from './runs';
import { makeSweeps } from './sweeps';
import { makeSeries } from './series';
import type { RunWriter, Store, StoreOptions } from './types';

export const APP_FOLDER = 'lenet-workbench';
export const DB_FILE = 'workbench.sqlite';
export const DB_ENV = 'LENET_WORKBENCH_DB';
/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Where the app, the CLI and the web host keep the database: $LENET_WORKBENCH_DB if set, else the
 * desktop app's user-data folder (Electron's app.getPath('userData') for our app name):
 *   Linux    $XDG_CONFIG_HOME or ~/.config, then lenet-workbench/workbench.sqlite
 *   macOS    ~/Library/Application Support/lenet-workbench/workbench.sqlite
 *   Windows  %APPDATA%\lenet-workbench\workbench.sqlite
 * Creates the folder. The arguments exist for tests.
 */
export function defaultDbPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  let file: string;
  const override = env[DB_ENV];
  if (override !== undefined && override !== '') {
    file = override;
  } else if (platform === 'darwin') {
    file = join(home, 'Library', 'Application Support', APP_FOLDER, DB_FILE);
  } else if (platform === 'win32') {
    file = join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_FOLDER, DB_FILE);
  } else {
    file = join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_FOLDER, DB_FILE);
  }
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** PRAGMA application_id of a workbench database ("LNWB"): another application's file is refused. */
export const APPLICATION_ID = 0x4c4e5742;
/** The tables every workbench database has (a file of schema ≥ 1 written before application_id was set). */
const OWN_TABLES = ['checkpoints', 'datasets', 'epoch_metrics', 'iteration_losses', 'run_tags', 'runs'];

/**
 * Refuses, before anything in the file is changed, a file that is not a workbench database:
 * another application's id, or tables without our schema version. A fresh (empty) file and a
 * workbench file from before application_id existed are accepted.
 */
function checkOwnFile(db: BetterSqlite3.Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  const foreign = (why: string) =>
    new StoreError('foreign', `${path} is not a LeNet Workbench database (${why}); it was left untouched. Choose another file (--db PATH or LENET_WORKBENCH_DB).`);
  if (appId !== 0) throw foreign(`it belongs to another application: application_id ${appId}`);
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  if (tables.length === 0) return;
  const version = schemaVersion(db);
  if (version < 1) throw foreign(`it holds tables (${tables.slice(0, 5).join(', ')}) but no workbench schema version (user_version ${version})`);
  const missing = OWN_TABLES.filter((t) => !tables.includes(t));
  if (missing.length) throw foreign(`schema ${version} but no ${missing.join(', ')} table`);
}

/** Files up to this size are checked with PRAGMA quick_check when opened (about a second here). */
export const QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024;

interface Connection {
  db: BetterSqlite3.Database;
  /** Why the connection cannot write (null: it can). */
  readonlyReason: string | null;
  /** A temporary copy opened instead of the file (its folder is not writable); removed on close. */
  snapshotDir: string | null;
}

function writable(p: string): boolean {
  try {
    accessSync(p, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const isReadonlyError = (e: unknown): boolean => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'));
};

function openDb(file: string, readonly: boolean, opts: StoreOptions): BetterSqlite3.Database {
  return new Database(file, {
    readonly,
    fileMustExist: readonly,
    timeout: opts.busyTimeoutMs ?? 5000,
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
  });
}

/**
 * A read-only connection. A WAL database can only be read where its -shm file can be made; when
 * the folder is not writable, a copy of the file (and its -wal) in a temporary folder is read.
 */
function connectReadonly(path: string, opts: StoreOptions, reason: string): Connection {
  const db = openDb(path, true, opts);
  try {
    schemaVersion(db);
    return { db, readonlyReason: reason, snapshotDir: null };
  } catch (e) {
    db.close();
    if (!isReadonlyError(e)) throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lenet-readonly-'));
  const copy = join(dir, basename(path));
  copyFileSync(path, copy);
  if (existsSync(path + '-wal')) copyFileSync(path + '-wal', copy + '-wal');
  return { db: openDb(copy, true, opts), readonlyReason: `${reason} (read from a snapshot copy, as its folder is not writable either)`, snapshotDir: dir };
}

/** A read-write connection, or a read-only one when the file or its folder cannot be written. */
function connect(path: string, opts: StoreOptions): Connection {
  if (opts.readonly) return connectReadonly(path, opts, 'it was opened read-only');
  if (existsSync(path) && !(writable(path) && writable(dirname(path)))) {
    return connectReadonly(path, opts, 'the file is not writable here (its permissions, or its folder\'s)');
  }
  let db: BetterSqlite3.Database | null = null;
  try {
    db = openDb(path, false, opts);
    schemaVersion(db);
    db.pragma('journal_mode', { simple: true });
    return { db, readonlyReason: null, snapshotDir: null };
  } catch (e) {
    db?.close();
    if (!isReadonlyError(e) || !existsSync(path)) throw e;
    return connectReadonly(path, opts, 'the file is not writable here (its permissions, or its folder\'s)');
  }
}

/**
 * PRAGMA quick_check's findings (empty when healthy). Large files are not checked at open (it
 * would take seconds); damage found later by SQLite itself still surfaces as a 'corrupt' error.
 */
function quickCheck(db: BetterSqlite3.Database, path: string): string[] {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return [];
  }
  if (size > QUICK_CHECK_MAX_BYTES) return [];
  try {
    const rows = (db.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
    return rows.length === 1 && rows[0] === 'ok' ? [] : rows;
  } catch (e) {
    return [String((e as Error).message)];
  }
}

/** How to recover a damaged database, for the message every refused write carries. */
function damagedMessage(path: string, findings: readonly string[]): string {
  const what = findings
    .flatMap((f) => f.split('\n'))
    .map((f) => f.replace(/\*\*\* in database main \*\*\*/, '').trim())
    .filter((f) => f !== '');
  return (
    `The database ${path} is damaged (${what.slice(0, 2).join('; ')}${what.length > 2 ? '; …' : ''}), so nothing will be written to it; ` +
    `reading what is still readable works. To recover: close the workbench, keep a copy of the file, then run ` +
    `\`sqlite3 "${path}" .recover | sqlite3 recovered.sqlite\` and open recovered.sqlite (--db or LENET_WORKBENCH_DB), or start a new database.`
  );
}

/** better-sqlite3's errors as StoreErrors with a message for a user (null: not a SQLite error). */
export function sqliteStoreError(e: unknown, path: string): StoreError | null {
  const code = (e as { code?: unknown })?.code;
  if (!(e instanceof Error) || e.name !== 'SqliteError' || typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL') return new StoreError('io', `Cannot write to the database ${path}: the disk is full (or the database reached its size limit). Free some space; what was recorded before is intact.`);
  if (code.startsWith('SQLITE_IOERR')) return new StoreError('io', `Cannot write to the database ${path}: the system reported an I/O error (${code}). Check the disk; what was recorded before is intact.`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StoreError('busy', `Cannot write: the database is locked by another process (the app, the CLI or the web host) and stayed locked too long (${path}); try again.`);
  if (code.startsWith('SQLITE_READONLY')) return new StoreError('readonly', `The database ${path} cannot be written here (${code}).`);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new StoreError('corrupt', damagedMessage(path, [e.message]));
  return null;
}

/**
 * Opens (creating if needed) the database at `path`, sets the connection up and applies pending
 * migrations. Read-only connections never migrate: their schema must already be current. A file
 * that cannot be written here is opened read-only (reads work, writes say why they cannot); a
 * damaged file (PRAGMA quick_check) is opened for reading only, with how to recover.
 */
export function openStore(path: string, opts: StoreOptions = {}): Store {
  if (typeof path !== 'string' || path === '') throw new StoreError('invalid', 'openStore needs a database file path.');
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  let conn: Connection;
  try {
    conn = connect(path, opts);
  } catch (e) {
    throw sqliteStoreError(e, path) ?? e;
  }
  const { db, readonlyReason, snapshotDir } = conn;
  const readonly = readonlyReason !== null;
  const close = () => {
    db.close();
    if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  };
  try {
    // Refuse a newer schema, or another application's file, before changing anything (even the
    // journal mode) in it.
    const found = schemaVersion(db);
    if (found > SCHEMA_VERSION) throw new StoreError('version', newerSchemaMessage(found, SCHEMA_VERSION));
    checkOwnFile(db, path);
    db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    const findings = found > 0 ? quickCheck(db, path) : [];
    const damaged = findings.length > 0 ? damagedMessage(path, findings) : null;
    if (!readonly && damaged === null) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:') throw new Error(`Could not switch ${path} to WAL (journal_mode is ${String(mode)}).`);
      db.pragma('synchronous = FULL');
      migrate(db, MIGRATIONS);
      if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
      if (opts.maxSizeBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.maxSizeBytes / pageSize))}`);
      }
    } else if (found < SCHEMA_VERSION) {
      throw new StoreError('version', `this database has schema ${found}, older than this app's ${SCHEMA_VERSION}; open it once read-write to upgrade it`);
    }
    const relaxedSync = <T>(fn: () => T): T => {
      if (readonly || db.inTransaction) return fn(); // the pragma cannot change inside a transaction
      db.pragma('synchronous = NORMAL');
      try {
        return fn();
      } finally {
        db.pragma('synchronous = FULL');
      }
    };
    const write = <T>(fn: () => T): T => {
      if (damaged !== null) throw new StoreError('damaged', damaged);
      if (readonly) throw new StoreError('readonly', `The database ${path} is readonly here: ${readonlyReason}. Reading works; to change it, open it where it can be written.`);
      try {
        return fn();
      } catch (e) {
        throw sqliteStoreError(e, path) ?? e;
      }
    };
    const ctx: Ctx = { db, now: opts.now ?? Date.now, relaxedSync, write };
    const datasets = makeDatasets(ctx);
    const sweeps = makeSweeps(ctx);
    const runs = makeRuns(ctx, datasets, sweeps);
    const life = makeLifecycle(ctx, runs);
    const checkpoints = makeCheckpoints(ctx, runs, life);
    const insight = makeInsight(ctx, runs);
    const series = makeSeries(ctx, runs, life, checkpoints, insight);
    const evaluations = makeEvaluations(ctx, runs, life, checkpoints);

    function runWriter(runId: number, owner: string): RunWriter {
      runs.requireStatus(runId);
      return {
        runId,
        owner,
        renew: (leaseMs) => life.renewAs(runId, owner, leaseMs),
        appendIterationLosses: (losses) => series.appendLosses(runId, owner, losses),
        recordEpoch: (rec) => series.recordEpoch(runId, owner, rec),
        recordCheckpoint: (cp, losses) => series.recordCheckpoint(runId, owner, cp, losses),
        recordEvaluation: (e) => evaluations.recordAs(e, owner),
        finish: (status, details) => life.finishAs(runId, owner, status, details),
        rewind: (iteration) => life.rewindAs(runId, owner, iteration),
        setTrainedOn: (text) => life.setTrainedOnAs(runId, owner, text),
        position: () => life.position(runId),
      };
    }

    const store: Store = {
      path,
      schemaVersion: schemaVersion(db),
      readonly: readonly || damaged !== null,
      readonlyReason: damaged ?? (readonly ? `The database ${path} is read-only here: ${readonlyReason}.` : null),
      damage: damaged,
      close,
      connectionSettings: () => ({
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
        synchronous: (['off', 'normal', 'full', 'extra'] as const)[db.pragma('synchronous', { simple: true }) as number],
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
      }),
      integrityCheck: () => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check),
      ...datasets,
      ...runs.public,
      ...sweeps.public,
      ...life.public,
      runWriter,
      appendIterationLosses: (runId, losses) => series.appendLosses(runId, null, losses),
      recordEpoch: (runId, rec) => series.recordEpoch(runId, null, rec),
      recordCheckpoint: (runId, cp, losses) => series.recordCheckpoint(runId, null, cp, losses),
      ...series.public,
      ...insight.public,
      ...checkpoints.public,
      ...evaluations.public,
    };
    return store;
  } catch (e) {
    close();
    throw sqliteStoreError(e, path) ?? e;
  }
}
