// What every part of the store shares: the connection, the clock, and the two wrappers every
// write goes through.
import type BetterSqlite3 from 'better-sqlite3';

export interface Ctx {
  db: BetterSqlite3.Database;
  now: () => number;
  /** Runs a top-level write at synchronous=NORMAL (no fsync), then restores FULL. */
  relaxedSync: <T>(fn: () => T) => T;
  /** Every public write goes through this: it refuses writes the store may not make (read-only, damaged file). */
  write: <T>(fn: () => T) => T;
}
