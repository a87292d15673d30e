// Real Redis and real agent processes for the queue tests: a redis-server on a free local port
// (append-only file on, so a restart keeps the queue, as a production Redis would), and agents
// started with `npm run agent`'s entry point.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, type Proc } from '../support/child';

export { run, type Proc };

export const ROOT = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(dir: string): Promise<RedisServer> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const ping = () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !ping(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!ping()) throw new Error(`redis-server did not start on port ${port}`);
    },
    async stop() {
      const p = proc;
      if (!p) return;
      proc = null;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    },
  };
  await server.start();
  return server;
}


/** An agent process: one thread, a short lock so a killed agent's run moves on within seconds. */
export async function startAgentProcess(url: string, name: string, cacheDir: string): Promise<Proc> {
  const p = run(process.execPath, ['--import', 'tsx', 'src-main/cli/agent.ts', '--queue', url, '--threads', '1', '--name', name, '--lock-ms', '2000', '--cache', cacheDir]);
  await p.line(/waiting for runs/);
  return p;
}

export async function stopProcess(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill(signal);
  await p.exited;
}
