// What the terminal commands that go through the workbench (train, runs) share: their output
// streams, their exit codes, waiting for a run to end, and starting when run as a program.

import { pathToFileURL } from 'node:url';
import type { RunStatus } from '../../src-shared/contract';
import type { Workbench } from '../api/workbench';
import type { TextSink } from './progress';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_STOPPED = 130;

export interface RunEnd {
  status: RunStatus;
  /** Why it ended so (a failure's reason), as the event said. */
  error: string | null;
}

export interface RunEndWatch {
  /** Resolves with the run's end (any status but queued or running), at once if it has already ended. */
  ended(runId: number): Promise<RunEnd>;
  /** Stops listening. */
  off(): void;
}

/**
 * Records every run that reaches an end status. Start it before creating or resuming a run:
 * a run that cannot start ends at once, inside that call.
 */
export function watchRunEnds(wb: Workbench): RunEndWatch {
  const ended = new Map<number, RunEnd>();
  let onEnd: (() => void) | null = null;
  const off = wb.events.on('runStatus', (s) => {
    if (s.status !== 'queued' && s.status !== 'running') {
      ended.set(s.runId, { status: s.status, error: s.error });
      onEnd?.();
    }
  });
  return {
    off,
    ended: (runId) =>
      new Promise<RunEnd>((resolve) => {
        onEnd = () => {
          const st = ended.get(runId);
          if (st) resolve(st);
        };
        onEnd();
      }),
  };
}

/** Whether the module at `moduleUrl` (its import.meta.url) is the program node was started with. */
export function isProgram(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** Runs a command's main with the process arguments and sets the exit code; an escaped error prints its stack. */
export function runProgram(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}

/** A subcommand line split up: the command, its positional arguments, its flags and --db. */
export interface Subcommand<C extends string> {
  command: C;
  rest: string[];
  /** Flag name → value ('yes' for a switch). */
  flags: Record<string, string>;
  db: string | null;
}

/**
 * Splits `COMMAND [ARGS] [--flag value | --flag=value | --switch] [--db PATH]` (flags anywhere),
 * refusing with a message: no command, an unknown one, a flag without a value, a switch with one,
 * a flag given twice, and a flag the command does not take. `kind: 'help'` for --help, -h or
 * `help`. The caller checks the positional arguments and the flags' values.
 */
export function parseSubcommand<C extends string>(
  argv: readonly string[],
  commands: readonly C[],
  flagsOf: Readonly<Record<C, readonly string[]>>,
  switches: readonly string[] = [],
): { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; sub: Subcommand<C> } {
  if (argv.length === 0) return { kind: 'error', message: `a command is needed: ${commands.join(', ')}.` };
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { kind: 'help' };
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  let db: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (switches.includes(name)) {
      if (eq > 0) return { kind: 'error', message: `--${name} takes no value.` };
      if (name in flags) return { kind: 'error', message: `--${name} is given twice.` };
      flags[name] = 'yes';
      continue;
    }
    const value: string | undefined = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (eq < 0) i++;
    if (value === undefined || (eq < 0 && value.startsWith('--'))) return { kind: 'error', message: `--${name} needs a value.` };
    if (name === 'db') {
      if (value === '') return { kind: 'error', message: '--db needs a file path.' };
      db = value;
      continue;
    }
    if (name in flags) return { kind: 'error', message: `--${name} is given twice.` };
    flags[name] = value;
  }
  const [cmd, ...rest] = positional;
  if (!(commands as readonly string[]).includes(cmd)) return { kind: 'error', message: `unknown command "${cmd}" (commands: ${commands.join(', ')}).` };
  const command = cmd as C;
  for (const f of Object.keys(flags)) {
    if (!flagsOf[command].includes(f)) {
      const takes = flagsOf[command];
      return { kind: 'error', message: `${command} does not take --${f}${takes.length ? ` (it takes ${takes.map((x) => '--' + x).join(', ')})` : ''}.` };
    }
  }
  return { kind: 'ok', sub: { command, rest, flags, db } };
}
