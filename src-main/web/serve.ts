// `npm run serve -- [--port N] [--host H] [--db FILE]`: the workbench in a browser. Builds the
// renderer when out/ is stale, opens the workbench on the database (the same default database as
// the desktop app and the CLI), serves both, and prints a URL carrying a random token.
// Ctrl-C stops running runs with a checkpoint (status stopped, resumable), then exits.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench } from '../api/workbench';
import { defaultDbPath } from '../store/index';
import { startWebHost } from './host';

export const DEFAULT_PORT = 8520;

export interface ServeOptions {
  port: number;
  host: string;
  db: string | null;
  /** Send runs to training agents through this queue (redis://…). */
  queue: string | null;
  help: boolean;
}

export const SERVE_HELP = `Usage: npm run serve -- [options]

Serves the workbench to a browser on this machine: open the URL it prints.

Options:
  --port N     port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H     address to listen on (default 127.0.0.1; only this machine can connect)
  --db FILE    the SQLite database (default: the desktop app's, or $LENET_WORKBENCH_DB)
  --queue URL  send runs to training agents (npm run agent) through this queue:
               redis://[:password@]host:port (default: train on this machine)
  --help       this text
`;

export class UsageError extends Error {}

export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const out: ServeOptions = { port: DEFAULT_PORT, host: '127.0.0.1', db: null, queue: null, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535 (got "${v}").`);
        out.port = Number(v);
        break;
      }
      case '--host': {
        const v = value();
        if (!/^[A-Za-z0-9.:-]{1,253}$/.test(v)) throw new UsageError(`--host must be a host name or an IP address (got "${v}").`);
        out.host = v;
        break;
      }
      case '--db': {
        const v = value();
        if (v.trim() === '') throw new UsageError('--db needs a file path.');
        out.db = v;
        break;
      }
      case '--queue': {
        const v = value();
        if (!/^rediss?:\/\//.test(v)) throw new UsageError('--queue must be a redis:// URL, e.g. redis://127.0.0.1:6379.');
        out.queue = v;
        break;
      }
      default:
        throw new UsageError(`Unknown option "${arg.replace(/(rediss?:\/\/)[^@/\s]*@/g, '$1***@')}". Try --help.`);
    }
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  let opts: ServeOptions;
  try {
    opts = parseServeArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  buildIfStale({ log: (line) => process.stderr.write(`${line}\n`) });
  const dbPath = opts.db ?? defaultDbPath();
  const workbench = createWorkbench({ dbPath, ...(opts.queue !== null ? { queue: { url: opts.queue, mode: 'both' } } : {}) });
  let host;
  try {
    host = await startWebHost({ workbench, rendererDir: join(ROOT, 'out', 'renderer'), port: opts.port, host: opts.host });
  } catch (err) {
    await workbench.close();
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(e.code === 'EADDRINUSE' ? `Port ${opts.port} is in use; try --port 0 or another port.\n` : `Could not listen: ${e.message}\n`);
    return 1;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
    process.stderr.write(`Listening on ${opts.host}: anyone who can reach it and has the token can use the workbench.\n`);
  }
  process.stdout.write(`LeNet Workbench (database ${dbPath})\nOpen ${host.url}\nCtrl-C stops the server (running runs stop with a checkpoint).\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping…\n');
  await host.close();
  await workbench.close();
  return 0;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`npm run serve failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
