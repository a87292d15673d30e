// A child process for tests: its stdout and stderr gathered, a wait for a line of stdout that
// matches, and its exit code (the queue's agents, the paused-owner CLI processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A started process (cwd: the project root). */
export interface Proc {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => proc.on('close', (code) => res(code)));
  return {
    proc,
    out: () => out,
    err: () => err,
    exited,
    line(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in time.\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
        const check = () => {
          const m = re.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** What a CLI's main printed and returned, run in this process with its output captured. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A runner of a CLI module's main(argv, io) that captures stdout and stderr. */
export function inProcess(main: (argv: readonly string[], io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } }) => Promise<number>): (...argv: string[]) => Promise<CliResult> {
  return async (...argv) => {
    let out = '';
    let err = '';
    const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { code, out, err };
  };
}
