// The ONNX export of every architecture switch (src-shared/onnx/export.ts): each network, taken
// from a real checkpoint after a few training steps, runs in onnxruntime-web (offline) and gives
// the engine's probabilities; the graph uses the documented operators; a checkpoint is exported
// with the architecture it records; parameters of another layout and unreadable checkpoints are
// refused with the reason.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { exportCheckpointOnnx, exportOnnx, OnnxExportError, type OnnxExportInfo } from '../../src-shared/onnx/export';
import { DEFAULT_ARCHITECTURE, LENET1998_ARCHITECTURE, describeArchitecture, type Architecture } from '../../src-shared/engine/arch';
import { createTrainer } from '../../src-shared/engine/solver';
import { createBackend } from '../../src-shared/engine/select';
import { BatchWriter } from '../../src-shared/engine/batch';
import { loadMnist } from '../../src-main/data/mnist';
import { smallConfig } from '../engine/helpers';
import { all, readFields, str, sub } from './protobuf-reader';

const INFO: OnnxExportInfo = { runId: 'run-7', dataset: 'mnist', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], appVersion: '0.1.0' };

/** A checkpoint of `arch` after 30 steps on real MNIST (He init, standardised inputs). */
function checkpointOf(arch: Architecture): { bytes: Uint8Array; probs: (n: number) => Float32Array } {
  const ds = loadMnist();
  const cfg = smallConfig({ ...arch, batchSize: 50, trainSubset: 1500, validationSize: 1000, trainEvalSize: 50, epochs: 1, seed: 4 });
  const backend = createBackend('wasm', 50, arch);
  const t = createTrainer(cfg, ds.train, backend);
  while (!t.done) t.step();
  const bytes = t.checkpoint();
  return {
    bytes,
    probs(n) {
      const ref = createBackend('reference', 200, arch);
      ref.params.set(t.params);
      const w = new BatchWriter(200, t.normalization);
      const out = new Float32Array(n * 10);
      for (let c = 0; c < n; c += 200) {
        const m = Math.min(200, n - c);
        w.fillRange(ds.test, c, m);
        ref.predict(w.x, m, out.subarray(c * 10, (c + m) * 10));
      }
      return out;
    },
  };
}

async function onnxProbs(bytes: Uint8Array, n: number): Promise<Float32Array> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const image = Float32Array.from(loadMnist().test.pixels.subarray(0, n * 784));
  const out = await session.run({ image: new ort.Tensor('float32', image, [n, 1, 28, 28]) });
  const p = out.probabilities.data;
  if (!(p instanceof Float32Array)) throw new Error('probabilities are not float32');
  return p;
}

function ops(bytes: Uint8Array): string[] {
  const g = sub(all(readFields(bytes), 7)[0]);
  return all(g, 1).map((f) => str(all(sub(f), 4)[0]));
}

const ARCHS: Architecture[] = [
  { ...DEFAULT_ARCHITECTURE, activation: 'tanh' },
  { ...DEFAULT_ARCHITECTURE, activation: 'sigmoid', pooling: 'average' },
  { ...DEFAULT_ARCHITECTURE, pooling: 'subsampling' },
  { ...DEFAULT_ARCHITECTURE, c3Connections: 'lecun' },
  { ...DEFAULT_ARCHITECTURE, output: 'rbf' },
  { ...LENET1998_ARCHITECTURE },
];

describe('ONNX export of every switch', () => {
  for (const arch of ARCHS) {
    it(`${describeArchitecture(arch)}: onnxruntime gives the engine's probabilities on 300 test images`, async () => {
      const cp = checkpointOf(arch);
      const bytes = exportCheckpointOnnx(cp.bytes, INFO);
      const n = 300;
      const got = await onnxProbs(bytes, n), want = cp.probs(n);
      let worst = 0;
      for (let i = 0; i < n * 10; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThan(2e-5);
      const meta = Object.fromEntries(all(readFields(bytes), 14).map((f) => { const kv = sub(f); return [str(all(kv, 1)[0]), str(all(kv, 2)[0])]; }));
      expect(JSON.parse(meta.architecture)).toEqual(arch);
    });
  }

  it('uses the documented operators for LeCun\'s network', () => {
    const bytes = exportCheckpointOnnx(checkpointOf(LENET1998_ARCHITECTURE).bytes, INFO);
    const tanh = ['Mul', 'Tanh', 'Mul'];
    expect(ops(bytes)).toEqual([
      'Pad', 'Mul', 'Add', 'Conv', ...tanh, 'AveragePool', 'Mul', 'Add', ...tanh,
      'Conv', ...tanh, 'AveragePool', 'Mul', 'Add', ...tanh,
      'Flatten', 'Gemm', ...tanh, 'Gemm', ...tanh,
      'Unsqueeze', 'Sub', 'Mul', 'ReduceSum', 'Neg', 'Softmax',
    ]);
  });

  it('refuses parameters of another layout, and an unreadable checkpoint, with the reason', () => {
    const cp = checkpointOf(LENET1998_ARCHITECTURE);
    let err: unknown;
    try {
      // LeCun's network's parameters exported as if they were the report's model.
      exportOnnx(new Float32Array(60900), { mode: 'standardize', mean: 0.13, std: 0.31 }, INFO, DEFAULT_ARCHITECTURE);
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OnnxExportError);
    expect((err as OnnxExportError).code).toBe('bad-params');
    expect((err as OnnxExportError).message).toBe('A LeNet-5 with ReLU, max-pool, full C3, softmax output holds 61706 float32 parameters (got 60900): these parameters are not of that architecture.');
    const broken = cp.bytes.slice(0, cp.bytes.length - 9);
    try { exportCheckpointOnnx(broken, INFO); err = null; } catch (e) { err = e; }
    expect((err as OnnxExportError).code).toBe('bad-checkpoint');
    expect((err as OnnxExportError).message).toMatch(/^This checkpoint cannot be exported: Checkpoint is truncated/);
  });
});
