// Improved vs original through the workbench: runs recorded in a real SQLite store (as a worker
// records them) become the Report page's ablation table; the runs it still needs are queued once,
// with set 'ablation'; a run on another dataset or one that failed never counts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, type RunConfig } from '../../src-shared/config';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { newOwnerId } from '../../src-main/runs/lease';
import { tempDir, writeTinyDataset } from '../runs/helpers';
import { REPORT_CONFUSION } from './helpers';

const tmp = tempDir('lenet-ablation-api-');
let wb: Workbench;
let other = '';

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), autoStart: false });
  await wb.api.listDatasets(undefined); // registers MNIST
  other = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny' })).id;
});
afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

/**
 * Records a 3-epoch run of `preset` with the given validation accuracies and test accuracy (a
 * diagonal-heavy confusion scaled to it), as a worker would; `status` 'failed' ends it early.
 */
function record(preset: string, val: [number, number, number], test: number, over: Partial<RunConfig> = {}, status: 'completed' | 'failed' = 'completed'): number {
  const config: RunConfig = { ...presetConfig(preset), seed: 1, epochs: 3, ...over };
  const run = wb.store.createRun({ name: preset, config, appVersion: 't', engineVersion: 't', tags: [] });
  const owner = newOwnerId();
  wb.store.claimRun(run.id, owner, 60_000, 'test');
  const w = wb.store.runWriter(run.id, owner);
  let it = 0;
  for (let e = 1; e <= 3; e++) {
    const losses = Array.from({ length: 5 }, () => ({ iteration: ++it, epoch: e, loss: 0.1 }));
    const metrics = { epoch: e, trainAccuracy: val[e - 1], trainLoss: 0.1, valAccuracy: val[e - 1], valLoss: 0.1, learningRate: 0.001, meanIterationLoss: 0.1, durationMs: 1, imagesPerSecond: 1 };
    w.recordEpoch({ metrics, losses, ...(e === 3 ? { checkpoint: { epoch: e, iteration: it, formatVersion: 1, data: new Uint8Array(8) } } : {}) });
    if (status === 'failed' && e === 2) {
      w.finish('failed', { error: 'test failure' });
      return run.id;
    }
  }
  const cp = wb.store.listCheckpoints(run.id).at(-1)!;
  // 10,000 images: `test` of them on the diagonal (class 0 takes the rest of the correct ones).
  const wrong = REPORT_CONFUSION.filter((_, k) => k % 11 !== 0).reduce((a, b) => a + b, 0);
  const correct = Math.round(test * 10_000);
  const confusion = REPORT_CONFUSION.map((v, k) => (k % 11 !== 0 ? v : 0));
  for (let c = 0; c < 10; c++) confusion[c * 11] = Math.floor(correct / 10) + (c === 0 ? correct % 10 : 0);
  confusion[1] += 10_000 - correct - wrong; // the remaining errors: 0 taken for 1
  w.recordEvaluation({ checkpointId: cp.id, split: 'test', count: 10_000, accuracy: correct / 10_000, loss: 0.03, confusion });
  w.finish('completed');
  return run.id;
}

describe('Improved vs original on the Report page', () => {
  const plan = { seeds: 1, epochs: 3 };
  let base = 0, tanh = 0, rbf = 0;

  it('pairs the report\'s run with each run that undoes one change, and lists what is still to train', async () => {
    let view = await wb.api.getReport(plan);
    expect(view.ablation.table).toEqual({ baseline: null, epochs: null, rows: [], missing: ['activation', 'pooling', 'c3Connections', 'output', 'optimizer', 'all'] });
    expect(view.ablation.missing.map((m) => `${m.preset}/${m.seed}/${m.epochs}`)).toEqual([
      'report/1/3', 'ablation-tanh/1/3', 'ablation-subsampling/1/3', 'ablation-lecun-c3/1/3', 'ablation-rbf/1/3', 'report-sgd/1/3', 'lenet1998/1/3',
    ]);

    base = record('report', [0.975, 0.981, 0.985], 0.9862);
    tanh = record('ablation-tanh', [0.962, 0.974, 0.982], 0.9831);
    rbf = record('ablation-rbf', [0.95, 0.97, 0.978], 0.9795);
    record('ablation-subsampling', [0.97, 0.98, 0.99], 0.99, {}, 'failed'); // never counts
    record('lenet1998', [0.97, 0.98, 0.99], 0.99, { dataset: other }); // another dataset: never counts

    view = await wb.api.getReport(plan);
    const t = view.ablation.table;
    expect(t.epochs).toBe(3);
    expect(t.rows.map((r) => r.change)).toEqual(['activation', 'output']);
    const act = t.rows[0];
    expect(act.improved).toMatchObject({ runIds: [base], epochsToThreshold: 2, reached: 1 });
    expect(act.improved.testAccuracy).toBeCloseTo(0.9862, 10);
    expect(act.original).toMatchObject({ runIds: [tanh], epochsToThreshold: 3, reached: 1 });
    expect(act.testAccuracyGain).toBeCloseTo(0.0031, 10);
    expect(act.epochsSaved).toBe(1);
    const out = t.rows[1];
    expect(out.original).toMatchObject({ runIds: [rbf], epochsToThreshold: null, reached: 0 });
    expect(out.epochsSaved).toBeNull();
    expect(out.note).toMatch(/the original reached 98% validation accuracy in 0 of 1 runs \(within 3 epochs\)/);
    expect(t.missing).toEqual(['pooling', 'c3Connections', 'optimizer', 'all']);
    // The failed subsampling run is planned again; the recorded ones are not.
    expect(view.ablation.missing.map((m) => m.preset)).toEqual(['ablation-subsampling', 'ablation-lecun-c3', 'report-sgd', 'lenet1998']);
    expect(view.ablation.missing[0]).toEqual({ preset: 'ablation-subsampling', title: 'Original pooling (trainable subsampling)', seed: 1, epochs: 3 });
  });

  it('queues exactly the missing runs with set \'ablation\', once, and leaves the report\'s plan alone', async () => {
    const reportMissing = (await wb.api.getReport(plan)).missing;
    const queued = await wb.api.queueReportRuns({ ...plan, set: 'ablation' });
    try {
      expect(queued.map((r) => r.name)).toEqual([
        'Improved vs original: Original pooling (trainable subsampling), seed 1, 3 epochs',
        "Improved vs original: Original C3 (LeCun's connection table), seed 1, 3 epochs",
        'Improved vs original: SGD instead of Adam, seed 1, 3 epochs',
        'Improved vs original: LeNet-5 as in 1998, seed 1, 3 epochs',
      ]);
      expect(queued.map((r) => [r.config.pooling, r.config.c3Connections, r.config.optimizer, r.config.activation, r.config.output])).toEqual([
        ['subsampling', 'full', 'adam', 'relu', 'softmax'],
        ['max', 'lecun', 'adam', 'relu', 'softmax'],
        ['max', 'full', 'sgd', 'relu', 'softmax'],
        ['subsampling', 'lecun', 'adam', 'tanh', 'rbf'],
      ]);
      for (const r of queued) expect(r.tags).toEqual(['ablation']);
      expect(await wb.api.queueReportRuns({ ...plan, set: 'ablation' })).toEqual([]);
      const after = await wb.api.getReport(plan);
      expect(after.ablation.missing).toEqual([]);
      // The SGD run the table queued is the report's SGD comparison too: the report's plan no longer lists it.
      expect(after.missing.map((m) => m.preset)).toEqual(reportMissing.map((m) => m.preset).filter((p) => p !== 'report-sgd'));
    } finally {
      for (const r of queued) await wb.api.stopRun({ id: r.id });
    }
  });

  it('refuses a plan it does not know, and changes nothing', async () => {
    const before = (await wb.api.listRuns({ limit: 1000 })).total;
    await expect(wb.api.queueReportRuns({ set: 'everything' } as never)).rejects.toThrow(/set must be one of report, ablation/);
    await expect(wb.api.getReport({ ablation: true } as never)).rejects.toThrow(/ablation/);
    expect((await wb.api.listRuns({ limit: 1000 })).total).toBe(before);
  });
});
