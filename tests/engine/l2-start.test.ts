// weightDecayStart: L2 acts only after that epoch. 0 (the default) is the old behaviour bit for
// bit; 1 trains the first epoch exactly as without L2 and the second exactly as with it.
import { describe, expect, it } from 'vitest';
import { addL2 } from '../../src-shared/engine/regularize';
import { PARAM_COUNT } from '../../src-shared/engine/layout';
import { createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { checkTrainConfig } from '../../src-shared/engine/trainConfig';
import { createParallelBackend, type ParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { expectSameBits, mnistTrain, smallConfig } from './helpers';

describe('L2 after an epoch (weightDecayStart)', () => {
  const set = mnistTrain(50);
  const cfg = smallConfig({ epochs: 3, batchSize: 4, trainSubset: 20, validationSize: 10, trainEvalSize: 10, weightDecay: 0.05 });
  const train = (over: Partial<typeof cfg>, epochs: number) => {
    const t = createTrainer({ ...cfg, ...over }, set, createReferenceBackend(4));
    const losses: number[] = [];
    while (t.epoch < epochs) losses.push(t.step().loss);
    return { t, losses };
  };

  it('0 applies L2 from the first iteration, as before the setting existed', () => {
    const { weightDecayStart: _omit, ...old } = cfg;
    const before = createTrainer(checkTrainConfig(old), set, createReferenceBackend(4));
    const now = train({ weightDecayStart: 0 }, 3).t;
    while (!before.done) before.step();
    expectSameBits(now.params, before.params, 'params with weightDecayStart 0');
  });

  it('1 trains epoch 1 as without L2, then adds the penalty to the loss and its gradient', () => {
    const plain = train({ weightDecay: 0 }, 1);
    const late = train({ weightDecayStart: 1 }, 1);
    expectSameBits(late.t.params, plain.t.params, 'params after epoch 1');
    expect(late.losses).toEqual(plain.losses);
    // Epoch 2: the loss now includes ½λ‖W‖², and the weights shrink relative to no L2.
    const penalty = addL2(late.t.params, new Float32Array(PARAM_COUNT), 0.05);
    const a = plain.t.step(), b = late.t.step();
    expect(b.loss).toBeCloseTo(a.loss + penalty, 6);
    expect(penalty).toBeGreaterThan(0);
  });

  it('continues exactly from a checkpoint on either side of the start', () => {
    const full = train({ weightDecayStart: 1 }, 3).t;
    for (const at of [2, 5, 7]) {
      const t = createTrainer({ ...cfg, weightDecayStart: 1 }, set, createReferenceBackend(4));
      for (let i = 0; i < at; i++) t.step();
      const resumed = restoreTrainer(t.checkpoint(), set, createReferenceBackend(4));
      while (!resumed.done) resumed.step();
      expectSameBits(resumed.params, full.params, `params after resuming at step ${at}`);
    }
  });

  it('reads a missing value (older checkpoints) as 0 and refuses bad ones', () => {
    const { weightDecayStart: _omit, ...old } = cfg;
    expect(checkTrainConfig(old).weightDecayStart).toBe(0);
    expect(() => checkTrainConfig({ ...cfg, weightDecayStart: -1 })).toThrow(/weightDecayStart/);
    expect(() => checkTrainConfig({ ...cfg, weightDecayStart: 1.5 })).toThrow(/weightDecayStart/);
  });

  it('the wasm backend\'s fused step starts L2 at the same step as the composed pieces, bit for bit', () => {
    const over = { weightDecayStart: 1, normalization: 'center' as const, init: 'normal' as const, initStd: 0.01 };
    const fused = createTrainer({ ...cfg, ...over }, set, createParallelBackend(8));
    const piecesBackend = createParallelBackend(8);
    const pieces: ParallelBackend = { ...piecesBackend, createStep: undefined as unknown as ParallelBackend['createStep'] };
    const composed = createTrainer({ ...cfg, ...over }, set, pieces);
    const noL2 = createTrainer({ ...cfg, ...over, weightDecay: 0 }, set, createParallelBackend(8));
    while (!fused.done) {
      const a = fused.step(), b = composed.step(), c = noL2.step();
      expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(b.loss));
      expectSameBits(fused.params, composed.params, `params after iteration ${a.iteration}`);
      // Epoch 1 is the run without L2; from epoch 2 the loss carries the penalty.
      if (a.epoch === 1) expect(a.loss).toBe(c.loss);
      else expect(a.loss).toBeGreaterThan(c.loss);
    }
  });
});
