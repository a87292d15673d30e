// The ONNX export: the protobuf encodings, the model's structure and metadata read back with an
// independent reader, the round trip through onnxruntime-web (its wasm build, offline) against
// the reference backend on 1,000 MNIST test images, and the refusals.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { exportOnnx, foldedNormalization, OnnxExportError, ONNX_OPSET, type OnnxExportInfo } from '../../src-shared/onnx/export';
import { varint, fFloat } from '../../src-shared/onnx/protobuf';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { createTrainer } from '../../src-shared/engine/solver';
import { BatchWriter, normStats, type NormStats } from '../../src-shared/engine/batch';
import { paramEntry } from '../../src-shared/engine/layout';
import { loadMnist } from '../../src-main/data/mnist';
import { DEFAULT_ARCHITECTURE } from '../../src-shared/engine/arch';
import { smallConfig } from '../engine/helpers';
import { all, num, readFields, str, sub } from './protobuf-reader';

const INFO: OnnxExportInfo = { runId: 'run-42', dataset: 'mnist', classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'], appVersion: '0.1.0', extra: { epoch: '3' } };

describe('protobuf encodings', () => {
  it('writes varints and floats as the protobuf specification shows', () => {
    expect(Array.from(varint(0))).toEqual([0]);
    expect(Array.from(varint(150))).toEqual([0x96, 0x01]);
    expect(Array.from(varint(300))).toEqual([0xac, 0x02]);
    expect(Array.from(varint(2 ** 35))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => varint(-1)).toThrow(/non-negative/);
    expect(Array.from(fFloat(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
  });
});

/** Parameters from a short real training run on the reference backend (sharp, realistic probabilities). */
function trainedParams(normalization: NormStats['mode']): { params: Float32Array; norm: NormStats } {
  const ds = loadMnist();
  // 'center' inputs are on the 0–255 scale: the report pairs them with its N(0, 0.001²) init. He
  // init there gives logits in the hundreds, where float32 rounding alone moves probabilities by 1e-5.
  const init = normalization === 'center' ? { init: 'normal' as const, initStd: 0.001 } : { init: 'he' as const };
  const cfg = smallConfig({ batchSize: 50, trainSubset: 500, validationSize: 1000, trainEvalSize: 50, epochs: 1, seed: 3, normalization, ...init });
  const t = createTrainer(cfg, ds.train, createReferenceBackend(50));
  while (!t.done) t.step();
  return { params: t.params.slice(), norm: t.normalization };
}

/** The reference backend's probabilities (n, 10) for test images [0, n). */
function referenceProbs(params: Float32Array, norm: NormStats, n: number): Float32Array {
  const test = loadMnist().test;
  const B = 200;
  const be = createReferenceBackend(B);
  be.params.set(params);
  const w = new BatchWriter(B, norm);
  const out = new Float32Array(n * 10);
  for (let c = 0; c < n; c += B) {
    const m = Math.min(B, n - c);
    w.fillRange(test, c, m);
    be.predict(w.x, m, out.subarray(c * 10, (c + m) * 10));
  }
  return out;
}

async function onnxProbs(bytes: Uint8Array, n: number): Promise<{ probs: Float32Array; dims: readonly number[] }> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const test = loadMnist().test;
  const image = Float32Array.from(test.pixels.subarray(0, n * 784)); // raw 0–255 values
  const out = await session.run({ image: new ort.Tensor('float32', image, [n, 1, 28, 28]) });
  const p = out.probabilities;
  if (!(p.data instanceof Float32Array)) throw new Error('probabilities are not float32');
  return { probs: p.data, dims: p.dims };
}

describe('ONNX export', () => {
  const { params, norm } = trainedParams('standardize');

  it('reproduces the engine\'s probabilities on 1,000 test images within 1e-5 (onnxruntime-web)', async () => {
    const n = 1000;
    const { probs, dims } = await onnxProbs(exportOnnx(params, norm, INFO, DEFAULT_ARCHITECTURE), n);
    expect(dims).toEqual([n, 10]);
    const ref = referenceProbs(params, norm, n);
    let worst = 0, sameClass = 0;
    for (let i = 0; i < n; i++) {
      let a = 0, b = 0;
      for (let k = 0; k < 10; k++) {
        worst = Math.max(worst, Math.abs(probs[i * 10 + k] - ref[i * 10 + k]));
        if (probs[i * 10 + k] > probs[i * 10 + a]) a = k;
        if (ref[i * 10 + k] > ref[i * 10 + b]) b = k;
      }
      if (a === b) sameClass++;
    }
    console.log(`ONNX round trip: max |p_onnx − p_engine| = ${worst.toExponential(2)} over ${n} images`);
    expect(worst).toBeLessThan(1e-5);
    expect(sameClass).toBe(n);
  });

  it.each(['scale01', 'center'] as const)('folds the %s normalisation into the graph too', async (mode) => {
    // Weights trained under this normalisation: the inputs of 'center' are on the 0–255 scale.
    const other = trainedParams(mode);
    const n = 200;
    const { probs } = await onnxProbs(exportOnnx(other.params, other.norm, INFO, DEFAULT_ARCHITECTURE), n);
    const ref = referenceProbs(other.params, other.norm, n);
    let worst = 0;
    for (let i = 0; i < n * 10; i++) worst = Math.max(worst, Math.abs(probs[i] - ref[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('is an IR 7 / opset 13 model with the documented input, output and metadata', () => {
    const m = readFields(exportOnnx(params, norm, INFO, DEFAULT_ARCHITECTURE));
    expect(num(all(m, 1)[0])).toBe(7);
    expect(str(all(m, 2)[0])).toBe('LeNet Workbench');
    expect(str(all(m, 3)[0])).toBe('0.1.0');
    const opset = sub(all(m, 8)[0]);
    expect(num(all(opset, 2)[0])).toBe(ONNX_OPSET);
    const meta = Object.fromEntries(all(m, 14).map((f) => { const kv = sub(f); return [str(all(kv, 1)[0]), str(all(kv, 2)[0])]; }));
    expect(meta).toMatchObject({ run_id: 'run-42', dataset: 'mnist', input_range: '0-255', epoch: '3', architecture: JSON.stringify(DEFAULT_ARCHITECTURE) });
    expect(JSON.parse(meta.class_names)).toEqual(INFO.classNames);
    expect(JSON.parse(meta.normalization)).toEqual({ mode: norm.mode, mean: norm.mean, std: norm.std });
    const g = sub(all(m, 7)[0]);
    const io = (field: number) => all(g, field).map((f) => {
      const vi = sub(f);
      const tt = sub(all(sub(all(vi, 2)[0]), 1)[0]);
      const dims = all(sub(all(tt, 2)[0]), 1).map((d) => { const dd = sub(d)[0]; return dd.field === 1 ? num(dd) : str(dd); });
      return { name: str(all(vi, 1)[0]), elemType: num(all(tt, 1)[0]), dims };
    });
    expect(io(11)).toEqual([{ name: 'image', elemType: 1, dims: ['N', 1, 28, 28] }]);
    expect(io(12)).toEqual([{ name: 'probabilities', elemType: 1, dims: ['N', 10] }]);
    const ops = all(g, 1).map((f) => str(all(sub(f), 4)[0]));
    expect(ops).toEqual(['Pad', 'Mul', 'Add', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    const inits = all(g, 5).map((f) => str(all(sub(f), 8)[0]));
    expect(inits).toEqual(['pads', 'norm.scale', 'norm.shift', 'c1.w', 'c1.b', 'c3.w', 'c3.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b', 'out.w', 'out.b']);
  });

  it('folds the normalisation as engine/batch computes it', () => {
    const center = normStats('center', loadMnist().train, 59000);
    const { scale, shift } = foldedNormalization(center);
    expect(scale).toBeCloseTo(1, 12);
    expect(Math.abs(shift[0])).toBe(0); // the border holds the background value lut[0] = 0
    expect(shift[2 * 32 + 2]).toBeCloseTo(-center.meanImage![0], 6);
    const st = foldedNormalization(norm);
    expect(st.shift[0]).toBeCloseTo(-norm.mean / norm.std, 6);
    expect(st.scale).toBeCloseTo(1 / (255 * norm.std), 12);
  });

  it('refuses a diverged checkpoint with the reason, and bad metadata', () => {
    const bad = params.slice();
    bad[paramEntry('c3.w').offset + 12] = NaN;
    let err: unknown;
    try { exportOnnx(bad, norm, INFO, DEFAULT_ARCHITECTURE); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OnnxExportError);
    expect((err as OnnxExportError).code).toBe('non-finite-params');
    expect((err as OnnxExportError).message).toMatch(/parameter c3\.w\[12\] is NaN.*diverged/);
    const inf = params.slice();
    inf[paramEntry('out.b').offset] = -Infinity;
    expect(() => exportOnnx(inf, norm, INFO, DEFAULT_ARCHITECTURE)).toThrow(/out\.b\[0\] is -Infinity/);
    expect(() => exportOnnx(params.subarray(1), norm, INFO, DEFAULT_ARCHITECTURE)).toThrow(/ReLU, max-pool, full C3, softmax output holds 61706 float32 parameters \(got 61705\)/);
    expect(() => exportOnnx(params, { ...norm, std: 0 }, INFO, DEFAULT_ARCHITECTURE)).toThrow(/normalisation is invalid/);
    expect(() => exportOnnx(params, { mode: 'center', mean: 0, std: 1 / 255 }, INFO, DEFAULT_ARCHITECTURE)).toThrow(/mean image/);
    expect(() => exportOnnx(params, norm, { ...INFO, classNames: ['a'] }, DEFAULT_ARCHITECTURE)).toThrow(/10 class names/);
    expect(() => exportOnnx(params, norm, { ...INFO, runId: '' }, DEFAULT_ARCHITECTURE)).toThrow(/run id/);
  });
});
