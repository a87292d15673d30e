// The solver: sampling modes, the learning-rate schedule, epoch metrics, evaluation,
// divergence reporting, determinism and bad configs. (Checkpoints: checkpoint.test.ts.)
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { learningRateAt } from '../../src-shared/engine/schedule';
import { learningRateAt as configLearningRateAt, DEFAULT_CONFIG } from '../../src-shared/config';
import { DEFAULT_LAYOUT, PARAM_COUNT } from '../../src-shared/engine/layout';
import type { Backend } from '../../src-shared/engine/backend';
import type { ImageSet, TrainConfig } from '../../src-shared/engine/types';
import { expectSameBits, mnistTest, mnistTrain, smallConfig } from './helpers';

/** A set whose image i carries its own index in pixel (0,0), so a backend can tell which images it got. */
function idSet(count: number): ImageSet {
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) { pixels[i * 784] = i; labels[i] = i % 10; }
  return { count, rows: 28, cols: 28, pixels, labels };
}

/** A backend that records the image ids of every trainStep batch (scale01: x = id/255 at (2,2)). */
function recordingBackend(maxBatch: number): Backend & { batches: number[][] } {
  const batches: number[][] = [];
  return {
    name: 'recording', maxBatch, layout: DEFAULT_LAYOUT, params: new Float32Array(PARAM_COUNT), grads: new Float32Array(PARAM_COUNT), batches,
    trainStep(x, _labels, n) {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(Math.round(x[i * 1024 + 2 * 32 + 2] * 255));
      batches.push(ids);
      this.grads[0] += 1;
      return 1;
    },
    predict(_x, n, probs) { probs.fill(0.1, 0, n * 10); },
  };
}

function runAll(cfg: TrainConfig, set: ImageSet, backend: Backend) {
  const t = createTrainer(cfg, set, backend);
  const infos = [];
  while (!t.done) infos.push(t.step());
  return { t, infos };
}

describe('sampling', () => {
  const set = idSet(60); // 50 training images, 10 validation (50..59)
  const base = smallConfig({ normalization: 'scale01', validationSize: 10, batchSize: 8, epochs: 3 });

  it('sequential walks every training image in order each epoch; the last batch is smaller', () => {
    const b = recordingBackend(8);
    const { t } = runAll({ ...base, sampling: 'sequential' }, set, b);
    expect(t.itersPerEpoch).toBe(7);
    const epoch = Array.from({ length: 50 }, (_, i) => i);
    expect(b.batches.map((x) => x.length)).toEqual([8, 8, 8, 8, 8, 8, 2, 8, 8, 8, 8, 8, 8, 2, 8, 8, 8, 8, 8, 8, 2]);
    expect(b.batches.flat()).toEqual([...epoch, ...epoch, ...epoch]);
  });

  it('shuffle draws a new permutation of the training images each epoch', () => {
    const b = recordingBackend(8);
    runAll({ ...base, sampling: 'shuffle' }, set, b);
    const all = b.batches.flat();
    const epochs = [all.slice(0, 50), all.slice(50, 100), all.slice(100, 150)];
    for (const e of epochs) expect([...e].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
    expect(epochs[0]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('bootstrap draws full batches with replacement from the training images only', () => {
    const b = recordingBackend(8);
    const { t } = runAll({ ...base, sampling: 'bootstrap' }, set, b);
    expect(t.itersPerEpoch).toBe(7);
    expect(b.batches.every((x) => x.length === 8)).toBe(true);
    const all = b.batches.flat();
    expect(all.every((id) => id >= 0 && id < 50)).toBe(true);
    expect(new Set(all).size).toBeLessThan(all.length); // repeats: with replacement
    const firstEpoch = all.slice(0, 56);
    expect(new Set(firstEpoch).size).toBeLessThan(50); // about 1 − 1/e of the images are seen
  });

  it('trainSubset trains on only the first N images, and validation images are never trained on', () => {
    const b = recordingBackend(8);
    runAll({ ...base, sampling: 'shuffle', trainSubset: 20, trainEvalSize: 20 }, set, b);
    const all = b.batches.flat();
    expect(Math.max(...all)).toBeLessThan(20);
    expect(new Set(all).size).toBe(20);
  });
});

describe('learning-rate schedule and epoch metrics', () => {
  it('matches src-shared/config\'s learningRateAt and the report\'s decay', () => {
    for (const cfg of [DEFAULT_CONFIG, { learningRate: 0.1, decayStart: 0, decayFactor: 0.7 }]) {
      for (let e = 1; e <= 40; e++) expect(learningRateAt(cfg, e)).toBe(configLearningRateAt(cfg, e));
    }
    expect(learningRateAt(DEFAULT_CONFIG, 10)).toBe(1e-3);
    expect(learningRateAt(DEFAULT_CONFIG, 12)).toBeCloseTo(1e-3 * 0.64, 15);
  });

  it('reports each iteration and, at the epoch\'s end, the metrics', () => {
    const set = mnistTrain(40);
    const cfg = smallConfig({ epochs: 3, decayStart: 1, decayFactor: 0.5, validationSize: 10, trainEvalSize: 12, batchSize: 8 });
    let clock = 0;
    const t = createTrainer(cfg, set, createReferenceBackend(8), { now: () => (clock += 5) });
    const infos = [];
    while (!t.done) infos.push(t.step());
    expect(infos.map((i) => i.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(infos.map((i) => i.iterationInEpoch)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    expect(infos.map((i) => i.learningRate)).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 2.5e-4, 2.5e-4]);
    const ends = infos.filter((i) => i.epochEnd).map((i) => i.epochEnd!);
    expect(ends.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(infos.filter((i) => i.epochEnd).map((i) => i.iterationInEpoch)).toEqual([4, 4, 4]);
    for (const [k, m] of ends.entries()) {
      const losses = infos.slice(k * 4, k * 4 + 4).map((i) => i.loss);
      expect(m.meanIterationLoss).toBeCloseTo(losses.reduce((a, b) => a + b) / 4, 12);
      expect(m.learningRate).toBe(infos[k * 4].learningRate);
      expect(m.trainAccuracy * 12).toBeCloseTo(Math.round(m.trainAccuracy * 12), 9); // a count out of 12
      expect(m.valAccuracy * 10).toBeCloseTo(Math.round(m.valAccuracy * 10), 9); // out of 10
      expect(m.valLoss).toBeGreaterThan(0);
      expect(m.trainLoss).toBeGreaterThan(0);
      // fake clock: 5 ms per reading, two readings per step, one more for the evaluation
      expect(m.durationMs).toBe(4 * 5 + 5);
      expect(m.imagesPerSecond).toBe(30 / (4 * 5) * 1000); // 30 training images: batches 8, 8, 8, 6
    }
    expect(() => t.step()).toThrow(/finished/);
  });

  it('the train-eval sample is fixed by the seed and measured the same way as evaluate()', () => {
    const set = mnistTrain(60);
    const cfg = smallConfig({ epochs: 1, validationSize: 10, trainEvalSize: 15, batchSize: 10 });
    const t = createTrainer(cfg, set, createReferenceBackend(10));
    expect(Array.from(t.split.trainEval)).toEqual(Array.from(createTrainer(cfg, set, createReferenceBackend(10)).split.trainEval));
    expect(Array.from(t.split.trainEval)).not.toEqual(Array.from(createTrainer({ ...cfg, seed: 8 }, set, createReferenceBackend(10)).split.trainEval));
    expect(t.split.trainEval.length).toBe(15);
    expect(t.split.trainEval.every((i) => i < 50)).toBe(true);
    let info = t.step();
    while (!info.epochEnd) info = t.step();
    // validation = the last 10 images, evaluated through the public evaluate()
    const val = { count: 10, rows: 28, cols: 28, pixels: set.pixels.subarray(50 * 784), labels: set.labels.subarray(50) };
    const ev = t.evaluate(val);
    expect(info.epochEnd!.valAccuracy).toBe(ev.accuracy);
    expect(info.epochEnd!.valLoss).toBeCloseTo(ev.loss, 12);
  });
});

describe('evaluate', () => {
  it('gives accuracy, loss, a 10×10 confusion matrix (row = true), predictions and probabilities, in chunks', () => {
    const train = mnistTrain(40);
    const test = mnistTest(23);
    const cfg = smallConfig({ epochs: 1, validationSize: 10, batchSize: 5, trainEvalSize: 10 });
    const a = createTrainer(cfg, train, createReferenceBackend(5)); // chunks of 5: 5,5,5,5,3
    while (!a.done) a.step();
    const ev = a.evaluate(test);
    expect(ev.count).toBe(23);
    expect(ev.confusion.length).toBe(100);
    expect(ev.confusion.reduce((s, v) => s + v, 0)).toBe(23);
    let trace = 0;
    for (let k = 0; k < 10; k++) {
      trace += ev.confusion[k * 11];
      const rowSum = ev.confusion.slice(k * 10, k * 10 + 10).reduce((s, v) => s + v, 0);
      expect(rowSum).toBe(test.labels.filter((y) => y === k).length);
    }
    expect(ev.accuracy).toBe(trace / 23);
    let loss = 0;
    for (let i = 0; i < 23; i++) {
      const p = Array.from(ev.probabilities.subarray(i * 10, i * 10 + 10));
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(ev.predicted[i]).toBe(p.indexOf(Math.max(...p)));
      expect(ev.confusion[test.labels[i] * 10 + ev.predicted[i]]).toBeGreaterThan(0);
      loss -= Math.log(p[test.labels[i]]);
    }
    expect(ev.loss).toBeCloseTo(loss / 23, 5);
    // the same parameters on a backend with one big chunk give the same numbers
    const big = createReferenceBackend(23);
    const b = createTrainer(cfg, train, big);
    big.params.set(a.params);
    const ev2 = b.evaluate(test);
    expectSameBits(ev2.probabilities, ev.probabilities, 'probabilities');
    expect(() => a.evaluate({ ...test, rows: 27 })).toThrow(/28×28/);
    expect(() => a.evaluate({ ...test, labels: test.labels.subarray(0, 5) })).toThrow(/23 labels/);
  });
});

describe('divergence', () => {
  it('a NaN or infinite loss is reported as such, never as 0', () => {
    const set = mnistTrain(30);
    const t = createTrainer(smallConfig({ validationSize: 10, batchSize: 10, epochs: 1 }), set, createReferenceBackend(10));
    t.params.fill(NaN, 0, 150); // c1's weights
    const info = t.step();
    expect(Number.isNaN(info.loss)).toBe(true);
    expect(Number.isNaN(t.step().loss)).toBe(true); // and it stays NaN
  });

  it('the epoch\'s mean loss is NaN too', () => {
    const set = mnistTrain(30);
    const t = createTrainer(smallConfig({ validationSize: 10, batchSize: 10, epochs: 1 }), set, createReferenceBackend(10));
    t.params[200] = Infinity; // a c3 weight: ∞·0 = NaN downstream
    expect(Number.isFinite(t.step().loss)).toBe(false);
    const info = t.step();
    expect(info.epochEnd).toBeDefined();
    expect(Number.isFinite(info.epochEnd!.meanIterationLoss)).toBe(false);
  });
});

describe('determinism', () => {
  for (const sampling of ['sequential', 'shuffle', 'bootstrap'] as const) {
    it(`the same seed twice gives identical losses and weights (${sampling})`, () => {
      const set = mnistTrain(50);
      const cfg = smallConfig({ sampling, epochs: 2, batchSize: 4, trainSubset: 20, validationSize: 10, trainEvalSize: 10, optimizer: sampling === 'bootstrap' ? 'sgd' : 'adam', momentum: 0.9, learningRate: 0.01 });
      const r1 = runAll(cfg, set, createReferenceBackend(4));
      const r2 = runAll(cfg, set, createReferenceBackend(4));
      expect(r2.infos.map((i) => i.loss)).toEqual(r1.infos.map((i) => i.loss));
      expectSameBits(r2.t.params, r1.t.params, 'params of the second run');
      const r3 = runAll({ ...cfg, seed: 8 }, set, createReferenceBackend(4));
      expect(r3.t.params.some((p, i) => p !== r1.t.params[i])).toBe(true);
    });
  }
});

describe('bad configs and sets are refused with a clear message', () => {
  const set = mnistTrain(30);
  const cases: [Partial<TrainConfig>, RegExp][] = [
    [{ batchSize: 9 }, /exceeds the backend's maxBatch \(8\)/],
    [{ validationSize: 30 }, /leaves no training images/],
    [{ trainSubset: 25 }, /trainSubset \(25\) exceeds the 20/],
    [{ learningRate: -1 }, /learningRate must be between/],
    [{ optimizer: 'rmsprop' as 'adam' }, /optimizer must be one of adam, sgd/],
    [{ seed: 1.5 }, /seed must be a whole number/],
    [{ epochs: 0 }, /epochs must be between 1/],
  ];
  for (const [over, msg] of cases) {
    it(`${JSON.stringify(over)}`, () => {
      const b = createReferenceBackend(8);
      expect(() => createTrainer(smallConfig({ validationSize: 10, ...over }), set, b)).toThrow(msg);
      expect(b.params.every((p) => p === 0)).toBe(true); // nothing initialised
    });
  }
  it('a set with a bad label or size', () => {
    const labels = new Uint8Array(set.labels); // a copy (Buffer.slice would share memory)
    labels[3] = 11;
    expect(() => createTrainer(smallConfig(), { ...set, labels }, createReferenceBackend(8))).toThrow(/label 11 at index 3/);
    expect(() => createTrainer(smallConfig(), { ...set, pixels: set.pixels.subarray(1) }, createReferenceBackend(8))).toThrow(/pixels/);
  });
});
