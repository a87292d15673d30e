// Every architecture switch end to end through the real run supervisor (worker threads, SQLite):
// each trains 40 steps on the tiny MNIST cut, learns (test accuracy far above chance,
// loss falling), records its architecture in its checkpoints, and an older checkpoint of it can
// be evaluated. All four switches at once (LeCun's 1998 network) is one of them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../src-shared/engine/arch';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { layoutFor } from '../../src-shared/engine/layout';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from './helpers';
import { SINGLE_SWITCHES } from '../engine/helpers';

const tmp = tempDir('lenet-ablation-');
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

const SWITCHES = SINGLE_SWITCHES;

describe('each architecture switch through the supervisor', () => {
  for (const arch of SWITCHES) {
    it(`${describeArchitecture(arch)}: 40 steps, learns, checkpoints record it, evaluation of an earlier checkpoint`, async () => {
      // 4 epochs of 10 steps on standardised inputs. Sigmoid's gradients are small: a larger rate.
      // ReLU into the RBF output starts with every penalty near 84 (F6 cannot go negative, the
      // prototypes are ±1): Xavier's smaller weights get it moving sooner than He's.
      const init = arch.output === 'rbf' && arch.activation === 'relu' ? 'xavier' : 'he';
      const config = tinyConfig(datasetId, { ...arch, epochs: 4, init, learningRate: arch.activation === 'sigmoid' ? 0.01 : 0.003, threads: 2 });
      const run = await wb.api.createRun({ config });
      expect(await waitForStatus(wb, run.id, ['completed', 'failed', 'diverged'], 120_000)).toBe('completed');
      const row = await wb.api.getRun({ id: run.id });
      expect(row.config).toMatchObject(arch);
      // Chance is 10%; the slowest learners here (sigmoid, ReLU into RBF) pass 30% by step 40.
      expect(row.testAccuracy, 'test accuracy after 40 steps').toBeGreaterThan(0.3);
      const [m] = await wb.api.getMetrics({ runIds: [run.id] });
      expect(m.iterations.length).toBe(40);
      expect(m.epochs[3].meanIterationLoss!).toBeLessThan(m.epochs[0].meanIterationLoss!);

      const cps = await wb.api.listCheckpoints({ runId: run.id });
      expect(cps.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);
      const { bytes } = await wb.api.exportCheckpoint({ id: cps[0].id });
      const decoded = decodeCheckpoint(bytes);
      expect(decoded.header.architecture).toEqual(arch);
      expect(decoded.buffers.get('params')!.length).toBe(layoutFor(arch).count);
      const earlier = await wb.api.evaluateCheckpoint({ checkpointId: cps[2].id });
      expect(earlier.accuracy).toBeGreaterThan(0.15);
    }, 180_000);
  }
});
