// Schema migrations (Signal-Desktop's habit): one file per migration under migrations/, a
// registry checked to be monotonic, and all pending migrations applied in ONE transaction that
// ends with `PRAGMA user_version = N`. A database from a newer app is refused.
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors';

export interface Migration {
  /** 1, 2, 3, … with no gaps; the schema version after this migration. */
  readonly version: number;
  readonly name: string;
  /** Synchronous DDL/DML only; runs inside the migration transaction. */
  up(db: BetterSqlite3.Database): void;
}

/** Throws unless versions are exactly 1..N in order. */
export function checkRegistry(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration registry out of order: entry ${i} ("${m.name}") has version ${m.version}, expected ${i + 1}.`);
    }
  });
}

export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function newerSchemaMessage(found: number, known: number): string {
  return `this database was written by a newer LeNet Workbench (schema ${found} > ${known}); upgrade the app`;
}

/**
 * Brings the database to `target` (default: the latest). Returns the versions before and after.
 * Runs as one IMMEDIATE transaction, so two processes opening a fresh file at once do not both
 * migrate: the second waits (busy_timeout), then sees the new user_version and does nothing.
 */
export function migrate(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[],
  target: number = migrations.length,
): { from: number; to: number } {
  checkRegistry(migrations);
  if (!Number.isInteger(target) || target < 0 || target > migrations.length) {
    throw new Error(`Migration target ${target} is not between 0 and ${migrations.length}.`);
  }
  const run = db.transaction(() => {
    const from = schemaVersion(db);
    if (from > migrations.length) throw new StoreError('version', newerSchemaMessage(from, migrations.length));
    if (from >= target) return { from, to: from };
    for (const m of migrations.slice(from, target)) m.up(db);
    db.pragma(`user_version = ${target}`);
    return { from, to: target };
  });
  return run.immediate();
}
