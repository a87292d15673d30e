// `npm run train` records its run in the workbench's database: the run the app shows is the one
// the terminal trained (real process, real worker thread, real SQLite file).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkbench } from '../../src-main/api/workbench';
import { tempDir, writeTinyDataset } from './helpers';

const tmp = tempDir('lenet-train-record-');
afterAll(() => tmp.cleanup());

describe('npm run train records its run', () => {
  it('leaves a completed run with its epochs, checkpoints and test evaluation in LENET_WORKBENCH_DB', async () => {
    const db = join(tmp.dir, 'wb.sqlite');
    const dir = writeTinyDataset(join(tmp.dir, 'digits'));
    const args = ['--data-dir', dir, '--epochs', '2', '--batch-size', '50', '--validation-size', '200', '--train-subset', '500', '--train-eval-size', '100', '--init', 'he', '--checkpoint-every', '1'];
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli/train.ts', ...args], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, LENET_WORKBENCH_DB: db },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(p.stderr).not.toMatch(/train:/);
    expect(p.status).toBe(0);
    const m = /Recorded as run (\d+) "([^"]+)" in (.+) \(npm run runs -- show \d+\)\./.exec(p.stdout);
    expect(m, p.stdout).not.toBeNull();
    expect(m![3]).toBe(db);
    const printed = /^Test accuracy: ([\d.]+)%/m.exec(p.stdout)![1];

    const wb = createWorkbench({ dbPath: db, autoStart: false });
    try {
      const run = await wb.api.getRun({ id: Number(m![1]) });
      expect(run).toMatchObject({ status: 'completed', epochsDone: 2, iteration: 20, name: m![2] });
      expect(run.config).toMatchObject({ epochs: 2, batchSize: 50, trainSubset: 500, init: 'he' });
      expect((await wb.api.listDatasets(undefined)).find((d) => d.id === run.datasetId)).toMatchObject({ trainCount: 900, testCount: 300 });
      const [metrics] = await wb.api.getMetrics({ runIds: [run.id] });
      expect(metrics.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(await wb.api.listCheckpoints({ runId: run.id })).toHaveLength(2);
      const ev = await wb.api.getEvaluation({ runId: run.id });
      expect((ev.accuracy * 100).toFixed(2)).toBe(printed);
      expect((await wb.api.listPredictions({ evaluationId: ev.id })).total).toBe(300);
    } finally {
      await wb.close();
    }
  });
});
