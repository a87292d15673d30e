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
