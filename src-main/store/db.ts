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
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { makeCheckpoints } from './checkpoints';
import type { Ctx } from './context';
import { makeDatasets } from './datasets';
import { StoreError } from './errors';
import { makeEvaluations } from './evaluations';
import { makeLifecycle } from './lifecycle';
import { migrate, newerSchemaMessage, schemaVersion } from './migrate';
import { MIGRATIONS } from './migrations/index';
import { makeRuns } from './runs';
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

/**
 * Opens (creating if needed) the database at `path`, sets the connection up and applies pending
 * migrations. Read-only connections never migrate: their schema must already be current.
 */
export function openStore(path: string, opts: StoreOptions = {}): Store {
  if (typeof path !== 'string' || path === '') throw new StoreError('invalid', 'openStore needs a database file path.');
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const readonly = opts.readonly ?? false;
  const db = new Database(path, {
    readonly,
    fileMustExist: readonly,
    timeout: busyTimeoutMs,
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
  });
  try {
    // Refuse a newer schema, or another application's file, before changing anything (even the
    // journal mode) in it.
    const found = schemaVersion(db);
    if (found > SCHEMA_VERSION) throw new StoreError('version', newerSchemaMessage(found, SCHEMA_VERSION));
    checkOwnFile(db, path);
    db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:') throw new Error(`Could not switch ${path} to WAL (journal_mode is ${String(mode)}).`);
      db.pragma('synchronous = FULL');
      migrate(db, MIGRATIONS);
      if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
    } else {
      if (found < SCHEMA_VERSION) {
        throw new StoreError('version', `this database has schema ${found}, older than this app's ${SCHEMA_VERSION}; open it once read-write to upgrade it`);
      }
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
      if (readonly) throw new StoreError('readonly', `The database ${path} was opened readonly (read-only access): nothing can be written to it here.`);
      return fn();
    };
    const ctx: Ctx = { db, now: opts.now ?? Date.now, relaxedSync, write };
    const datasets = makeDatasets(ctx);
    const runs = makeRuns(ctx, datasets);
    const life = makeLifecycle(ctx, runs);
    const checkpoints = makeCheckpoints(ctx, runs, life);
    const series = makeSeries(ctx, runs, life, checkpoints);
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
      };
    }

    const store: Store = {
      path,
      schemaVersion: schemaVersion(db),
      readonly,
      close: () => db.close(),
      connectionSettings: () => ({
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
        synchronous: (['off', 'normal', 'full', 'extra'] as const)[db.pragma('synchronous', { simple: true }) as number],
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
      }),
      integrityCheck: () => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check),
      ...datasets,
      ...runs.public,
      ...life.public,
      runWriter,
      appendIterationLosses: (runId, losses) => series.appendLosses(runId, null, losses),
      recordEpoch: (runId, rec) => series.recordEpoch(runId, null, rec),
      recordCheckpoint: (runId, cp, losses) => series.recordCheckpoint(runId, null, cp, losses),
      ...series.public,
      ...checkpoints.public,
      ...evaluations.public,
    };
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}
