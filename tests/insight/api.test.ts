// The insight methods over a real SQLite file and real worker threads on the tiny dataset: every
// epoch records its health and prediction timelines in the epoch's transaction; the views read
// them back (health and diagnoses, confusion per epoch, per-class curves, a confusion cell's
// images, one image's history, flips between epochs and runs); checkpoints can be traced,
// explained, ranked, compared on a drawing, explained by saliency and exported as ONNX. Runs
// recorded before any of this say "not recorded" instead of failing.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type RunRow } from '../../src-shared/contract';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { modelFromCheckpoint, traceImage } from '../../src-shared/engine/inspect/index';
import { confusionFromPredictions } from '../../src-shared/insight/timeline';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const tmp = tempDir('lenet-insight-api-');
let wb: Workbench;
let ds = '';
let runA: RunRow;
let runB: RunRow;
let dbPath = '';

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  expect((err as Error).message).toMatch(message);
}

beforeAll(async () => {
  dbPath = join(tmp.dir, 'wb.sqlite');
  wb = createWorkbench({ dbPath, concurrency: 2, datasetsDir: join(tmp.dir, 'imported') });
  ds = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny MNIST' })).id;
  runA = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003, epochs: 3, testTimeline: 'on' }), name: 'A' });
  runB = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.001, epochs: 3, testTimeline: 'off' }), name: 'B' });
  await waitForStatus(wb, runA.id, ['completed']);
  await waitForStatus(wb, runB.id, ['completed']);
});

afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

describe('per-epoch records', () => {
  it('records health for every epoch, with update ratios and the sample\'s gradient norms', async () => {
    const h = await wb.api.getHealth({ runId: runA.id });
    expect(h.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(h.itersPerEpoch).toBe(10);
    for (const e of h.epochs) {
      expect(e.health.sampleSize).toBe(200);
      expect(e.health.finite).toBe(true);
      expect(e.health.tensors.map((t) => t.name)).toEqual(['c1.w', 'c1.b', 'c3.w', 'c3.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b', 'out.w', 'out.b']);
      expect(e.health.tensors.every((t) => t.gradNorm !== null && Number.isFinite(t.gradNorm) && t.gradNorm > 0)).toBe(true);
      expect(e.health.nonFiniteGrads).toBe(0);
      expect(e.cost.healthMs).toBeGreaterThan(0);
      expect(e.cost.testMs).toBeGreaterThan(0);
      expect(e.testNote).toBeNull();
    }
    // Epoch 1 is measured from the parameters at the start, later ones from the epoch before.
    expect(h.epochs[1].health.tensors[0].updateRatio).toBeGreaterThan(0);
    expect(h.epochs[0].health.tensors[0].updateRatio).toBeGreaterThan(0);
    expect(h.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('records every validation image\'s prediction per epoch; the last epoch matches the final model', async () => {
    const t = await wb.api.getTimeline({ runId: runA.id, split: 'validation' });
    expect(t.epochs).toEqual([1, 2, 3]);
    expect(t.images).toEqual({ dataset: ds, split: 'train', first: 700, count: 200 });
    expect(t.note).toBeNull();
    expect(t.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const c of t.confusions) expect(c.reduce((a, b) => a + b, 0)).toBe(200);
    const m = (await wb.api.getMetrics({ runIds: [runA.id] }))[0];
    t.accuracy.forEach((a, i) => expect(a).toBeCloseTo(m.epochs[i].valAccuracy!, 10));
    expect(t.curves).toHaveLength(10);
    expect(t.curves[3].epochs).toEqual([1, 2, 3]);
    // The recorded predictions are those of the checkpoint taken at that epoch.
    const cps = await wb.api.listCheckpoints({ runId: runA.id });
    const cp2 = cps.find((c) => c.epoch === 2)!;
    const model = modelFromCheckpoint(wb.store.loadCheckpoint(cp2.id).data);
    const page = await wb.api.listTimelineImages({ runId: runA.id, split: 'validation', epoch: 2, limit: 1000 });
    expect(page.total).toBe(200);
    const imgs = await wb.api.getImages({ dataset: ds, split: 'train', indices: page.rows.slice(0, 40).map((r) => r.index) });
    page.rows.slice(0, 40).forEach((r, i) => {
      expect(r.label).toBe(imgs.labels[i]);
      expect(traceImage(model.params, imgs.pixels.subarray(i * 784, (i + 1) * 784), model.normalization).predicted).toBe(r.predicted);
    });
    expect(Array.from(confusionFromPredictions(page.rows.map((r) => r.label), page.rows.map((r) => r.predicted)))).toEqual(t.confusions[1]);
  });

  it('lists the images of one confusion cell at an epoch', async () => {
    const t = await wb.api.getTimeline({ runId: runA.id, split: 'test' });
    expect(t.images).toEqual({ dataset: ds, split: 'test', first: 0, count: 300 });
    const c = t.confusions[0];
    let cell = { l: 0, p: 0, n: 0 };
    for (let l = 0; l < 10; l++) for (let p = 0; p < 10; p++) if (l !== p && c[l * 10 + p] > cell.n) cell = { l, p, n: c[l * 10 + p] };
    const page = await wb.api.listTimelineImages({ runId: runA.id, split: 'test', epoch: 1, label: cell.l, predicted: cell.p });
    expect(page.total).toBe(cell.n);
    for (const r of page.rows) expect([r.label, r.predicted]).toEqual([cell.l, cell.p]);
    await rejects(wb.api.listTimelineImages({ runId: runA.id, split: 'test', epoch: 4 }), /no test-set predictions recorded for epoch 4 \(recorded: 1, 2, 3\)/);
  });

  it('gives one image\'s history and the images that flipped between epochs and between runs', async () => {
    const f = await wb.api.getFlips({ split: 'validation', before: { runId: runA.id, epoch: 1 }, after: { runId: runA.id, epoch: 3 } });
    const p1 = await wb.api.listTimelineImages({ runId: runA.id, split: 'validation', epoch: 1, limit: 1000 });
    const p3 = await wb.api.listTimelineImages({ runId: runA.id, split: 'validation', epoch: 3, limit: 1000 });
    const right = (rows: typeof p1.rows, i: number) => rows[i].label === rows[i].predicted;
    const expected = p1.rows.map((r, i) => (right(p1.rows, i) && !right(p3.rows, i) ? r.index : -1)).filter((x) => x >= 0);
    expect(f.rightToWrong).toEqual(expected);
    expect(f.rightToWrong.length + f.wrongToRight.length).toBeGreaterThan(0);
    const index = (f.wrongToRight[0] ?? f.rightToWrong[0]);
    const h = await wb.api.getImageHistory({ runId: runA.id, split: 'validation', index });
    expect(h.epochs).toEqual([1, 2, 3]);
    expect(h.predicted[0]).toBe(p1.rows[index - 700].predicted);
    expect(h.predicted[2]).toBe(p3.rows[index - 700].predicted);
    expect(h.label).toBe(p1.rows[index - 700].label);
    const between = await wb.api.getFlips({ split: 'validation', before: { runId: runA.id, epoch: 3 }, after: { runId: runB.id, epoch: 3 } });
    expect(between.before).toEqual({ runId: runA.id, epoch: 3 });
    await rejects(wb.api.getImageHistory({ runId: runA.id, split: 'validation', index: 5 }), /covers train images 700 to 899/);
  });

  it('says why the test timeline is missing when the setting is off', async () => {
    const t = await wb.api.getTimeline({ runId: runB.id, split: 'test' });
    expect(t.epochs).toEqual([]);
    expect(t.note).toMatch(/testTimeline setting is off/);
    const h = await wb.api.getImageHistory({ runId: runB.id, split: 'test', index: 3 });
    expect(h.epochs).toEqual([]);
    await rejects(wb.api.getFlips({ split: 'test', before: { runId: runA.id, epoch: 1 }, after: { runId: runB.id, epoch: 1 } }), /no test-set predictions recorded for epoch 1/);
  });

  it('a resume rewinds the records with the metrics; a run recorded before this change reads as not recorded', async () => {
    // Delete the insight rows of run B by hand: what a run from before schema 4 looks like.
    const raw = new Database(dbPath);
    raw.prepare('DELETE FROM epoch_health WHERE run_id = ?').run(runB.id);
    raw.prepare('DELETE FROM epoch_timeline WHERE run_id = ?').run(runB.id);
    raw.close();
    const h = await wb.api.getHealth({ runId: runB.id });
    expect(h.epochs).toEqual([]);
    expect(Array.isArray(h.diagnoses)).toBe(true);
    const t = await wb.api.getTimeline({ runId: runB.id, split: 'validation' });
    expect(t.epochs).toEqual([]);
    expect(t.note).toMatch(/Not recorded for this run/);
  });
});

describe('looking inside a checkpoint', () => {
  let cp = 0;
  beforeAll(async () => {
    cp = (await wb.api.listCheckpoints({ runId: runA.id })).at(-1)!.id;
  });

  it('traces a test image and a drawing through every layer', async () => {
    const t = await wb.api.traceImage({ checkpointId: cp, image: { split: 'test', index: 0 } });
    expect(t.label).toBe((await wb.api.getImages({ dataset: ds, split: 'test', indices: [0] })).labels[0]);
    expect(t.layers.c1).toHaveLength(6 * 28 * 28);
    expect(t.layers.c3).toHaveLength(1600);
    expect(t.shapes.s4).toEqual([16, 5, 5]);
    expect(t.kernels.c3).toHaveLength(16 * 6 * 25);
    expect(t.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const ev = await wb.api.listPredictions({ evaluationId: (await wb.api.getEvaluation({ runId: runA.id })).id, sort: 'confidence-desc', limit: 1000, correct: true });
    const p0 = ev.rows.find((r) => r.index === 0);
    if (p0) expect(t.predicted).toBe(p0.predicted);
    const drawn = await wb.api.traceImage({ checkpointId: cp, image: { pixels: Array.from(t.pixels) } });
    expect(drawn.label).toBeNull();
    expect(Array.from(drawn.layers.f6)).toEqual(Array.from(t.layers.f6));
  });

  it('explains a C3 unit as window × kernel and an F6 unit by its largest inputs', async () => {
    const e = await wb.api.explainUnit({ checkpointId: cp, image: { split: 'test', index: 1 }, layer: 'c3', channel: 3, y: 4, x: 5 });
    if (e.kind !== 'conv') throw new Error('expected a conv explanation');
    expect(e.window).toHaveLength(150);
    expect(e.products.reduce((a, b) => a + b, 0) + e.bias).toBeCloseTo(e.preActivation, 9);
    const t = await wb.api.traceImage({ checkpointId: cp, image: { split: 'test', index: 1 } });
    expect(e.activation).toBeCloseTo(t.layers.c3[3 * 100 + 4 * 10 + 5], 5);
    const f = await wb.api.explainUnit({ checkpointId: cp, image: { split: 'test', index: 1 }, layer: 'f6', unit: 7 });
    if (f.kind !== 'affine') throw new Error('expected an affine explanation');
    expect(f.inputCount).toBe(120);
    expect(f.sum + f.bias).toBeCloseTo(f.preActivation, 9);
  });

  it('ranks the test set for a unit, once per checkpoint', async () => {
    const a = await wb.api.topActivating({ checkpointId: cp, layer: 'c3', unit: 2, k: 5 });
    expect(a.ranked).toBe(300);
    expect(a.images).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(a.images[i - 1].activation).toBeGreaterThanOrEqual(a.images[i].activation);
    const t = await wb.api.traceImage({ checkpointId: cp, image: { split: 'test', index: a.images[0].index } });
    expect(Math.max(...t.layers.c3.subarray(200, 300))).toBeCloseTo(a.images[0].activation, 4);
    const t0 = performance.now();
    const again = await wb.api.topActivating({ checkpointId: cp, layer: 'f6', unit: 5 });
    expect(performance.now() - t0).toBeLessThan(200); // cached
    expect(again.images).toHaveLength(16);
  });

  it('gives several checkpoints\' probabilities for one drawing, and saliency', async () => {
    const cps = [(await wb.api.listCheckpoints({ runId: runA.id }))[0].id, cp, (await wb.api.listCheckpoints({ runId: runB.id })).at(-1)!.id];
    const r = await wb.api.predictImage({ checkpointIds: cps, image: { split: 'test', index: 2 } });
    expect(r.rows.map((x) => x.checkpointId)).toEqual(cps);
    expect(r.rows.map((x) => x.runId)).toEqual([runA.id, runA.id, runB.id]);
    for (const row of r.rows) expect(row.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const s = await wb.api.saliency({ checkpointId: cp, image: { split: 'test', index: 2 } });
    expect(s.target).toBe(s.predicted);
    expect(s.gradient).toHaveLength(784);
    expect(s.gradient.some((g) => g !== 0)).toBe(true);
    const other = (s.predicted + 1) % 10;
    const d = await wb.api.saliency({ checkpointId: cp, image: { split: 'test', index: 2 }, target: other, versus: s.predicted });
    expect(d.versus).toBe(s.predicted);
    await rejects(wb.api.saliency({ checkpointId: cp, image: { split: 'test', index: 2 }, versus: s.predicted }), /versus must differ/);
    await rejects(wb.api.traceImage({ checkpointId: cp, image: { split: 'test', index: 300 } }), /out of range: the test split .* has 300 images/);
    await rejects(wb.api.traceImage({ checkpointId: 9999, image: { split: 'test', index: 0 } }), /9999/);
  });

  it('exports a checkpoint as ONNX with the run in its metadata', async () => {
    const f = await wb.api.exportOnnx({ checkpointId: cp });
    expect(f.filename).toMatch(new RegExp(`^run-${runA.id}-a-epoch-3\\.onnx$`));
    const text = Buffer.from(f.bytes).toString('latin1');
    expect(text).toContain('LeNet Workbench');
    expect(text).toContain('class_names');
    expect(text).toContain(ds);
  });
});
