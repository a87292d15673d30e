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
import { StoreError } from './errors';
import { makeEvaluations } from './evaluations';
import { migrate, newerSchemaMessage, schemaVersion } from './migrate';
import { MIGRATIONS } from './migrations/index';
import { makeRuns } from './runs';
import { makeSeries } from './series';
import type { Store, StoreOptions } from './types';

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

/**
 * Opens (creating if needed) the database at `path`, sets the connection up and applies pending
 * migrations. Read-only connections never migrate: their schema must already be current.
 */
export function openStore(path: string, opts: StoreOptions = {}): Store {
  if (typeof path !== 'string' || path === '') throw new StoreError('invalid', 'openStore needs a database file path.');
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const db = new Database(path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    timeout: busyTimeoutMs,
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
  });
  try {
    // Refuse a newer schema before changing anything (even the journal mode) in its file.
    const found = schemaVersion(db);
    if (found > SCHEMA_VERSION) throw new StoreError('version', newerSchemaMessage(found, SCHEMA_VERSION));
    db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:') throw new Error(`Could not switch ${path} to WAL (journal_mode is ${String(mode)}).`);
      db.pragma('synchronous = FULL');
      migrate(db, MIGRATIONS);
    } else {
      if (found < SCHEMA_VERSION) {
        throw new StoreError('version', `this database has schema ${found}, older than this app's ${SCHEMA_VERSION}; open it once read-write to upgrade it`);
      }
    }
    const relaxedSync = <T>(fn: () => T): T => {
      if (opts.readonly || db.inTransaction) return fn(); // the pragma cannot change inside a transaction
      db.pragma('synchronous = NORMAL');
      try {
        return fn();
      } finally {
        db.pragma('synchronous = FULL');
      }
    };
    const ctx = { db, now: opts.now ?? Date.now, relaxedSync };
    const runs = makeRuns(ctx);
    const series = makeSeries(ctx, runs);
    const evaluations = makeEvaluations(ctx, runs);
    // Internal helpers stay internal.
    const { requireStatus: _requireStatus, refreshBest: _refreshBest, ...runApi } = runs;
    const store: Store = {
      path,
      schemaVersion: schemaVersion(db),
      close: () => db.close(),
      connectionSettings: () => ({
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
        synchronous: (['off', 'normal', 'full', 'extra'] as const)[db.pragma('synchronous', { simple: true }) as number],
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
      }),
      integrityCheck: () => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check),
      ...runApi,
      ...series,
      ...evaluations,
    };
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}
