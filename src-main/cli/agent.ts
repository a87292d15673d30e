// `npm run agent -- --queue redis://HOST:PORT [--threads N] [--name NAME] [--cache DIR]`: a
// training agent. It takes runs from the queue that a coordinator (the app, `npm run serve --
// --queue …` or `npm run train -- --queue …`) sends, trains them with this machine's engine and
// streams everything back; it needs no database. Ctrl-C lets the run in hand go back to the queue
// (another agent continues it from its last checkpoint) and exits.
// Exit codes: 0 stopped by Ctrl-C, 1 failure, 2 bad flags.

import { availableParallelism, homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { errorText } from '../../src-shared/errors';
import { parseQueueUrl, redact, type QueueTarget } from '../queue/connection';
import { startAgent } from '../queue/agent';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isProgram, runProgram, type CliIo } from './common';

export interface AgentArgs {
  target: QueueTarget;
  threads: number;
  name: string;
  cacheDir: string;
  lockMs: number;
}

export const AGENT_HELP = `Usage: npm run agent -- --queue redis://HOST:PORT [options]

Trains runs that a coordinator sends through the queue (BullMQ on Redis).

Options:
  --queue URL     the queue: redis://[:password@]host:port[/db] (required)
  --threads N     threads per run (default: this machine's cores, ${availableParallelism()})
  --name NAME     shown in the runs it trains (default: host-pid)
  --cache DIR     where imported datasets fetched from the queue are kept (default ~/.cache/lenet-workbench/datasets)
  --lock-ms N     how long this agent may be silent before its run goes to another agent (default 30000)
  --help          this text
`;

export function parseAgentArgs(argv: readonly string[]): { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; args: AgentArgs } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { kind: 'help' };
    if (!a.startsWith('--')) return { kind: 'error', message: `Unexpected argument "${redact(a)}".` };
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!['queue', 'threads', 'name', 'cache', 'lock-ms'].includes(name)) return { kind: 'error', message: `Unknown flag --${name}.` };
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return { kind: 'error', message: `--${name} needs a value.` };
    if (flags.has(name)) return { kind: 'error', message: `--${name} is given twice.` };
    flags.set(name, value);
  }
  const url = flags.get('queue');
  if (!url) return { kind: 'error', message: '--queue redis://HOST:PORT is required: the queue the coordinator sends runs to.' };
  let target: QueueTarget;
  try {
    target = parseQueueUrl(url);
  } catch (e) {
    return { kind: 'error', message: errorText(e) };
  }
  const int = (name: string, dflt: number, min: number, max: number): number | string => {
    const v = flags.get(name);
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) return `--${name} must be a whole number from ${min} to ${max} (got "${v}").`;
    return Number(v);
  };
  const threads = int('threads', availableParallelism(), 1, 256);
  if (typeof threads === 'string') return { kind: 'error', message: threads };
  const lockMs = int('lock-ms', 30_000, 1000, 3_600_000);
  if (typeof lockMs === 'string') return { kind: 'error', message: lockMs };
  const name = flags.get('name') ?? `${hostname()}-${process.pid}`;
  if (!/^[\p{L}\p{N} ._:/-]{1,60}$/u.test(name)) return { kind: 'error', message: '--name may hold letters, digits, spaces and . _ : / - (at most 60).' };
  return { kind: 'ok', args: { target, threads, name, cacheDir: flags.get('cache') ?? join(homedir(), '.cache', 'lenet-workbench', 'datasets'), lockMs } };
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseAgentArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(AGENT_HELP);
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`agent: ${parsed.message}\nRun "npm run agent -- --help" for the flags.\n`);
    return EXIT_USAGE;
  }
  const a = parsed.args;
  let agent;
  try {
    agent = await startAgent({ target: a.target, name: a.name, threads: a.threads, cacheDir: a.cacheDir, lockMs: a.lockMs, log: (line) => io.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`) });
  } catch (e) {
    io.stderr.write(`agent: cannot reach the queue ${a.target.shown}: ${errorText(e)}\n`);
    return EXIT_FAILURE;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.stdout.write('agent: stopping; a run in hand goes back to the queue for another agent.\n');
  await agent.close();
  return EXIT_OK;
}

if (isProgram(import.meta.url)) runProgram('agent', main);
