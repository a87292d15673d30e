// The SQLite store: the only place that knows SQL (see types.ts for the Store interface).
export { openStore, defaultDbPath, sqliteStoreError, SCHEMA_VERSION, DB_ENV } from './db';
export { StoreError, type StoreErrorCode } from './errors';
export * from './types';
