// Which better-sqlite3 binary the Electron main loads. `npm install` leaves the Node build in
// node_modules (the tests and the CLI need it); `npm start` builds one for Electron's ABI into
// native/electron-<version>/better_sqlite3.node and names it in WORKBENCH_SQLITE_BINDING.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const BINDING_ENV = 'WORKBENCH_SQLITE_BINDING';

/** The Electron-ABI binding to pass as nativeBinding, or undefined to use better-sqlite3's own. */
export function electronSqliteBinding(appPath: string, env: NodeJS.ProcessEnv = process.env, electronVersion = process.versions.electron): string | undefined {
  const fromEnv = env[BINDING_ENV];
  if (fromEnv) return fromEnv;
  if (!electronVersion) return undefined;
  const candidate = join(appPath, 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}
