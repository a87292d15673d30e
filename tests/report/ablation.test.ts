// The improved-vs-original table (src-shared/report/ablation.ts) on synthetic runs: pairing by
// recipe and seed, one row per change with its accuracy gain and epochs saved, means over seeds,
// runs that never reach 98%, runs that do not count (failed, other recipe, superseded), and the
// choice of recipe when several are recorded.
import { describe, expect, it } from 'vitest';
import { ablationTable, epochsToAccuracy, ABLATION_PRESET, ABLATION_SWITCHES, type AblationRunInput } from '../../src-shared/report/ablation';
import { presetConfig, type RunConfig } from '../../src-shared/config';

let nextId = 1;
/** A run of `preset` (with changes) whose validation accuracy climbs by `step` per epoch from `start`. */
function run(preset: string, over: Partial<RunConfig>, test: number, start: number, step: number, status = 'completed'): AblationRunInput {
  const config = { ...presetConfig(preset), epochs: 20, ...over };
  const epochs = Array.from({ length: config.epochs }, (_, i) => ({ epoch: i + 1, valAccuracy: Math.min(0.995, start + step * i) }));
  return { run: { id: nextId++, status, config, testAccuracy: test }, epochs };
}

describe('epochs to 98% validation accuracy', () => {
  it('is the first epoch at or above the mark, or null', () => {
    expect(epochsToAccuracy([{ epoch: 1, valAccuracy: 0.97 }, { epoch: 2, valAccuracy: 0.98 }, { epoch: 3, valAccuracy: 0.99 }])).toBe(2);
    expect(epochsToAccuracy([{ epoch: 1, valAccuracy: null }, { epoch: 2, valAccuracy: 0.979 }])).toBeNull();
    expect(epochsToAccuracy([{ epoch: 2, valAccuracy: 0.99 }, { epoch: 1, valAccuracy: 0.985 }])).toBe(1);
    expect(epochsToAccuracy([{ epoch: 1, valAccuracy: 0.95 }], 0.9)).toBe(1);
  });
});

describe('the improved-vs-original table', () => {
  it('one row per change, in the spec\'s order, then all four: gains and epochs saved', () => {
    const runs = [
      run('report', {}, 0.9894, 0.96, 0.01), // reaches 98% at epoch 3
      run('ablation-tanh', {}, 0.9861, 0.95, 0.01), // epoch 4
      run('ablation-subsampling', {}, 0.9870, 0.94, 0.01), // epoch 5
      run('ablation-lecun-c3', {}, 0.9890, 0.96, 0.01), // epoch 3
      run('ablation-rbf', {}, 0.9850, 0.93, 0.005), // epoch 11
      run('report-sgd', {}, 0.9100, 0.50, 0.02), // never (0.88 at epoch 20)
      run('lenet1998', {}, 0.9820, 0.90, 0.004), // epoch 21: never within 20
    ];
    const t = ablationTable(runs);
    expect(t.epochs).toBe(20);
    expect(t.baseline).toEqual(runs[0].run.config);
    expect(t.missing).toEqual([]);
    expect(t.rows.map((r) => r.change)).toEqual(['activation', 'pooling', 'c3Connections', 'output', 'optimizer', 'all']);
    const row = (c: string) => t.rows.find((r) => r.change === c)!;
    expect(row('activation').testAccuracyGain).toBeCloseTo(0.0033, 10);
    expect(row('activation').epochsSaved).toBe(1);
    expect(row('activation').improved).toEqual({ runIds: [runs[0].run.id], testAccuracy: 0.9894, epochsToThreshold: 3, reached: 1 });
    expect(row('activation').original).toEqual({ runIds: [runs[1].run.id], testAccuracy: 0.9861, epochsToThreshold: 4, reached: 1 });
    expect(row('activation').note).toBeNull();
    expect(row('pooling').epochsSaved).toBe(2);
    expect(row('c3Connections').epochsSaved).toBe(0);
    expect(row('c3Connections').testAccuracyGain).toBeCloseTo(0.0004, 10);
    expect(row('output').epochsSaved).toBe(8);
    expect(row('optimizer').testAccuracyGain).toBeCloseTo(0.0794, 10);
    expect(row('optimizer').epochsSaved).toBeNull();
    expect(row('optimizer').note).toBe('the original reached 98% validation accuracy in 0 of 1 runs (within 20 epochs).');
    expect(row('all').title).toMatch(/LeCun's 1998 network/);
    expect(row('all').original.epochsToThreshold).toBeNull();
    expect(ABLATION_SWITCHES.map((s) => ABLATION_PRESET[s.change])).toEqual(['ablation-tanh', 'ablation-subsampling', 'ablation-lecun-c3', 'ablation-rbf', 'report-sgd']);
  });

  it('pairs several seeds seed by seed and shows means; an unpaired seed does not count', () => {
    const runs = [
      run('report', { seed: 1 }, 0.990, 0.97, 0.01), // epoch 2
      run('report', { seed: 2 }, 0.992, 0.98, 0.01), // epoch 1
      run('report', { seed: 3 }, 0.999, 0.99, 0.01), // no partner
      run('ablation-rbf', { seed: 1 }, 0.985, 0.95, 0.01), // epoch 4
      run('ablation-rbf', { seed: 2 }, 0.983, 0.90, 0.01), // epoch 9
    ];
    const r = ablationTable(runs).rows.find((x) => x.change === 'output')!;
    expect(r.seeds).toEqual([1, 2]);
    expect(r.improved.testAccuracy).toBeCloseTo(0.991, 12);
    expect(r.original.testAccuracy).toBeCloseTo(0.984, 12);
    expect(r.testAccuracyGain).toBeCloseTo(0.007, 12);
    expect(r.improved.epochsToThreshold).toBe(1.5);
    expect(r.original.epochsToThreshold).toBe(6.5);
    expect(r.epochsSaved).toBe(5);
  });

  it('only completed, evaluated runs of the same recipe count; of duplicates the later', () => {
    const runs = [
      run('report', {}, 0.989, 0.96, 0.01),
      run('ablation-tanh', {}, 0.970, 0.96, 0.01, 'failed'),
      run('ablation-subsampling', { batchSize: 100 }, 0.990, 0.96, 0.01), // another recipe
      run('ablation-lecun-c3', { threads: 2, checkpointEvery: 5 }, 0.980, 0.96, 0.01), // same recipe: these do not change numbers
      run('ablation-lecun-c3', {}, 0.985, 0.96, 0.01), // later: replaces the one above
      { ...run('ablation-rbf', {}, 0.98, 0.96, 0.01), run: { ...run('ablation-rbf', {}, 0.98, 0.96, 0.01).run, testAccuracy: null } },
    ];
    const t = ablationTable(runs);
    expect(t.rows.map((r) => r.change)).toEqual(['c3Connections']);
    expect(t.rows[0].original.runIds).toEqual([runs[4].run.id]);
    expect(t.missing).toEqual(['activation', 'pooling', 'output', 'optimizer', 'all']);
  });

  it('picks the recipe with the most rows, then the most recent baseline', () => {
    const long = [run('report', { epochs: 40 }, 0.990, 0.96, 0.01), run('ablation-tanh', { epochs: 40 }, 0.985, 0.95, 0.01)];
    const short = [run('report', {}, 0.988, 0.96, 0.01), run('ablation-tanh', {}, 0.984, 0.95, 0.01), run('ablation-rbf', {}, 0.980, 0.95, 0.01)];
    expect(ablationTable([...long, ...short]).epochs).toBe(20);
    const later = [run('report', { epochs: 30 }, 0.991, 0.96, 0.01), run('ablation-tanh', { epochs: 30 }, 0.985, 0.95, 0.01), run('ablation-rbf', { epochs: 30 }, 0.98, 0.95, 0.01)];
    expect(ablationTable([...long, ...short, ...later]).epochs).toBe(30);
  });

  it('without a run of the report\'s model there is no table', () => {
    const t = ablationTable([run('ablation-tanh', {}, 0.98, 0.95, 0.01), run('lenet1998', {}, 0.98, 0.95, 0.01)]);
    expect(t).toEqual({ baseline: null, epochs: null, rows: [], missing: ['activation', 'pooling', 'c3Connections', 'output', 'optimizer', 'all'] });
  });
});
