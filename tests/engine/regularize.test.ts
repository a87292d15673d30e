// L2 regularisation: the penalty and its gradient (finite differences), biases untouched, and the
// solver's loss = data loss + ½λ‖W‖² with exact continuation from a checkpoint.
import { describe, expect, it } from 'vitest';
import { addL2 } from '../../src-shared/engine/regularize';
import { PARAM_COUNT, PARAM_TABLE } from '../../src-shared/engine/layout';
import { Prng } from '../../src-shared/engine/prng';
import { createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { checkTrainConfig } from '../../src-shared/engine/trainConfig';
import { expectSameBits, mnistTrain, smallConfig } from './helpers';

function randomParams(seed: number): Float32Array {
  const rng = new Prng(seed);
  const p = new Float32Array(PARAM_COUNT);
  for (let i = 0; i < p.length; i++) p[i] = rng.normal() * 0.1;
  return p;
}

describe('L2 regularisation', () => {
  it('returns ½λ‖W‖² over weights only and adds λW to weight gradients only', () => {
    const params = randomParams(3);
    const grads = new Float32Array(PARAM_COUNT).fill(0.25);
    const lambda = 0.01;
    const penalty = addL2(params, grads, lambda);
    let expected = 0;
    for (const e of PARAM_TABLE) {
      const isWeight = e.name.endsWith('.w');
      for (let i = e.offset; i < e.offset + e.size; i++) {
        if (isWeight) expected += params[i] * params[i];
        const g = isWeight ? Math.fround(0.25 + Math.fround(lambda * params[i])) : 0.25;
        if (grads[i] !== g) throw new Error(`${e.name}[${i - e.offset}]: ${grads[i]} vs ${g}`);
      }
    }
    expect(penalty).toBeCloseTo(0.5 * lambda * expected, 10);
  });

  it('its gradient matches central differences of the penalty', () => {
    const params = randomParams(4);
    const lambda = 0.3;
    const grads = new Float32Array(PARAM_COUNT);
    addL2(params, grads, lambda);
    const h = 1e-2;
    for (const e of PARAM_TABLE) {
      const i = e.offset + Math.floor(e.size / 2);
      const keep = params[i];
      params[i] = keep + h; const up = addL2(params, new Float32Array(PARAM_COUNT), lambda);
      params[i] = keep - h; const down = addL2(params, new Float32Array(PARAM_COUNT), lambda);
      params[i] = keep;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(numeric - grads[i]), e.name).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
    }
  });

  it('the solver reports data loss + penalty, and continues exactly from a checkpoint', () => {
    const set = mnistTrain(50);
    const cfg = smallConfig({ epochs: 2, batchSize: 4, trainSubset: 20, validationSize: 10, trainEvalSize: 10, weightDecay: 0.05 });
    const plain = createTrainer({ ...cfg, weightDecay: 0 }, set, createReferenceBackend(4));
    const reg = createTrainer(cfg, set, createReferenceBackend(4));
    const penalty = addL2(reg.params, new Float32Array(PARAM_COUNT), 0.05);
    const a = plain.step(), b = reg.step();
    // Same init and batch: the first step's losses differ exactly by the penalty on the initial weights.
    expect(b.loss).toBeCloseTo(a.loss + penalty, 6);
    expect(penalty).toBeGreaterThan(0);
    const snap = reg.checkpoint();
    while (!reg.done) reg.step();
    const resumed = restoreTrainer(snap, set, createReferenceBackend(4));
    while (!resumed.done) resumed.step();
    expectSameBits(resumed.params, reg.params, 'params after resuming a regularised run');
  });

  it('a checkpoint config without weightDecay (older format) reads as 0; bad values are refused', () => {
    const { weightDecay: _omit, ...old } = smallConfig();
    expect(checkTrainConfig(old).weightDecay).toBe(0);
    expect(() => checkTrainConfig({ ...old, weightDecay: -1 })).toThrow(/weightDecay/);
  });
});
