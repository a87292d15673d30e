import { describe, expect, it } from 'vitest';
import { presetConfig, presetsIn } from '../../src-shared/config';
import { exclusionReason, groupReportRuns, reportPresetOf } from '../../src-shared/report';
import { run } from './helpers';

describe('which preset a run belongs to', () => {
  it('matches every report preset by its settings, whatever the seed, dataset and a shorter length', () => {
    for (const p of presetsIn('report')) {
      const c = presetConfig(p.id);
      expect(reportPresetOf(c)).toBe(p.id);
      expect(reportPresetOf({ ...c, seed: 9, epochs: 1, checkpointEvery: 1, dataset: 'fashion' })).toBe(p.id);
      expect(reportPresetOf({ ...c, threads: 2, testTimeline: 'off' })).toBe(p.id); // neither changes the numbers
    }
  });

  it('matches no preset for other settings, a longer run or the quick check', () => {
    expect(reportPresetOf({ ...presetConfig('report'), learningRate: 2e-3 })).toBeNull();
    expect(reportPresetOf({ ...presetConfig('report'), epochs: 41 })).toBeNull();
    expect(reportPresetOf(presetConfig('quick'))).toBeNull();
  });
});

describe('which runs count', () => {
  it('counts diverged, failed, stopped, interrupted and queued runs as missing, with the reason', () => {
    const reasons = {
      diverged: run({ preset: 'report', status: 'diverged', done: 3, error: 'the loss became NaN at iteration 700' }),
      failed: run({ preset: 'report', status: 'failed', done: 0, error: 'out of memory' }),
      stopped: run({ preset: 'report', status: 'stopped', done: 12 }),
      interrupted: run({ preset: 'report', status: 'interrupted', done: 5, error: 'the app quit' }),
      queued: run({ preset: 'report', status: 'queued', done: 0 }),
    };
    expect(exclusionReason(reasons.diverged, 'report')).toBe('diverged after epoch 3: the loss became NaN at iteration 700');
    expect(exclusionReason(reasons.failed, 'report')).toBe('failed before its first epoch: out of memory');
    expect(exclusionReason(reasons.stopped, 'report')).toBe('stopped after epoch 12');
    expect(exclusionReason(reasons.interrupted, 'report')).toBe('interrupted after epoch 5: the app quit');
    expect(exclusionReason(reasons.queued, 'report')).toBe('queued, not started yet');
    expect(exclusionReason(run({ preset: 'report', status: 'running', done: 0 }), 'report')).toBe('still in its first epoch');
    expect(exclusionReason(run({ preset: 'report', done: 0 }), 'report')).toBe('completed without any epoch recorded');
    expect(exclusionReason(run({ preset: 'report', status: 'running', done: 2 }), 'report')).toBeNull();
  });

  it('never counts a run on another dataset, even one assigned to a preset', () => {
    const other = run({ preset: 'report', config: { dataset: 'fashion' }, assign: 'report' });
    expect(exclusionReason(other, 'report')).toBe('trained on dataset "fashion", not MNIST');
    const g = groupReportRuns([other]).get('report')!;
    expect(g.used).toEqual([]);
    expect(g.excluded).toEqual([{ runId: other.id, seed: 1, reason: 'trained on dataset "fashion", not MNIST' }]);
  });

  it('lets an assignment override the config match, and ignores runs of no report preset', () => {
    const assigned = run({ preset: 'report', config: { learningRate: 5e-4 }, assign: 'report-batch100' });
    const stray = run({ preset: 'quick' });
    const groups = groupReportRuns([assigned, stray]);
    expect(groups.get('report-batch100')!.used.map((u) => u.run.id)).toEqual([assigned.id]);
    expect(groups.get('report')!.used).toEqual([]);
    expect([...groups.keys()]).toEqual(presetsIn('report').map((p) => p.id));
  });

  it('uses one run per seed: full length first, then the longest, then the newest', () => {
    const short = run({ preset: 'report', seed: 1, config: { epochs: 2 }, id: 100 });
    const full = run({ preset: 'report', seed: 1, id: 50 });
    const newer = run({ preset: 'report', seed: 1, id: 60 });
    const running = run({ preset: 'report', seed: 2, status: 'running', done: 5, id: 70 });
    const longer = run({ preset: 'report', seed: 2, config: { epochs: 10 }, id: 61 });
    const failed = run({ preset: 'report', seed: 1, status: 'failed', done: 1, id: 80 });
    const diverged = run({ preset: 'report', seed: 3, status: 'diverged', done: 1, id: 90 });
    const g = groupReportRuns([short, full, newer, running, longer, failed, diverged]).get('report')!;
    expect(g.used.map((u) => [u.seed, u.run.id, u.provisional])).toEqual([[1, 60, false], [2, 61, true]]);
    // Seed 1's failed attempt is not missing (seed 1 has a run); seed 3's divergence is.
    expect(g.excluded.map((x) => x.runId)).toEqual([90]);
    expect(g.used[0].itersPerEpoch).toBe(295);
    expect(g.used[1].epochsWanted).toBe(40);
  });
});
