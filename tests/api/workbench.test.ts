// The workbench API over a real SQLite file and real worker threads: every contract method with
// good input, and with bad input — rejected with a clear ApiError, and nothing changed.
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, METHOD_NAMES, type MethodName, type RunRow } from '../../src-shared/contract';
import { PRESETS } from '../../src-shared/config';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { recordEvents, tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const tmp = tempDir('lenet-api-');
let wb: Workbench;
let ds = '';
let runA: RunRow;
let runB: RunRow;

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), concurrency: 2, datasetsDir: join(tmp.dir, 'imported') });
  ds = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny MNIST' })).id;
  runA = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003 }), name: 'A', tags: ['cmp'] });
  runB = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.001, batchSize: 100 }), name: 'B', tags: ['cmp'] });
  await waitForStatus(wb, runA.id, ['completed']);
  await waitForStatus(wb, runB.id, ['completed']);
});

afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

async function snapshot(): Promise<string> {
  const runs = await wb.api.listRuns({ limit: 1000, sort: 'createdAt', order: 'asc' });
  const per = await Promise.all(
    runs.rows.map(async (r) => ({
      cps: (await wb.api.listCheckpoints({ runId: r.id })).map((c) => c.id),
      metrics: (await wb.api.getMetrics({ runIds: [r.id] }))[0].epochs.length,
    })),
  );
  return JSON.stringify({ runs: runs.rows, per, datasets: await wb.api.listDatasets(), files: readdirSync(join(tmp.dir, 'imported')) });
}

async function rejects(name: MethodName, input: unknown, message: RegExp): Promise<void> {
  const call = (wb.api as unknown as Record<MethodName, (p: unknown) => Promise<unknown>>)[name];
  let err: unknown = null;
  try {
    await call(input);
  } catch (e) {
    err = e;
  }
  expect(err, `${name}(${JSON.stringify(input)}) should fail`).toBeInstanceOf(ApiError);
  expect((err as Error).message, `${name}(${JSON.stringify(input)})`).toMatch(message);
}

describe('workbench API: good input', () => {
  it('implements every contract method', () => {
    for (const m of METHOD_NAMES) expect(typeof wb.api[m]).toBe('function');
  });

  it('lists presets and datasets; serves images by split and index', async () => {
    expect((await wb.api.listPresets(undefined)).map((p) => p.id)).toEqual(PRESETS.map((p) => p.id));
    expect((await wb.api.presetConfig({ id: 'report-sgd' })).optimizer).toBe('sgd');
    const datasets = await wb.api.listDatasets(undefined);
    expect(datasets.map((d) => d.id).sort()).toEqual([ds, 'mnist'].sort());
    const tiny = datasets.find((d) => d.id === ds)!;
    expect(tiny).toMatchObject({ name: 'Tiny MNIST', trainCount: 900, testCount: 300 });
    const img = await wb.api.getImages({ dataset: ds, split: 'test', indices: [0, 299] });
    expect(img.pixels.length).toBe(2 * 784);
    const mnist = await wb.api.getImages({ dataset: 'mnist', split: 'test', indices: [0, 299] });
    expect(Buffer.from(img.pixels).equals(Buffer.from(mnist.pixels))).toBe(true); // the tiny set is MNIST's head
    expect(Array.from(img.labels)).toEqual(Array.from(mnist.labels));
    expect(img.labels[0]).toBe(7); // MNIST's first test digit
  });

  it('lists, filters, sorts and pages runs', async () => {
    const all = await wb.api.listRuns({ tag: 'cmp', sort: 'name', order: 'asc' });
    expect(all.rows.map((r) => r.name)).toEqual(['A', 'B']);
    const page = await wb.api.listRuns({ tag: 'cmp', sort: 'name', order: 'asc', offset: 1, limit: 1 });
    expect(page).toMatchObject({ total: 2 });
    expect(page.rows.map((r) => r.name)).toEqual(['B']);
    expect((await wb.api.listRuns({ text: 'a', tag: 'cmp' })).rows.map((r) => r.name)).toEqual(['A']);
    expect((await wb.api.listRuns({ status: ['completed'], tag: 'cmp' })).total).toBe(2);
    expect((await wb.api.listRuns({ status: 'running' })).total).toBe(0);
  });

  it('renames, tags and annotates a run, with events', async () => {
    const ev = recordEvents(wb);
    expect((await wb.api.renameRun({ id: runA.id, name: '  Run A ' })).name).toBe('Run A');
    expect((await wb.api.setTags({ id: runA.id, tags: ['cmp', 'best'] })).tags.sort()).toEqual(['best', 'cmp']);
    expect((await wb.api.setNotes({ id: runA.id, notes: 'He init, lr 3e-3' })).notes).toBe('He init, lr 3e-3');
    expect(ev.of('runChanged')).toEqual([
      { runId: runA.id, change: 'updated' },
      { runId: runA.id, change: 'updated' },
      { runId: runA.id, change: 'updated' },
    ]);
  });

  it('gives metrics, checkpoints, evaluations with per-class metrics, and predictions', async () => {
    const [ma, mb] = await wb.api.getMetrics({ runIds: [runA.id, runB.id] });
    expect(ma.runId).toBe(runA.id);
    expect(ma.iterations.length).toBe(20);
    expect(mb.iterations.length).toBe(10); // batch 100
    const e = await wb.api.getEvaluation({ runId: runA.id });
    expect(e.perClass).toHaveLength(10);
    expect(e.perClass.reduce((s, c) => s + c.support, 0)).toBe(300);
    expect(await wb.api.getEvaluation({ id: e.id })).toEqual(e);
    const sevens = await wb.api.listPredictions({ evaluationId: e.id, label: 7, sort: 'confidence-asc', limit: 1000 });
    expect(sevens.total).toBe(e.perClass[7].support);
    for (const r of sevens.rows) expect(r.label).toBe(7);
    for (let i = 1; i < sevens.rows.length; i++) expect(sevens.rows[i].confidence).toBeGreaterThanOrEqual(sevens.rows[i - 1].confidence);
    for (const r of sevens.rows) {
      expect(r.probabilities).toHaveLength(10);
      expect(r.confidence).toBe(r.probabilities[r.predicted]);
    }
    const cell = await wb.api.listPredictions({ evaluationId: e.id, label: 4, predicted: 9 });
    expect(cell.total).toBe(e.confusion[49]);

    // Evaluate the first checkpoint again: a new evaluation of all 300 test images.
    const [cp1] = await wb.api.listCheckpoints({ runId: runA.id });
    const again = await wb.api.evaluateCheckpoint({ checkpointId: cp1.id });
    expect(again).toMatchObject({ runId: runA.id, checkpointId: cp1.id, count: 300, split: 'test' });
    expect((await wb.api.listPredictions({ evaluationId: again.id })).total).toBe(300);
  });

  it('compares runs: config differences, finals, confusion difference and misclassified sets', async () => {
    const c = await wb.api.compareRuns({ runIds: [runA.id, runB.id] });
    expect(c.configDiff.map((d) => d.key).sort()).toEqual(['batchSize', 'learningRate']);
    expect(c.configDiff.find((d) => d.key === 'batchSize')!.values).toEqual([50, 100]);
    expect(c.finals.map((f) => f.runId)).toEqual([runA.id, runB.id]);
    expect(c.pair).not.toBeNull();
    const ea = await wb.api.getEvaluation({ id: c.pair!.evaluationA });
    const eb = await wb.api.getEvaluation({ id: c.pair!.evaluationB });
    expect(c.pair!.confusionDiff).toEqual(ea.confusion.map((v, i) => v - eb.confusion[i]));
    const wrongA = (await wb.api.listPredictions({ evaluationId: ea.id, correct: false, limit: 1000 })).rows.map((r) => r.index);
    const wrongB = (await wb.api.listPredictions({ evaluationId: eb.id, correct: false, limit: 1000 })).rows.map((r) => r.index);
    const { onlyA, onlyB, both } = c.pair!.misclassified;
    expect([...onlyA, ...both].sort((x, y) => x - y)).toEqual([...wrongA].sort((x, y) => x - y));
    expect([...onlyB, ...both].sort((x, y) => x - y)).toEqual([...wrongB].sort((x, y) => x - y));
  });

  it('exports a run as JSON and CSV, and a checkpoint as bytes', async () => {
    const json = await wb.api.exportRun({ id: runA.id, format: 'json' });
    expect(json.filename).toMatch(/\.json$/);
    const doc = JSON.parse(new TextDecoder().decode(json.bytes));
    expect(doc.run.id).toBe(runA.id);
    expect(doc.run.config.batchSize).toBe(50);
    expect(doc.epochs).toHaveLength(2);
    expect(doc.iterations.loss).toHaveLength(20);
    const csv = new TextDecoder().decode((await wb.api.exportRun({ id: runA.id, format: 'csv' })).bytes).trim().split(/\r?\n/);
    expect(csv[0]).toBe('epoch,trainAccuracy,trainLoss,valAccuracy,valLoss,learningRate,meanIterationLoss,durationMs,imagesPerSecond');
    expect(csv).toHaveLength(3);
    expect(csv[2].split(',')[0]).toBe('2');
    const [cp] = await wb.api.listCheckpoints({ runId: runA.id });
    const bin = await wb.api.exportCheckpoint({ id: cp.id });
    expect(bin.bytes.length).toBe(cp.byteLength);
    expect(new TextDecoder().decode(bin.bytes.subarray(0, 8))).toBe('LENET5CK');
  });

  it('creates a sweep, stops a queued run, resumes (restart) and deletes runs', async () => {
    const ev = recordEvents(wb);
    // Fill both slots first so the sweep's runs wait in the queue.
    const sweep = await wb.api.createSweep({ base: tinyConfig(ds, { epochs: 1 }), grid: { seed: [1, 2], batchSize: [50, 100] }, name: 'grid', tags: ['sweep'] });
    expect(sweep.map((r) => [r.config.seed, r.config.batchSize])).toEqual([[1, 50], [1, 100], [2, 50], [2, 100]]);
    expect(sweep.map((r) => r.name)).toEqual(['grid (seed=1, batchSize=50)', 'grid (seed=1, batchSize=100)', 'grid (seed=2, batchSize=50)', 'grid (seed=2, batchSize=100)']);
    const last = sweep[3];
    const stopped = await wb.api.stopRun({ id: last.id });
    expect(stopped.status).toBe('stopped');
    for (const r of sweep.slice(0, 3)) expect(await waitForStatus(wb, r.id, ['completed'])).toBe('completed');
    expect((await wb.api.getRun({ id: last.id })).status).toBe('stopped');
    // Never started, so no checkpoint: resuming starts the same config again as a new run.
    const restarted = await wb.api.resumeRun({ id: last.id });
    expect(restarted.id).not.toBe(last.id);
    expect(restarted.config).toEqual(last.config);
    expect(restarted.name).toBe('grid (seed=2, batchSize=100) (restarted)');
    expect(await waitForStatus(wb, restarted.id, ['completed'])).toBe('completed');
    expect(ev.of('runChanged').filter((c) => c.change === 'created')).toHaveLength(5);

    for (const r of [...sweep, restarted]) expect(await wb.api.deleteRun({ id: r.id })).toEqual({ deleted: r.id });
    expect((await wb.api.listRuns({ tag: 'sweep' })).total).toBe(0);
    await expect(wb.api.getRun({ id: last.id })).rejects.toThrow(/No run with id/);
  });
});

describe('workbench API: bad input changes nothing', () => {
  it('rejects every kind of bad call with a clear message', async () => {
    const before = await snapshot();
    const [cpA] = await wb.api.listCheckpoints({ runId: runA.id });
    const eA = await wb.api.getEvaluation({ runId: runA.id });
    const notIdx = join(tmp.dir, 'not-idx');
    mkdirSync(notIdx, { recursive: true });
    writeFileSync(join(notIdx, 'train-images-idx3-ubyte'), 'hello');
    // A valid IDX folder (other content than "tiny") whose classes.txt names only 2 classes.
    const badClasses = writeTinyDataset(join(tmp.dir, 'bad-classes'), 100, 50);
    writeFileSync(join(badClasses, 'classes.txt'), 'cat\ndog\n');
    const cases: [MethodName, unknown, RegExp][] = [
      ['listPresets', { x: 1 }, /no parameters/],
      ['presetConfig', { id: 'nope' }, /Unknown preset/],
      ['createRun', { config: { epochs: 0 } }, /Epochs must be between 1 and 1000/],
      ['createRun', { config: { dataset: 'nowhere' } }, /Unknown dataset "nowhere"/],
      ['createRun', { config: tinyConfig(ds, { validationSize: 900 }) }, /validationSize \(900\) must be smaller than the 900/],
      ['createRun', { config: {}, extra: true }, /Unknown parameter "extra"/],
      ['createRun', null, /config is required/],
      ['createSweep', { base: tinyConfig(ds), grid: { seed: Array.from({ length: 101 }, (_, i) => i) } }, /at most 100/],
      ['createSweep', { base: tinyConfig(ds), grid: { seed: [1, 2], learningRate: [0.1, 0] } }, /Learning rate must be greater than 0/],
      ['createSweep', { base: { dataset: 'nowhere' }, grid: { seed: [1, 2] } }, /Unknown dataset/],
      ['listRuns', { status: 'done' }, /status must be one of/],
      ['listRuns', { offset: -1 }, /offset must be between/],
      ['getRun', { id: 999_999 }, /No run with id 999999/],
      ['getRun', { id: 'one' }, /id must be a whole number/],
      ['stopRun', { id: runA.id }, /completed; only queued or running runs can be stopped/],
      ['stopRun', { id: 999_999 }, /No run/],
      ['resumeRun', { id: runA.id }, /completed; pick one of its checkpoints/],
      ['resumeRun', { id: runA.id, checkpointId: 999_999 }, /No checkpoint with id 999999/],
      ['resumeRun', { id: runB.id, checkpointId: cpA.id }, new RegExp(`belongs to run ${runA.id}, not run ${runB.id}`)],
      ['resumeRun', { id: runA.id, checkpointId: (await wb.api.listCheckpoints({ runId: runA.id })).at(-1)!.id }, /end of run/],
      ['deleteRun', { id: 999_999 }, /No run/],
      ['setArchived', { id: runA.id, archived: 'no' }, /archived must be true or false/],
      ['setArchived', { id: 999_999, archived: true }, /No run/],
      ['listSweeps', { all: true }, /no parameters/],
      ['getSweep', { id: 999_999 }, /No sweep with id 999999/],
      ['getSweep', { id: 'x' }, /id must be a whole number/],
      ['listRuns', { archived: 'all' }, /archived must be one of exclude, include, only/],
      ['renameRun', { id: runA.id, name: '' }, /must not be empty/],
      ['renameRun', { id: 999_999, name: 'x' }, /No run/],
      ['setTags', { id: runA.id, tags: 'cmp' }, /list of strings/],
      ['setTags', { id: 999_999, tags: [] }, /No run/],
      ['setNotes', { id: runA.id, notes: 5 }, /notes must be a string/],
      ['getMetrics', { runIds: [runA.id, 999_999] }, /No run with id 999999/],
      ['getMetrics', { runIds: runA.id }, /list of whole numbers/],
      ['listCheckpoints', { runId: 999_999 }, /No run/],
      ['evaluateCheckpoint', { checkpointId: 999_999 }, /No checkpoint/],
      ['listEvaluations', { runId: 999_999 }, /No run/],
      ['listEvaluations', { runId: runA.id, split: 'test' }, /Unknown parameter "split"/],
      ['getEvaluation', { id: 999_999 }, /No evaluation/],
      ['getEvaluation', { runId: 999_999 }, /No run/],
      ['listPredictions', { evaluationId: 999_999 }, /No evaluation/],
      ['listPredictions', { evaluationId: eA.id, predicted: -1 }, /predicted must be between 0 and 9/],
      ['listPredictions', { evaluationId: eA.id, sort: 'random' }, /sort must be one of/],
      ['getImages', { dataset: ds, split: 'test', indices: [300] }, /out of range: the test split .* has 300 images/],
      ['getImages', { dataset: 'nowhere', split: 'test', indices: [0] }, /No dataset|Unknown dataset|nowhere/],
      ['getImages', { dataset: ds, split: 'test', indices: [-1] }, /between 0 and/],
      ['listDatasets', { all: true }, /no parameters/],
      ['importDataset', { folder: join(tmp.dir, 'missing'), name: 'x' }, /is not a folder/],
      ['importDataset', { folder: notIdx, name: 'x' }, /missing .*train-labels-idx1-ubyte/],
      ['importDataset', { folder: join(tmp.dir, 'tiny'), name: 'again' }, /already imported as "Tiny MNIST"/],
      ['importDataset', { folder: join(tmp.dir, 'tiny') }, /name must be a string/],
      ['importDataset', { folder: badClasses, name: 'x', classNames: ['a', 'b', 'c'] }, /exactly 10 classes, one per label 0 to 9 \(got 3\)/],
      ['importDataset', { folder: badClasses, name: 'x', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'A'] }, /Classes 0 and 9 have the same name "A"/],
      ['importDataset', { folder: badClasses, name: 'x', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', ' '] }, /The name of class 9 is empty/],
      ['importDataset', { folder: badClasses, name: 'x' }, /classes\.txt: the file must name exactly 10 classes, one per label 0 to 9 \(got 2\)\. It needs one class name per line/],
      ['compareRuns', { runIds: [runA.id] }, /between 2 and 8/],
      ['compareRuns', { runIds: [runA.id, 999_999] }, /No run/],
      ['exportRun', { id: 999_999 }, /No run/],
      ['exportRun', { id: runA.id, format: 'pdf' }, /format must be one of json, csv/],
      ['exportCheckpoint', { id: 999_999 }, /No checkpoint/],
      ['getQueueStatus', { url: 'redis://x' }, /no parameters/],
      ['getHealth', { runId: 999_999 }, /No run/],
      ['getTimeline', { runId: runA.id, split: 'train' }, /split must be one of validation, test/],
      ['listTimelineImages', { runId: runA.id, split: 'validation', epoch: 9 }, /no validation predictions recorded for epoch 9/],
      ['getImageHistory', { runId: runA.id, split: 'validation', index: 0 }, /covers train images 700 to 899/],
      ['getFlips', { split: 'validation', before: { runId: runA.id, epoch: 1 }, after: { runId: 999_999, epoch: 1 } }, /No run/],
      ['traceImage', { checkpointId: cpA.id, image: { split: 'test', index: 300 } }, /out of range: the test split .* has 300 images/],
      ['traceImage', { checkpointId: 999_999, image: { split: 'test', index: 0 } }, /No checkpoint/],
      ['explainUnit', { checkpointId: cpA.id, image: { split: 'test', index: 0 }, layer: 'f6', unit: 84 }, /unit must be between 0 and 83/],
      ['explainUnit', { checkpointId: cpA.id, image: { split: 'test', index: 0 }, layer: 'c1', unit: 3 }, /picked by channel, y and x/],
      ['topActivating', { checkpointId: 999_999, layer: 'c3', unit: 0 }, /No checkpoint/],
      ['predictImage', { checkpointIds: [cpA.id], image: { pixels: Array(784).fill(256) } }, /whole number 0–255/],
      ['saliency', { checkpointId: cpA.id, image: { split: 'test', index: 0 }, versus: 1, score: 'logprob' }, /same for both scores/],
      ['exportOnnx', { checkpointId: 999_999 }, /No checkpoint/],
    ];
    const covered = new Set(cases.map((c) => c[0]));
    for (const m of METHOD_NAMES) expect(covered.has(m), `bad-input case for ${m}`).toBe(true);
    for (const [name, input, message] of cases) await rejects(name, input, message);
    expect(await snapshot()).toBe(before);
    expect(existsSync(join(tmp.dir, 'imported', 'x'))).toBe(false);
  });

  it('refuses to delete a running run and resumes nothing that is running', async () => {
    const run = await wb.api.createRun({ config: tinyConfig(ds, { epochs: 30 }) });
    await waitForStatus(wb, run.id, ['running']);
    await rejects('deleteRun', { id: run.id }, /running; stop it before deleting it/);
    await rejects('resumeRun', { id: run.id }, /running; there is nothing to resume/);
    const stopped = await wb.api.stopRun({ id: run.id });
    expect(stopped.status).toBe('stopped');
    const cps = await wb.api.listCheckpoints({ runId: run.id });
    expect(cps.at(-1)!.iteration).toBe(stopped.iteration);
    await wb.api.deleteRun({ id: run.id });
  });
});
