// `npm run runs -- show ID` prints the diagnosis when a rule fires, and `runs export ID --format
// onnx --out FILE` writes the final checkpoint as an ONNX model that onnxruntime-web (its wasm
// build, offline) runs to the engine's probabilities; a checkpoint with non-finite weights is
// refused with the reason. Real database, real worker threads, the tiny dataset.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench } from '../../src-main/api/workbench';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main, parseRunsArgs } from '../../src-main/cli/runs';
import { loadIdxFolder } from '../../src-main/data/mnist';
import { createTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { modelFromCheckpoint, traceImage } from '../../src-shared/engine/inspect/index';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';
import { inProcess } from '../support/child';
import { all, readFields, str, sub } from '../onnx/protobuf-reader';

const tmp = tempDir('lenet-insight-cli-');
const db = join(tmp.dir, 'wb.sqlite');
const tinyDir = join(tmp.dir, 'tiny');
let healthy = 0;
let collapsed = 0;
let broken = 0;

const run = inProcess(main);

beforeAll(async () => {
  const wb = createWorkbench({ dbPath: db, concurrency: 2 });
  const ds = (await wb.api.importDataset({ folder: writeTinyDataset(tinyDir), name: 'Tiny' })).id;
  healthy = (await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003 }), name: 'healthy' })).id;
  // Adam at lr 0.05 kills every C3 unit within the first epoch; then the loss sits at ln 10.
  collapsed = (await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.05, epochs: 12, checkpointEvery: 12 }), name: 'collapsed' })).id;
  await waitForStatus(wb, healthy, ['completed']);
  await waitForStatus(wb, collapsed, ['completed']);
  // A checkpoint whose weights hold a NaN, recorded as a run's would be.
  const cfg = (await wb.api.getRun({ id: healthy })).config;
  const t = createTrainer(cfg, loadIdxFolder(tinyDir, 'Tiny').train, createReferenceBackend(200));
  t.params[17] = NaN;
  const s = wb.store;
  broken = s.createRun({ name: 'broken', config: cfg, appVersion: 'test', engineVersion: 'test' }).id;
  s.setRunStatus(broken, 'running');
  s.recordCheckpoint(broken, { epoch: 0, iteration: 0, formatVersion: 1, data: t.checkpoint() });
  s.setRunStatus(broken, 'diverged', { error: 'NaN', divergedAt: { epoch: 1, iteration: 1 } });
  await wb.close();
}, 180_000);

afterAll(() => tmp.cleanup());

describe('runs CLI: diagnosis and ONNX', () => {
  it('prints the diagnosis of a collapsed run, and none that is an error for a healthy one', async () => {
    const r = await run('show', String(collapsed), '--db', db);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/\nDiagnosis:\n {2}error stalled: loss flat at ln 10 ≈ 2\.303 for \d+ iterations and C3 activations all zero: its ReLUs are dead; lower the learning rate \(0\.05 here\)/);
    expect(r.out).toMatch(/ {2}error many dead ReLUs: C3 100%/);
    const h = await run('show', String(healthy), '--db', db);
    expect(h.out).not.toMatch(/^ {2}error /m);
  });

  it('exports the final checkpoint as ONNX; onnxruntime-web gives the engine\'s probabilities', async () => {
    const file = join(tmp.dir, 'healthy.onnx');
    const r = await run('export', String(healthy), '--db', db, '--format', 'onnx', '--out', file);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toMatch(new RegExp(`Wrote the model of run ${healthy} at epoch 2 \\(checkpoint #\\d+\\), [\\d,]+ bytes, to `));
    const bytes = new Uint8Array(readFileSync(file));
    const meta = Object.fromEntries(all(readFields(bytes), 14).map((f) => { const kv = sub(f); return [str(all(kv, 1)[0]), str(all(kv, 2)[0])]; }));
    expect(meta).toMatchObject({ run_id: String(healthy), run_name: 'healthy', epoch: '2', input_range: '0-255' });
    expect(JSON.parse(meta.class_names)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

    const wb = createWorkbench({ dbPath: db, autoStart: false, readonly: true });
    const cp = (await wb.api.listCheckpoints({ runId: healthy })).at(-1)!;
    const model = modelFromCheckpoint(wb.store.loadCheckpoint(cp.id).data);
    await wb.close();
    const test = loadIdxFolder(tinyDir, 'Tiny').test;
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(bytes);
    const n = test.count;
    const out = await session.run({ image: new ort.Tensor('float32', Float32Array.from(test.pixels), [n, 1, 28, 28]) });
    const probs = out.probabilities.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = traceImage(model.params, test.pixels.subarray(i * 784, (i + 1) * 784), model.normalization).probs;
      for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(probs[i * 10 + k] - ref[k]));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('refuses a checkpoint with non-finite weights, with the reason, and writes nothing', async () => {
    const file = join(tmp.dir, 'broken.onnx');
    const r = await run('export', String(broken), '--db', db, '--format', 'onnx', '--out', file);
    expect(r.code).toBe(EXIT_FAILURE);
    expect(r.err).toMatch(/cannot be exported: .*parameter c1\.w\[17\] is NaN\. The run diverged before this checkpoint/);
    expect(existsSync(file)).toBe(false);
    const u = parseRunsArgs(['export', '1', '--format', 'onnx']);
    expect(u).toEqual({ kind: 'error', message: '--format onnx needs --out FILE (an ONNX model is binary).' });
    expect((await run('export', '1', '--format', 'onnx', '--db', db)).code).toBe(EXIT_USAGE);
  });
});
