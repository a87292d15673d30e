// Insight with the architecture switches (issue 14), through the API on the tiny dataset: a run
// of LeCun's 1998 network records its per-epoch health (its own tensors, subsampling's
// coefficients included; no ReLU statistics, the NaN guard on its class probabilities); its
// checkpoints classify images (side by side with the report's model) and export as ONNX; the
// layer views, written for the report's model, refuse it with the reason.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type RunRow } from '../../src-shared/contract';
import { LENET1998_ARCHITECTURE } from '../../src-shared/engine/arch';
import { classifyPixels, modelFromCheckpoint } from '../../src-shared/engine/inspect/index';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const tmp = tempDir('lenet-insight-arch-');
let wb: Workbench;
let lecun: RunRow;
let report: RunRow;

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), concurrency: 2, datasetsDir: join(tmp.dir, 'imported') });
  const ds = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny MNIST' })).id;
  lecun = await wb.api.createRun({ config: tinyConfig(ds, { ...LENET1998_ARCHITECTURE, init: 'he', learningRate: 0.003, epochs: 2 }), name: 'LeNet-5 1998' });
  report = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003, epochs: 2 }), name: 'report' });
  expect(await waitForStatus(wb, lecun.id, ['completed', 'failed'], 120_000)).toBe('completed');
  expect(await waitForStatus(wb, report.id, ['completed', 'failed'], 120_000)).toBe('completed');
}, 180_000);

afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

async function apiError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return (e as Error).message;
  }
  throw new Error('expected the call to be refused');
}

describe('insight for LeCun\'s 1998 network', () => {
  it('records health per epoch over its own tensors, without ReLU statistics', async () => {
    const h = await wb.api.getHealth({ runId: lecun.id });
    expect(h.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of h.epochs) {
      expect(e.health.tensors.map((t) => t.name)).toEqual(['c1.w', 'c1.b', 's2.k', 's2.b', 'c3.w', 'c3.b', 's4.k', 's4.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b']);
      expect(e.health.tensors.find((t) => t.name === 's2.k')).toMatchObject({ layer: 's2', kind: 'coefficient', size: 6 });
      expect(e.health.relus).toEqual([]);
      expect(e.health.tensors.every((t) => t.gradNorm !== null && Number.isFinite(t.gradNorm) && t.gradNorm > 0)).toBe(true);
      expect(e.health.finite).toBe(true);
      expect(e.health.nonFiniteActivations).toBe(0);
    }
  });

  it('classifies an image side by side with the report\'s model; exports as ONNX', async () => {
    const [cpL] = (await wb.api.listCheckpoints({ runId: lecun.id })).slice(-1);
    const [cpR] = (await wb.api.listCheckpoints({ runId: report.id })).slice(-1);
    const p = await wb.api.predictImage({ checkpointIds: [cpL.id, cpR.id], image: { split: 'test', index: 0 } });
    expect(p.rows.map((r) => r.checkpointId)).toEqual([cpL.id, cpR.id]);
    for (const r of p.rows) expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const model = modelFromCheckpoint((await wb.api.exportCheckpoint({ id: cpL.id })).bytes);
    expect(model.architecture).toEqual(LENET1998_ARCHITECTURE);
    const images = await wb.api.getImages({ dataset: lecun.datasetId, split: 'test', indices: [0] });
    expect(p.rows[0].predicted).toBe(classifyPixels(model, images.pixels).predicted);
    const onnx = await wb.api.exportOnnx({ checkpointId: cpL.id });
    expect(onnx.bytes.length).toBeGreaterThan(200_000);
  });

  it('the layer views refuse it with the reason', async () => {
    const [cp] = await wb.api.listCheckpoints({ runId: lecun.id });
    const image = { split: 'test' as const, index: 3 };
    for (const call of [
      wb.api.traceImage({ checkpointId: cp.id, image }),
      wb.api.saliency({ checkpointId: cp.id, image }),
      wb.api.topActivating({ checkpointId: cp.id, layer: 'c1', unit: 0, k: 3 }),
    ]) {
      expect(await apiError(call)).toBe(`Checkpoint ${cp.id} (run ${lecun.id}): The layer views (traces, saliency, unit explanations, top images) show the report's LeNet-5 (ReLU, max-pool, full C3, softmax output); this checkpoint is a LeNet-5 with tanh, trainable subsampling, LeCun's C3 table, RBF output. Its predictions, evaluations and ONNX export work as for any run.`);
    }
  });
});
