// The run supervisor with real worker threads and real SQLite files in temp folders, on a tiny
// IDX dataset cut from MNIST (500 training images, batch 50: 10 iterations an epoch).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { createTrainer } from '../../src-shared/engine/solver';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { loadIdxFolder } from '../../src-main/data/mnist';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { openStore } from '../../src-main/store/index';
import { recordEvents, tempDir, tinyConfig, waitForStatus, writeTinyDataset } from './helpers';

const tmp = tempDir();
let datasetId = '';
let wb: Workbench;

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), concurrency: 2, progressIntervalMs: 1, heartbeatMs: 200 });
  datasetId = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny MNIST' })).id;
});

afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

/** Every buffer of a checkpoint (parameters and optimiser state), by name. */
async function stateOf(w: Workbench, checkpointId: number): Promise<Map<string, Uint8Array>> {
  const { bytes } = await w.api.exportCheckpoint({ id: checkpointId });
  const out = new Map<string, Uint8Array>();
  for (const [name, buf] of decodeCheckpoint(bytes).buffers) out.set(name, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  return out;
}

async function finalState(w: Workbench, runId: number): Promise<Map<string, Uint8Array>> {
  const cps = await w.api.listCheckpoints({ runId });
  return stateOf(w, cps.at(-1)!.id);
}

function expectSameState(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  expect(a.has('params')).toBe(true);
  for (const [name, buf] of a) expect(Buffer.compare(Buffer.from(buf), Buffer.from(b.get(name)!)), `buffer ${name}`).toBe(0);
}

describe('run supervisor', () => {
  it('takes a run from queued to completed with its epochs, checkpoints, evaluation and predictions', async () => {
    const ev = recordEvents(wb);
    const run = await wb.api.createRun({ config: tinyConfig(datasetId, { init: 'he', learningRate: 0.003 }), name: 'lifecycle' });
    expect(run.status).toBe('queued');
    expect(await waitForStatus(wb, run.id, ['completed', 'failed', 'diverged'])).toBe('completed');

    const statuses = ev.of('runStatus').filter((s) => s.runId === run.id).map((s) => s.status);
    expect(statuses).toEqual(['queued', 'running', 'completed']);
    expect(ev.of('runEpoch').filter((e) => e.runId === run.id).map((e) => e.metrics.epoch)).toEqual([1, 2]);
    const progress = ev.of('runProgress').filter((p) => p.runId === run.id);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.itersPerEpoch).toBe(10);

    const [m] = await wb.api.getMetrics({ runIds: [run.id] });
    expect(Array.from(m.iterations)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const l of m.losses) expect(Number.isFinite(l)).toBe(true);
    expect(m.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(m.epochs[1].learningRate).toBeCloseTo(0.003 * 0.9, 12);

    const cps = await wb.api.listCheckpoints({ runId: run.id });
    expect(cps.map((c) => [c.epoch, c.iteration])).toEqual([[1, 10], [2, 20]]);

    const evaluation = await wb.api.getEvaluation({ runId: run.id });
    expect(evaluation.count).toBe(300);
    expect(evaluation.checkpointId).toBe(cps[1].id);
    expect(evaluation.confusion.reduce((a, b) => a + b, 0)).toBe(300);
    expect(evaluation.accuracy).toBeGreaterThan(0.4); // 2 tiny epochs with He init: far above chance (0.1)
    const all = await wb.api.listPredictions({ evaluationId: evaluation.id, limit: 1000 });
    expect(all.total).toBe(300);
    const wrong = await wb.api.listPredictions({ evaluationId: evaluation.id, correct: false, limit: 1000 });
    expect(wrong.total).toBe(Math.round(300 * (1 - evaluation.accuracy)));

    const row = await wb.api.getRun({ id: run.id });
    expect(row).toMatchObject({ epochsDone: 2, iteration: 20, testAccuracy: evaluation.accuracy, error: null });
    expect(row.finishedAt).not.toBeNull();
  });

  it('the worker trains exactly what the engine trains in-process (same parameters, bit for bit)', async () => {
    const config = tinyConfig(datasetId, { init: 'he', seed: 21, sampling: 'shuffle' });
    const run = await wb.api.createRun({ config });
    expect(await waitForStatus(wb, run.id, ['completed', 'failed'])).toBe('completed');
    const full = (await wb.api.getRun({ id: run.id })).config;
    const data = loadIdxFolder(join(tmp.dir, 'tiny'));
    const trainer = createTrainer(full, data.train, createParallelBackend(Math.max(full.batchSize, 200)));
    while (!trainer.done) trainer.step();
    const params = (await finalState(wb, run.id)).get('params')!;
    expect(Buffer.from(params).equals(Buffer.from(trainer.params.buffer, trainer.params.byteOffset, trainer.params.byteLength))).toBe(true);
  });

  it('runs two runs at once, each in its own worker', async () => {
    const ev = recordEvents(wb);
    const a = await wb.api.createRun({ config: tinyConfig(datasetId, { seed: 11 }) });
    const b = await wb.api.createRun({ config: tinyConfig(datasetId, { seed: 12 }) });
    let both = false;
    const unsubscribe = wb.events.on('runProgress', () => {
      if (wb.supervisor.running().length === 2) both = true;
    });
    await Promise.all([waitForStatus(wb, a.id, ['completed']), waitForStatus(wb, b.id, ['completed'])]);
    unsubscribe();
    expect(both).toBe(true);
    const running = ev.of('runStatus').filter((s) => s.status === 'running').map((s) => s.runId);
    expect(running).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('stops mid-epoch with a checkpoint and resumes to weights byte-identical to an uninterrupted run', async () => {
    // Batch 10: 50 iterations an epoch, 200 in all. The stop is asked from a progress event in
    // epoch 2 and lands wherever the worker is when it reads the flag: on a loaded machine the
    // event can reach this thread many iterations late, so the test asserts on where the stop
    // actually landed (its checkpoint), never on a guessed iteration.
    const config = tinyConfig(datasetId, { epochs: 4, batchSize: 10, seed: 5, sampling: 'shuffle', checkpointEvery: 2 });
    const straight = await wb.api.createRun({ config, name: 'uninterrupted' });
    const stopped = await wb.api.createRun({ config, name: 'stopped and resumed' });
    let stopAsked: Promise<unknown> | null = null;
    let ipe = 0;
    const off = wb.events.on('runProgress', (p) => {
      if (p.runId === stopped.id && p.epoch === 2 && p.iterationInEpoch >= 3 && !stopAsked) {
        ipe = p.itersPerEpoch;
        stopAsked = wb.api.stopRun({ id: stopped.id });
      }
    });
    expect(await waitForStatus(wb, stopped.id, ['stopped', 'completed'])).toBe('stopped');
    off();
    expect(ipe).toBe(50);
    const afterStop = (await stopAsked!) as { status: string; epochsDone: number; iteration: number };
    expect(afterStop.status).toBe('stopped');
    const at = afterStop.iteration;
    expect(at).toBeGreaterThan(ipe + 2); // not before the progress event that asked for it
    expect(at).toBeLessThan(4 * ipe);
    expect(afterStop.epochsDone).toBe(Math.floor(at / ipe));
    const cps = await wb.api.listCheckpoints({ runId: stopped.id });
    const stopCp = cps.at(-1)!;
    expect(stopCp.iteration).toBe(at); // the stop wrote a checkpoint where it stopped
    expect(stopCp.epoch).toBe(Math.floor(at / ipe));

    const resumed = await wb.api.resumeRun({ id: stopped.id });
    expect(resumed).toMatchObject({ id: stopped.id, status: 'queued' });
    expect(await waitForStatus(wb, stopped.id, ['completed', 'failed'])).toBe('completed');
    expect(await waitForStatus(wb, straight.id, ['completed', 'failed'])).toBe('completed');

    expectSameState(await finalState(wb, straight.id), await finalState(wb, stopped.id));
    const [ms, mr] = await wb.api.getMetrics({ runIds: [straight.id, stopped.id] });
    expect(Array.from(mr.iterations)).toEqual(Array.from(ms.iterations));
    expect(Buffer.from(mr.losses.buffer).equals(Buffer.from(ms.losses.buffer))).toBe(true);
    expect(mr.epochs.map((e) => e.valAccuracy)).toEqual(ms.epochs.map((e) => e.valAccuracy));
    const [es, er] = [await wb.api.getEvaluation({ runId: straight.id }), await wb.api.getEvaluation({ runId: stopped.id })];
    expect(er.confusion).toEqual(es.confusion);

    // Forking from the first checkpoint makes a new run that ends in the same place too.
    const first = (await wb.api.listCheckpoints({ runId: straight.id }))[0];
    const fork = await wb.api.resumeRun({ id: straight.id, checkpointId: first.id });
    expect(fork).toMatchObject({ parentRunId: straight.id, parentCheckpointId: first.id, epochsDone: first.epoch, iteration: first.iteration });
    expect(await waitForStatus(wb, fork.id, ['completed', 'failed'])).toBe('completed');
    expectSameState(await finalState(wb, straight.id), await finalState(wb, fork.id));
  });

  it('a worker terminated mid-epoch leaves the run failed, the database intact, and the run resumable', async () => {
    const config = tinyConfig(datasetId, { epochs: 3, batchSize: 10, seed: 9 }); // 50 iterations an epoch
    const run = await wb.api.createRun({ config });
    let killed: Promise<void> | null = null;
    const off = wb.events.on('runProgress', (p) => {
      if (p.runId === run.id && p.epoch === 2 && p.iterationInEpoch >= 4 && !killed) killed = wb.supervisor.terminateWorker(run.id);
    });
    expect(await waitForStatus(wb, run.id, ['failed', 'completed'])).toBe('failed');
    off();
    await killed;
    const row = await wb.api.getRun({ id: run.id });
    expect(row.error).toMatch(/exited unexpectedly/);
    expect(wb.store.integrityCheck()).toEqual(['ok']);
    // The kill lands wherever the worker is when it arrives (epoch 2 or, on a loaded machine,
    // later): the run keeps exactly the epochs it recorded, never a half-written one.
    expect(row.epochsDone).toBeGreaterThanOrEqual(1);
    expect(row.epochsDone).toBeLessThan(3);
    const [before] = await wb.api.getMetrics({ runIds: [run.id] });
    expect(before.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: row.epochsDone }, (_, i) => i + 1));

    await wb.api.resumeRun({ id: run.id });
    expect(await waitForStatus(wb, run.id, ['completed', 'failed'])).toBe('completed');
    const [m] = await wb.api.getMetrics({ runIds: [run.id] });
    expect(Array.from(m.iterations)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const straight = await wb.api.createRun({ config });
    expect(await waitForStatus(wb, straight.id, ['completed', 'failed'])).toBe('completed');
    expectSameState(await finalState(wb, straight.id), await finalState(wb, run.id));
  });

  it('a NaN loss marks the run diverged with its epoch and iteration', async () => {
    const run = await wb.api.createRun({ config: tinyConfig(datasetId, { optimizer: 'sgd', learningRate: 10, init: 'he' }) });
    expect(await waitForStatus(wb, run.id, ['diverged', 'completed', 'failed'])).toBe('diverged');
    const row = await wb.api.getRun({ id: run.id });
    expect(row.divergedAt).not.toBeNull();
    const [m] = await wb.api.getMetrics({ runIds: [run.id] });
    expect(m.iterations.at(-1)).toBe(row.divergedAt!.iteration);
    expect(Number.isFinite(m.losses.at(-1)!)).toBe(false); // stored as NaN/∞, never as 0
    expect(row.error).toMatch(new RegExp(`epoch ${row.divergedAt!.epoch}, iteration ${row.divergedAt!.iteration}`));
  });

  it('batches progress to at most ~10 messages a second per run while every loss is stored', async () => {
    const own = createWorkbench({ dbPath: join(tmp.dir, 'batching.sqlite'), concurrency: 1, datasetsDir: join(tmp.dir, 'datasets-b') });
    try {
      const d = await own.api.importDataset({ folder: join(tmp.dir, 'tiny'), name: 'Tiny MNIST' });
      // Batch 5 on 500 images: 100 tiny iterations an epoch, far more than 10 a second.
      const run = await own.api.createRun({ config: tinyConfig(d.id, { batchSize: 5, epochs: 3, checkpointEvery: 3 }) });
      const events: { at: number; epoch: number; iterationInEpoch: number; iteration: number }[] = [];
      own.events.on('runProgress', (p) => {
        if (p.runId === run.id) events.push({ at: performance.now(), epoch: p.epoch, iterationInEpoch: p.iterationInEpoch, iteration: p.iteration });
      });
      expect(await waitForStatus(own, run.id, ['completed', 'failed'])).toBe('completed');
      const [m] = await own.api.getMetrics({ runIds: [run.id] });
      expect(Array.from(m.iterations)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      // However fast the epochs go, each ends with a progress event at its last iteration, so a
      // run that ends inside one throttle window still reports where it stands.
      const ends = events.filter((e) => e.iterationInEpoch === 100);
      expect(ends.map((e) => [e.epoch, e.iteration])).toEqual([[1, 100], [2, 200], [3, 300]]);
      expect(events.at(-1)!.iteration).toBe(300);
      expect(events.length).toBeLessThan(300 / 3);
      // Between the epoch ends, no one-second window holds more than 10 throttled events (+1 for
      // timer jitter), however fast or slow this machine is.
      const throttled = events.filter((e) => e.iterationInEpoch !== 100).map((e) => e.at);
      for (let i = 0; i < throttled.length; i++) {
        const inWindow = throttled.filter((t) => t >= throttled[i] && t < throttled[i] + 1000).length;
        expect(inWindow).toBeLessThanOrEqual(11);
      }
    } finally {
      await own.close();
    }
  });

  it('close() stops running runs with a checkpoint; they resume after reopening', async () => {
    const dbPath = join(tmp.dir, 'close.sqlite');
    const first = createWorkbench({ dbPath, concurrency: 1, datasetsDir: join(tmp.dir, 'datasets-c') });
    const d = await first.api.importDataset({ folder: join(tmp.dir, 'tiny'), name: 'Tiny MNIST' });
    const run = await first.api.createRun({ config: tinyConfig(d.id, { epochs: 40, seed: 3 }) });
    const queued = await first.api.createRun({ config: tinyConfig(d.id, { epochs: 1, seed: 4 }) });
    await new Promise<void>((resolve) => {
      const off = first.events.on('runEpoch', (e) => {
        if (e.runId === run.id) {
          off();
          resolve();
        }
      });
    });
    await first.close();
    const second = createWorkbench({ dbPath, autoStart: false, datasetsDir: join(tmp.dir, 'datasets-c') });
    try {
      const r = await second.api.getRun({ id: run.id });
      expect(r.status).toBe('stopped');
      expect(r.epochsDone).toBeGreaterThanOrEqual(1);
      expect((await second.api.listCheckpoints({ runId: run.id })).at(-1)!.iteration).toBe(r.iteration);
      expect((await second.api.getRun({ id: queued.id })).status).toBe('queued'); // the queue persists
      expect(second.store.integrityCheck()).toEqual(['ok']);
      expect((await second.api.resumeRun({ id: run.id })).status).toBe('queued');
      await second.api.stopRun({ id: run.id });
    } finally {
      await second.close();
    }
  });

  it('notices, while open, a run whose process stopped sending heartbeats', async () => {
    const dbPath = join(tmp.dir, 'stale.sqlite');
    const watcher = createWorkbench({ dbPath, autoStart: false, staleAfterMs: 600, datasetsDir: join(tmp.dir, 'datasets-s') });
    try {
      const d = await watcher.api.importDataset({ folder: join(tmp.dir, 'tiny'), name: 'Tiny MNIST' });
      // Another "process": a second connection claims the run and beats once, then goes silent.
      const other = openStore(dbPath);
      const row = other.createRun({ name: 'orphan', config: tinyConfig(d.id), appVersion: 'x', engineVersion: 'y' });
      other.setRunStatus(row.id, 'running');
      other.heartbeat(row.id);
      other.close();
      const seen = await new Promise<{ status: string; error: string | null }>((resolve) => {
        const off = watcher.events.on('runStatus', (s) => {
          if (s.runId === row.id) {
            off();
            resolve(s);
          }
        });
      });
      expect(seen.status).toBe('interrupted');
      expect(seen.error).toMatch(/heartbeat/);
    } finally {
      await watcher.close();
    }
  });

  it('two workbenches on one database: a queued run is trained by exactly one of them', async () => {
    const dbPath = join(tmp.dir, 'shared.sqlite');
    const setup = createWorkbench({ dbPath, autoStart: false, datasetsDir: join(tmp.dir, 'datasets-2') });
    const d = await setup.api.importDataset({ folder: join(tmp.dir, 'tiny'), name: 'Tiny MNIST' });
    await setup.close();
    const raw = openStore(dbPath);
    const ids = [1, 2, 3].map((seed) => raw.createRun({ name: `shared ${seed}`, config: tinyConfig(d.id, { seed, epochs: 1 }), appVersion: 'test', engineVersion: 'test' }).id);
    raw.close();
    const a = createWorkbench({ dbPath, concurrency: 2, datasetsDir: join(tmp.dir, 'datasets-2') });
    const b = createWorkbench({ dbPath, concurrency: 2, datasetsDir: join(tmp.dir, 'datasets-2') });
    try {
      const ea = recordEvents(a);
      const eb = recordEvents(b);
      for (const id of ids) expect(await waitForStatus(a, id, ['completed', 'failed'])).toBe('completed');
      // (Both claimed their runs inside createWorkbench, before a listener could subscribe; the
      // epoch events come later from the worker, so they show who trained what.)
      for (const id of ids) {
        const epochs = [...ea.of('runEpoch'), ...eb.of('runEpoch')].filter((e) => e.runId === id);
        expect(epochs.length, `run ${id} trained once`).toBe(1);
      }
      for (const id of ids) await Promise.all([a.supervisor.settled(id), b.supervisor.settled(id)]);
      expect(a.supervisor.running().length + b.supervisor.running().length).toBe(0);
      const [m] = await a.api.getMetrics({ runIds: [ids[0]] });
      expect(Array.from(m.iterations)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a process killed with SIGKILL mid-run leaves an intact database; the run becomes interrupted and resumes', async () => {
    const dbPath = join(tmp.dir, 'killed.sqlite');
    const setup = createWorkbench({ dbPath, autoStart: false, datasetsDir: join(tmp.dir, 'datasets') });
    const ds = await setup.api.importDataset({ folder: join(tmp.dir, 'tiny'), name: 'Tiny MNIST' });
    await setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'child-run.ts'), dbPath, ds.id, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const reported: number[] = [];
    let runId = 0;
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child reported no epochs in time.\nstdout: ${out}\nstderr: ${err}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n')) {
          const r = /^RUN (\d+)$/.exec(line);
          if (r) runId = Number(r[1]);
          const e = /^EPOCH \d+ (\d+)$/.exec(line);
          if (e && !reported.includes(Number(e[1]))) reported.push(Number(e[1]));
        }
        if (reported.length >= 2) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) early.\nstdout: ${out}\nstderr: ${err}`)));
    });
    await exited;
    expect(runId).toBeGreaterThan(0);

    // Right after the kill the run still looks alive to a reader (its heartbeat is fresh).
    const peek = openStore(dbPath);
    expect(peek.integrityCheck()).toEqual(['ok']);
    expect(peek.getRun(runId).status).toBe('running');
    peek.close();
    await new Promise((r) => setTimeout(r, 700));

    const again = createWorkbench({ dbPath, autoStart: false, staleAfterMs: 500, datasetsDir: join(tmp.dir, 'datasets') });
    try {
      const row = await again.api.getRun({ id: runId });
      expect(row.status).toBe('interrupted');
      expect(row.error).toMatch(/heartbeat/);
      expect(again.store.integrityCheck()).toEqual(['ok']);
      const [m] = await again.api.getMetrics({ runIds: [runId] });
      for (const e of reported) expect(m.epochs.map((x) => x.epoch)).toContain(e);
      expect(row.epochsDone).toBeGreaterThanOrEqual(Math.max(...reported));
      await again.api.resumeRun({ id: runId });
      expect(await waitForStatus(again, runId, ['completed', 'failed'])).toBe('completed');
      const [done] = await again.api.getMetrics({ runIds: [runId] });
      expect(done.epochs.map((x) => x.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(Array.from(done.iterations)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      await again.close();
    }
  });
});
