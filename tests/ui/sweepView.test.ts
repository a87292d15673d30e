import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import type { FinalMetrics, RunRow, SweepDetail } from '../../src-shared/contract';
import { gridText, sweepScatters, variedSettings } from '../../src-shared/ui/sweepView';

function runOf(id: number, learningRate: number, batchSize: number, test: number | null): SweepDetail['runs'][number] {
  const run = { id, name: `r${id}`, config: { ...DEFAULT_CONFIG, learningRate, batchSize } } as RunRow;
  const finals = { runId: id, testAccuracy: test, bestValAccuracy: 0.9, valAccuracy: 0.89, valLoss: 0.3 } as FinalMetrics;
  return { run, values: [learningRate, batchSize], finals };
}

const detail: Pick<SweepDetail, 'grid' | 'runs'> = {
  grid: [{ setting: 'learningRate', values: [0.0001, 0.01] }, { setting: 'batchSize', values: [50, 100] }, { setting: 'seed', values: [1] }],
  runs: [runOf(1, 0.0001, 50, 0.95), runOf(2, 0.0001, 100, 0.94), runOf(3, 0.01, 50, 0.97), runOf(4, 0.01, 100, null)],
};

describe('the Sweep view', () => {
  it('says the grid in words and finds the varied settings', () => {
    expect(gridText(detail.grid)).toBe('Learning rate: 1e-4, 0.01 × Batch size: 50, 100 × Seed: 1');
    expect(variedSettings(detail)).toEqual(['learningRate', 'batchSize']);
  });

  it('scatters a final metric against each varied setting; runs without it are listed as missing', () => {
    const [lr, batch] = sweepScatters(detail, 'testAccuracy');
    expect(lr.setting).toBe('learningRate');
    expect(lr.data.xKind).toBe('log'); // two decades apart
    expect(lr.data.points.map((p) => [p.id, p.x, p.y])).toEqual([['1', 0.0001, 0.95], ['2', 0.0001, 0.94], ['3', 0.01, 0.97]]);
    expect(lr.data.missing).toEqual(['4']);
    expect(batch.data.xKind).toBe('linear');
    expect(sweepScatters(detail, 'valLoss')[0].data.points).toHaveLength(4);
  });
});
