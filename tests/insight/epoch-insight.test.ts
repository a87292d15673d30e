// The worker's per-epoch insight record (src-main/runs/insight.ts) leaves training alone: the same
// run trained with a record at every epoch end and without any ends with bit-identical parameters
// (the health monitor measures the gradient on a backend of its own), and the record carries a
// gradient norm for every tensor; its validation timeline is the trainer's own epoch-end predictions.
import { describe, expect, it } from 'vitest';
import { createTrainer, type SolverTrainer } from '../../src-shared/engine/solver';
import { createBackend } from '../../src-shared/engine/select';
import type { Dataset } from '../../src-shared/engine/types';
import { createEpochInsight } from '../../src-main/runs/insight';
import { expectSameBits, mnistTest, mnistTrain, sliceSet, smallConfig } from '../engine/helpers';

const dataset: Dataset = { name: 'mnist-slice', hash: 'test', train: mnistTrain(600), test: mnistTest(300) };
const config = smallConfig({ epochs: 3, batchSize: 20, validationSize: 100, trainEvalSize: 200, weightDecay: 1e-4 });

function train(withInsight: boolean): { trainer: SolverTrainer; grads: number[][] } {
  const trainer = createTrainer(config, dataset.train, createBackend('wasm', config.batchSize));
  const insight = withInsight ? createEpochInsight(trainer, dataset, 'on') : null;
  const grads: number[][] = [];
  while (!trainer.done) {
    const info = trainer.step();
    if (info.epochEnd && insight) grads.push(insight.measure(info.epochEnd).health.tensors.map((t) => t.gradNorm ?? NaN));
  }
  return { trainer, grads };
}

describe('the per-epoch insight record', () => {
  it('changes nothing in training, and records a gradient norm for every tensor at every epoch', () => {
    const plain = train(false);
    const recorded = train(true);
    expectSameBits(recorded.trainer.params, plain.trainer.params, 'parameters after 3 epochs');
    expect(recorded.grads).toHaveLength(3);
    for (const g of recorded.grads) {
      expect(g).toHaveLength(10);
      for (const v of g) expect(Number.isFinite(v) && v > 0, JSON.stringify(recorded.grads)).toBe(true);
    }
  });

  it('takes the validation timeline from the trainer\'s own epoch-end predictions: the same as predicting the validation images again', () => {
    const trainer = createTrainer({ ...config, epochs: 1 }, dataset.train, createBackend('wasm', config.batchSize));
    expect(trainer.lastValidation).toBeNull();
    let metrics = null;
    while (!trainer.done) metrics = trainer.step().epochEnd ?? metrics;
    const { valStart, valCount } = trainer.split;
    const again = trainer.evaluate(sliceSet(dataset.train, valStart, valCount));
    const v = trainer.lastValidation!;
    expect(v.count).toBe(valCount);
    expect(Array.from(v.predicted)).toEqual(Array.from(again.predicted));
    expect(Array.from(v.confusion)).toEqual(Array.from(again.confusion));
    expect(metrics!.valAccuracy).toBe(again.accuracy);
  });
});
