import { describe, expect, it } from 'vitest';
import type { EvaluationListRow } from '../../src-shared/contract';
import { evaluationOptions } from '../../src-shared/ui/evaluations';

const ev = (id: number, checkpointId: number, epoch: number, iteration: number, accuracy: number, isResult = false): EvaluationListRow => ({
  id, runId: 1, checkpointId, split: 'test', accuracy, loss: 0.1, count: 100, createdAt: Date.UTC(2025, 0, 2, 3, id), epoch, iteration, isResult,
});

describe('the Test tab’s checkpoint picker', () => {
  it('lists every evaluation by its checkpoint, newest checkpoint first, and marks the run’s result', () => {
    const opts = evaluationOptions([ev(1, 30, 3, 885, 0.991, true), ev(2, 10, 1, 295, 0.97), ev(3, 20, 1, 490, 0.98)], 295);
    expect(opts.map((o) => o.label)).toEqual([
      "End of epoch 3 (iteration 885) · accuracy 99.10% · the run's result",
      'Epoch 2, iteration 195 of 295 (mid-epoch, 490 in all) · accuracy 98.00%',
      'End of epoch 1 (iteration 295) · accuracy 97.00%',
    ]);
    expect(opts.map((o) => o.isResult)).toEqual([true, false, false]);
  });

  it('says when each evaluation was made when a checkpoint was evaluated twice', () => {
    const opts = evaluationOptions([ev(1, 30, 3, 885, 0.991), ev(4, 30, 3, 885, 0.991, true)], null);
    expect(opts[0].label).toMatch(/^After epoch 3, iteration 885 in all · accuracy 99\.10% · evaluated \d{4}-\d\d-\d\d \d\d:\d\d · the run's result$/);
    expect(opts[1].label).toMatch(/evaluated .*\d\d$/);
  });
});
