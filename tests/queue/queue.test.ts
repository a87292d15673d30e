// Sweeps on training agents over BullMQ on a real Redis, with real agent processes on this
// machine: runs are recorded as if they trained here; an agent killed mid-run, a coordinator
// restarted mid-sweep and Redis stopped and restarted all end with every run complete and
// bit-identical to training here.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueStatus, RunRow } from '../../src-shared/contract';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';
import { run, startAgentProcess, startRedis, stopProcess, type Proc, type RedisServer } from './support';

const tmp = tempDir('lenet-queue-');
let redis: RedisServer;
let tiny = '';
const agents: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis(tmp.dir);
  tiny = writeTinyDataset(join(tmp.dir, 'tiny'));
}, 60_000);

afterAll(async () => {
  for (const a of agents) await stopProcess(a, 'SIGKILL');
  await redis?.stop();
  tmp.cleanup();
});

async function agent(name: string): Promise<Proc> {
  const a = await startAgentProcess(redis.url, name, join(tmp.dir, `cache-${name}`));
  agents.push(a);
  return a;
}

/** Waits for a run to end and expects it completed (the error text says why when not). */
async function expectCompleted(wb: Workbench, id: number, timeoutMs = 120_000): Promise<void> {
  const status = await waitForStatus(wb, id, ['completed', 'failed', 'interrupted', 'stopped', 'diverged'], timeoutMs);
  expect(status, `run ${id}: ${(await wb.api.getRun({ id })).error}`).toBe('completed');
}

/** A coordinator on its own database, with the tiny dataset imported. */
async function coordinator(name: string, extra: Partial<Parameters<typeof createWorkbench>[0]> = {}): Promise<{ wb: Workbench; dataset: string; dbPath: string; datasetsDir: string }> {
  const dbPath = join(tmp.dir, `${name}.sqlite`);
  const datasetsDir = join(tmp.dir, `${name}-datasets`);
  const wb = createWorkbench({ dbPath, datasetsDir, queue: { url: redis.url }, heartbeatMs: 200, staleAfterMs: 3000, ...extra });
  await wb.ready;
  const d = await wb.api.importDataset({ folder: tiny, name: 'Tiny' });
  return { wb, dataset: d.id, dbPath, datasetsDir };
}

/** The final parameters of a run, bytes. */
async function params(wb: Workbench, runId: number): Promise<Buffer> {
  const cp = (await wb.api.listCheckpoints({ runId })).at(-1)!;
  const buf = decodeCheckpoint((await wb.api.exportCheckpoint({ id: cp.id })).bytes).buffers.get('params')!;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The same config trained here, in a separate local workbench: the reference for bit-identity. */
async function trainedHere(config: ReturnType<typeof tinyConfig>, name: string): Promise<Buffer> {
  const wb = createWorkbench({ dbPath: join(tmp.dir, `${name}-local.sqlite`), datasetsDir: join(tmp.dir, `${name}-local-datasets`) });
  try {
    const d = await wb.api.importDataset({ folder: tiny, name: 'Tiny' });
    const r = await wb.api.createRun({ config: { ...config, dataset: d.id } });
    expect(await waitForStatus(wb, r.id, ['completed', 'failed'])).toBe('completed');
    return await params(wb, r.id);
  } finally {
    await wb.close();
  }
}

describe('sweeps on training agents', () => {
  it('a sweep of 6 runs on 2 agents: every run recorded as if local, each trained on an agent, the imported dataset sent once', async () => {
    await agent('a1');
    await agent('a2');
    const { wb, dataset } = await coordinator('sweep');
    try {
      const base = tinyConfig(dataset, { epochs: 2, init: 'he' });
      const runs = await wb.api.createSweep({ base, grid: { seed: [1, 2, 3, 4, 5, 6] }, name: 'agents' });
      for (const r of runs) expect(await waitForStatus(wb, r.id, ['completed', 'failed'])).toBe('completed');
      const rows = await Promise.all(runs.map((r) => wb.api.getRun({ id: r.id })));
      for (const r of rows) {
        expect(r.epochsDone).toBe(2);
        expect(r.testAccuracy).not.toBeNull();
      }
      const trainedOn = await Promise.all(rows.map(async (r) => (await wb.api.getRun({ id: r.id })).trainedOn));
      for (const t of trainedOn) expect(t).toMatch(/^agent a[12] on .*, 1 thread$/);
      expect(new Set(trainedOn).size).toBe(2); // both agents took runs
      const [m] = await wb.api.getMetrics({ runIds: [runs[0].id] });
      expect(Array.from(m.iterations)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await params(wb, runs[2].id)).equals(await trainedHere({ ...base, seed: 3 }, 'sweep'))).toBe(true);
      const status = await wb.api.getQueueStatus(undefined);
      expect(status).toMatchObject({ url: redis.url, reachable: true, waiting: 0, inFlight: 0 });
    } finally {
      await wb.close();
    }
  });

  it('an agent killed mid-run: its run continues on another agent from the last checkpoint, bit-identical', async () => {
    const { wb, dataset } = await coordinator('killed');
    const victim = agents[0];
    try {
      await stopProcess(agents[1], 'SIGTERM'); // only the victim takes the run
      const config = tinyConfig(dataset, { epochs: 12, seed: 9, init: 'he', batchSize: 25 });
      const r = await wb.api.createRun({ config, name: 'survives an agent' });
      await new Promise<void>((resolve) => {
        const off = wb.events.on('runEpoch', (e) => {
          if (e.runId === r.id && e.metrics.epoch >= 3) {
            off();
            resolve();
          }
        });
      });
      await stopProcess(victim, 'SIGKILL');
      await agent('a3');
      expect(await waitForStatus(wb, r.id, ['completed', 'failed'], 90_000)).toBe('completed');
      expect(wb.store.getRun(r.id).trainedOn).toMatch(/^agent a3 /);
      const [m] = await wb.api.getMetrics({ runIds: [r.id] });
      expect(Array.from(m.iterations)).toEqual(Array.from({ length: 12 * 20 }, (_, i) => i + 1));
      expect(m.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await params(wb, r.id)).equals(await trainedHere(config, 'killed'))).toBe(true);
    } finally {
      await wb.close();
    }
  });

  it('a coordinator killed mid-sweep: the next one takes its runs over from the queue and misses no epoch', async () => {
    const live = agents.filter((a) => a.proc.exitCode === null && a.proc.signalCode === null);
    if (live.length < 2) await agent('a4');
    const dbPath = join(tmp.dir, 'restart.sqlite');
    const datasetsDir = join(tmp.dir, 'restart-datasets');
    const setup = createWorkbench({ dbPath, datasetsDir, autoStart: false });
    const dataset = (await setup.api.importDataset({ folder: tiny, name: 'Tiny' })).id;
    await setup.close();
    const base = tinyConfig(dataset, { epochs: 10, init: 'he' });
    const first = run(process.execPath, ['--import', 'tsx', 'tests/queue/fixtures/coordinator.ts', dbPath, datasetsDir, redis.url, JSON.stringify(base), JSON.stringify([11, 12, 13, 14])]);
    await first.line(/^EPOCH \d+ 2$/m, 90_000);
    await stopProcess(first, 'SIGKILL');
    const ids = [...first.out().matchAll(/^RUN (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(4);

    const wb = createWorkbench({ dbPath, datasetsDir, queue: { url: redis.url }, heartbeatMs: 200, staleAfterMs: 3000 });
    try {
      await wb.ready;
      for (const id of ids) await expectCompleted(wb, id);
      const metrics = await wb.api.getMetrics({ runIds: ids });
      for (const m of metrics) {
        expect(m.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        expect(Array.from(m.iterations)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      }
      expect(wb.store.integrityCheck()).toEqual(['ok']);
    } finally {
      await wb.close();
    }
  });

  it('Redis stopped and restarted: the queue shows unreachable, nothing is lost, the sweep finishes', async () => {
    const { wb, dataset } = await coordinator('redis-restart');
    const statuses: QueueStatus[] = [];
    wb.events.on('queueStatus', (s) => statuses.push(s));
    try {
      await redis.stop();
      const base = tinyConfig(dataset, { epochs: 3, init: 'he' });
      const runs: RunRow[] = await wb.api.createSweep({ base, grid: { seed: [21, 22, 23] }, name: 'while redis is down' });
      await new Promise((r) => setTimeout(r, 2500));
      const down = await wb.api.getQueueStatus(undefined);
      expect(down).toMatchObject({ reachable: false, waiting: 3, inFlight: 0 });
      expect(down!.message).toMatch(/is unreachable/);
      for (const r of runs) expect((await wb.api.getRun({ id: r.id })).status).toBe('queued');
      await redis.start();
      for (const r of runs) await expectCompleted(wb, r.id);
      expect(statuses.some((s) => !s.reachable)).toBe(true);
      expect(statuses.at(-1)!.reachable).toBe(true);
    } finally {
      await wb.close();
    }
  });

  it('npm run train -- --queue trains on an agent and records the run like a local one; the password never shows', async () => {
    if (!agents.some((a) => a.proc.exitCode === null && a.proc.signalCode === null)) await agent('a5');
    const dbPath = join(tmp.dir, 'cli.sqlite');
    const cli = run(process.execPath, ['--import', 'tsx', 'src-main/cli/train.ts', '--preset', 'quick', '--train-subset', '1000', '--epochs', '1', '--queue', redis.url, '--db', dbPath]);
    await cli.line(/^Test accuracy/m, 100_000);
    expect(await cli.exited, cli.err()).toBe(0);
    expect(cli.out()).toMatch(/Test accuracy: [\d.]+%/);
    const wb = createWorkbench({ dbPath, autoStart: false, readonly: true });
    try {
      const [r] = (await wb.api.listRuns({})).rows;
      expect(r.status).toBe('completed');
      expect(wb.store.getRun(r.id).trainedOn).toMatch(/^agent /);
    } finally {
      await wb.close();
    }
    const bad = run(process.execPath, ['--import', 'tsx', 'src-main/cli/agent.ts', '--queue', 'redis://:s3cret@127.0.0.1:1', '--threads', '1']);
    expect(await bad.exited).toBe(1);
    expect(bad.out() + bad.err()).not.toContain('s3cret');
    expect(bad.err()).toMatch(/cannot reach the queue redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  }, 180_000);
});
