// Checkpoints and the architecture: format version 2 records it; a version-1 checkpoint (before
// the switches) still restores, as the report's model; a backend built for another architecture
// is refused by createTrainer, restoreTrainer (resume and evaluation) and with a message that
// names both networks; a header whose architecture contradicts its config is corrupt.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARCHITECTURE, LENET1998_ARCHITECTURE } from '../../src-shared/engine/arch';
import { CHECKPOINT_VERSION, crc32, decodeCheckpoint, encodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { layoutFor } from '../../src-shared/engine/layout';
import { checkpointModel, createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import { createBackend } from '../../src-shared/engine/select';
import { expectSameBits, mnistTrain, smallConfig } from './helpers';

const set = mnistTrain(120);
const base = smallConfig({ epochs: 2, batchSize: 20, validationSize: 20, trainEvalSize: 20, checkpointEvery: 1 });
const lenet = { ...base, ...LENET1998_ARCHITECTURE };

/** Re-encodes a checkpoint with its header changed (and, for version 1, the version word rewritten). */
function rewrite(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void, version = CHECKPOINT_VERSION): Uint8Array {
  const { header, buffers } = decodeCheckpoint(bytes);
  delete header.buffers;
  edit(header);
  const out = encodeCheckpoint(header, [...buffers].map(([name, data]) => ({ name, data })));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, version, true);
  dv.setUint32(out.length - 4, crc32(out, out.length - 4), true);
  return out;
}

describe('checkpoints record the architecture', () => {
  it('version 2: the header names the architecture; the parameters have its layout', () => {
    const t = createTrainer(lenet, set, createBackend('wasm', 20, LENET1998_ARCHITECTURE));
    t.step();
    const { version, header, buffers } = decodeCheckpoint(t.checkpoint());
    expect(version).toBe(2);
    expect(header.architecture).toEqual(LENET1998_ARCHITECTURE);
    expect(buffers.get('params')!.length).toBe(layoutFor(LENET1998_ARCHITECTURE).count);
    const m = checkpointModel(t.checkpoint());
    expect(m.architecture).toEqual(LENET1998_ARCHITECTURE);
    expect(m.layout).toBe(layoutFor(LENET1998_ARCHITECTURE));
    expectSameBits(m.params, t.params, 'checkpointModel params');
    expect([m.epoch, m.iteration]).toEqual([0, 1]);
  });

  it('a version-1 checkpoint (no architecture anywhere) restores as the report\'s model and continues exactly', () => {
    const whole = createTrainer(base, set, createBackend('wasm', 20));
    while (!whole.done) whole.step();
    const t = createTrainer(base, set, createBackend('wasm', 20));
    for (let i = 0; i < 4; i++) t.step();
    const v1 = rewrite(t.checkpoint(), (h) => {
      delete h.architecture;
      const c = h.config as Record<string, unknown>;
      for (const k of ['activation', 'pooling', 'c3Connections', 'output']) delete c[k];
    }, 1);
    expect(decodeCheckpoint(v1).version).toBe(1);
    expect(checkpointModel(v1).architecture).toEqual(DEFAULT_ARCHITECTURE);
    const resumed = restoreTrainer(v1, set, createBackend('wasm', 20));
    while (!resumed.done) resumed.step();
    expectSameBits(resumed.params, whole.params, 'resumed from version 1');
  });

  it('resume and evaluation on a backend of another architecture are refused, naming both', () => {
    const t = createTrainer(lenet, set, createBackend('reference', 20, LENET1998_ARCHITECTURE));
    t.step();
    const cp = t.checkpoint();
    for (const choice of ['wasm', 'reference'] as const) {
      expect(() => restoreTrainer(cp, set, createBackend(choice, 20))).toThrow(
        "This checkpoint is a LeNet-5 with tanh, trainable subsampling, LeCun's C3 table, RBF output, but the backend was built for ReLU, max-pool, full C3, softmax output. Train, resume or evaluate it with the architecture settings it was made with.",
      );
    }
    // Same parameter count, other network: still refused (the count alone would not catch it).
    const tanh = createTrainer({ ...base, activation: 'tanh' }, set, createBackend('wasm', 20, { ...DEFAULT_ARCHITECTURE, activation: 'tanh' }));
    expect(() => restoreTrainer(tanh.checkpoint(), set, createBackend('wasm', 20))).toThrow(/This checkpoint is a LeNet-5 with tanh, max-pool/);
    expect(() => createTrainer(lenet, set, createBackend('wasm', 20))).toThrow(/This run is a LeNet-5 with tanh, trainable subsampling/);
  });

  it('a header whose architecture contradicts its config, or is unknown, is corrupt', () => {
    const t = createTrainer(base, set, createBackend('wasm', 20));
    const liar = rewrite(t.checkpoint(), (h) => { h.architecture = { ...DEFAULT_ARCHITECTURE, output: 'rbf' }; });
    expect(() => restoreTrainer(liar, set, createBackend('wasm', 20))).toThrow(/Corrupt checkpoint: its architecture \(ReLU, max-pool, full C3, RBF output\) is not its config's/);
    const unknown = rewrite(t.checkpoint(), (h) => { h.architecture = { ...DEFAULT_ARCHITECTURE, pooling: 'median' }; });
    expect(() => checkpointModel(unknown)).toThrow(/Corrupt checkpoint: Invalid architecture: pooling must be one of max, average, subsampling/);
    const missing = rewrite(t.checkpoint(), (h) => { delete h.architecture; });
    expect(() => checkpointModel(missing)).toThrow(/Corrupt checkpoint: The architecture must be an object/);
  });
});
