import { describe, expect, it } from 'vitest';
import { presetConfig, presetsIn } from '../../src-shared/config';
import { missingRuns, multiSeedPresets, plannedRuns } from '../../src-shared/report';
import { run } from './helpers';

describe('the runs the report needs', () => {
  it('plans K seeds of Table 1 and batch 50, one of every other preset', () => {
    expect([...multiSeedPresets()].sort()).toEqual(['report', 'report-batch50']);
    const plan = plannedRuns({ seeds: 3 });
    expect(plan.map((p) => `${p.preset}/${p.seed}`)).toEqual([
      'report/1', 'report/2', 'report/3',
      ...presetsIn('report').slice(1).flatMap((p) => (p.id === 'report-batch50' ? ['report-batch50/1', 'report-batch50/2', 'report-batch50/3'] : [`${p.id}/1`])),
    ]);
    expect(plan[1].config).toEqual({ ...presetConfig('report'), seed: 2 });
    expect(plannedRuns({ seeds: 1, epochs: 2 }).every((p) => p.seed === 1 && p.config.epochs === 2)).toBe(true);
    expect(() => plannedRuns({ seeds: 0 })).toThrow(/seeds/);
    expect(() => plannedRuns({ seeds: 1, epochs: 41 })).toThrow(/epochs must be a whole number 1\.\.40/);
  });

  it('leaves out what is queued, running or done, and plans again what diverged, failed or was stopped', () => {
    const runs = [
      run({ preset: 'report', seed: 1 }),
      run({ preset: 'report', seed: 2, status: 'running', done: 3 }),
      run({ preset: 'report', seed: 3, status: 'diverged', done: 3 }),
      run({ preset: 'report-sgd', status: 'queued', done: 0 }),
      run({ preset: 'report-batch500', status: 'stopped', done: 4 }),
      run({ preset: 'report-batch100', config: { dataset: 'fashion' } }),
      run({ preset: 'report-bootstrap', config: { epochs: 2 } }),
      run({ preset: 'report', config: { learningRate: 1 }, assign: 'report-no-decay' }),
    ];
    expect(missingRuns(runs, { seeds: 3 }).map((p) => `${p.preset}/${p.seed}`)).toEqual([
      'report/3', 'report-batch50/1', 'report-batch50/2', 'report-batch50/3', 'report-batch100/1', 'report-batch500/1', 'report-bootstrap/1',
    ]);
    // A quick look wants 2-epoch runs: the 2-epoch bootstrap run counts, the 40-epoch ones do not.
    expect(missingRuns(runs, { seeds: 1, epochs: 2 }).map((p) => p.preset)).toEqual(presetsIn('report').map((p) => p.id).filter((id) => id !== 'report-bootstrap'));
  });
});
