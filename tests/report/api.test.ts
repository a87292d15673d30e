// The report through the workbench: runs recorded in a real SQLite store (as a worker would
// record them) become the claims, the runs behind them and the figures; the plan's missing runs
// are queued once; a diverged or deleted run turns its claims back to missing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, type RunConfig } from '../../src-shared/config';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { newOwnerId } from '../../src-main/runs/lease';
import { tempDir } from '../runs/helpers';
import { REPORT_CONFUSION, table1Curve } from './helpers';

const tmp = tempDir('lenet-report-api-');
let wb: Workbench;

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), autoStart: false });
  await wb.api.listDatasets(undefined); // registers MNIST
});
afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

/**
 * Records a run of `preset` as a worker would: `epochs` epochs along the Table 1 curve with every
 * iteration's loss, a checkpoint at the end and, unless it diverged, its test evaluation.
 */
function record(preset: string, seed: number, epochs: number, test: number | 'diverged'): number {
  const config: RunConfig = { ...presetConfig(preset), seed, epochs: Math.max(epochs, 2) };
  const run = wb.store.createRun({ name: `${preset} ${seed}`, config, appVersion: 't', engineVersion: 't', tags: ['report'] });
  const owner = newOwnerId();
  wb.store.claimRun(run.id, owner, 60_000, 'test');
  const w = wb.store.runWriter(run.id, owner);
  const iters = Math.ceil((60_000 - config.validationSize) / config.batchSize);
  let it = 0;
  for (let e = 1; e <= epochs; e++) {
    const c = table1Curve(e);
    const losses = Array.from({ length: iters }, () => ({ iteration: ++it, epoch: e, loss: c.loss }));
    const metrics = { epoch: e, trainAccuracy: c.train, trainLoss: c.loss, valAccuracy: c.val, valLoss: c.loss, learningRate: 0.001, meanIterationLoss: c.loss, durationMs: 1, imagesPerSecond: 1 };
    w.recordEpoch({ metrics, losses, ...(e === epochs ? { checkpoint: { epoch: e, iteration: it, formatVersion: 1, data: new Uint8Array(8) } } : {}) });
  }
  if (test === 'diverged') {
    w.appendIterationLosses([{ iteration: ++it, epoch: epochs + 1, loss: NaN }]);
    w.finish('diverged', { error: `The loss became NaN at epoch ${epochs + 1}, iteration ${it}.`, divergedAt: { epoch: epochs + 1, iteration: it } });
    return run.id;
  }
  const cp = wb.store.listCheckpoints(run.id).at(-1)!;
  const confusion = REPORT_CONFUSION.map((v, i) => (i === 0 ? Math.round(test * 10_000) - REPORT_CONFUSION.filter((_, k) => k % 11 === 0 && k > 0).reduce((a, b) => a + b, 0) : v));
  const total = confusion.reduce((a, b) => a + b, 0);
  const trace = confusion.filter((_, k) => k % 11 === 0).reduce((a, b) => a + b, 0);
  w.recordEvaluation({ checkpointId: cp.id, split: 'test', count: total, accuracy: trace / total, loss: 0.03, confusion });
  w.finish('completed');
  return run.id;
}

describe('the Report page and npm run report read the same runs', () => {
  const plan = { seeds: 3, epochs: 2 };
  let t1: number[] = [];
  let diverged = 0;

  it('turns recorded runs into claims, the runs behind them and the figures', async () => {
    t1 = [record('report', 1, 2, 0.9815), record('report', 2, 2, 0.982), record('report', 3, 2, 0.9825)];
    diverged = record('report-no-decay', 1, 1, 'diverged');
    const view = await wb.api.getReport(plan);
    expect(view.claims).toHaveLength(9);
    const table1 = view.claims.find((c) => c.id === 'table1')!;
    expect(table1.verdict).toBe('provisional'); // 2 of 40 epochs
    expect(table1.runIds.sort()).toEqual(t1);
    const noDecay = view.claims.find((c) => c.id === 'no-decay')!;
    expect(noDecay.verdict).toBe('missing');
    const report = view.presets.find((p) => p.preset === 'report')!;
    expect(report.used.map((u) => [u.seed, u.epochsDone, u.epochsWanted, u.provisional])).toEqual([[1, 2, 40, true], [2, 2, 40, true], [3, 2, 40, true]]);
    const excluded = view.presets.find((p) => p.preset === 'report-no-decay')!.excluded;
    expect(excluded).toEqual([{ runId: diverged, seed: 1, reason: expect.stringMatching(/diverged/) }]);
    // The figures come from the median test accuracy of the Table 1 seeds: seed 2.
    expect(view.figures).toMatchObject({ runId: t1[1], seed: 2, provisional: true });
    expect(view.figures.lossPerIteration).toBeInstanceOf(Float64Array);
    expect(view.figures.lossPerIteration!.length).toBe(2 * 295);
    expect(view.figures.accuracyPerEpoch.map((p) => p.epoch)).toEqual([1, 2]);
    expect(view.figures.confusion).toHaveLength(100);
    // The plan: Table 1's three seeds are recorded; every other preset (the diverged no-decay run
    // does not count) and batch 50's seeds are missing.
    expect(view.plan).toEqual({ seeds: 3, epochs: 2 });
    expect(view.missing.map((m) => `${m.preset}/${m.seed}`)).toEqual([
      'report-no-decay/1', 'report-sgd/1', 'report-batch50/1', 'report-batch50/2', 'report-batch50/3', 'report-batch100/1', 'report-batch500/1', 'report-bootstrap/1',
    ]);
  });

  it('queues exactly the missing runs, once', async () => {
    const queued = await wb.api.queueReportRuns(plan);
    try {
      expect(queued.map((r) => r.name)).toEqual([
        'Report: No learning-rate decay, seed 1, 2 epochs',
        'Report: SGD instead of Adam, seed 1, 2 epochs',
        'Report: Batch 50, seed 1, 2 epochs',
        'Report: Batch 50, seed 2, 2 epochs',
        'Report: Batch 50, seed 3, 2 epochs',
        'Report: Batch 100, seed 1, 2 epochs',
        'Report: Batch 500, seed 1, 2 epochs',
        'Report: Bootstrap sampling, seed 1, 2 epochs',
      ]);
      for (const r of queued) {
        expect(r.tags).toEqual(['report']);
        expect(r.config.epochs).toBe(2);
      }
      expect(await wb.api.queueReportRuns(plan)).toEqual([]);
      expect((await wb.api.getReport(plan)).missing).toEqual([]);
    } finally {
      for (const r of queued) await wb.api.stopRun({ id: r.id });
    }
  });

  it('a run deleted turns its claims back to missing, and runs on another dataset never count', async () => {
    for (const id of t1) await wb.api.deleteRun({ id });
    const view = await wb.api.getReport(plan);
    expect(view.claims.find((c) => c.id === 'table1')!.verdict).toBe('missing');
    expect(view.figures.runId).toBeNull();
    expect(view.missing.filter((m) => m.preset === 'report').map((m) => m.seed)).toEqual([1, 2, 3]);
  });
});
