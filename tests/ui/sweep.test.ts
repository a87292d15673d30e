import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import { MAX_SWEEP_RUNS, axesGridSize, parseSweepAxis, sweepPreview, type SweepAxis } from '../../src-shared/ui/sweep';

describe('sweep builder', () => {
  it('parses and validates comma-separated values', () => {
    expect(parseSweepAxis('learningRate', '1e-3, 0.01 ,0.1')).toEqual({ ok: true, axis: { field: 'learningRate', values: [0.001, 0.01, 0.1] } });
    expect(parseSweepAxis('optimizer', 'adam,sgd')).toEqual({ ok: true, axis: { field: 'optimizer', values: ['adam', 'sgd'] } });
    expect(parseSweepAxis('batchSize', '50, abc')).toEqual({ ok: false, error: 'Batch size: "abc" is not a number.' });
    expect(parseSweepAxis('batchSize', '50, 0')).toEqual({ ok: false, error: 'Batch size must be between 1 and 4096 (got 0).' });
    expect(parseSweepAxis('batchSize', '50, 50')).toEqual({ ok: false, error: 'Batch size: 50 is listed twice.' });
    expect(parseSweepAxis('batchSize', ' , ')).toMatchObject({ ok: false });
    expect(parseSweepAxis('nope', '1')).toEqual({ ok: false, error: 'Unknown setting "nope".' });
    expect(parseSweepAxis('sampling', 'random')).toMatchObject({ ok: false, error: expect.stringMatching(/one of sequential/) });
  });

  it('builds the full grid, first axis slowest', () => {
    const axes: SweepAxis[] = [
      { field: 'batchSize', values: [50, 100] },
      { field: 'optimizer', values: ['adam', 'sgd', 'adam'].slice(0, 2) },
      { field: 'seed', values: [1, 2, 3] },
    ];
    expect(axesGridSize(axes)).toBe(12);
    const r = sweepPreview({ ...DEFAULT_CONFIG }, axes);
    if (!r.ok) throw new Error(r.error);
    expect(r.configs).toHaveLength(12);
    expect(r.configs.map((c) => `${c.batchSize}/${c.optimizer}/${c.seed}`).slice(0, 4)).toEqual(['50/adam/1', '50/adam/2', '50/adam/3', '50/sgd/1']);
    expect(new Set(r.configs.map((c) => JSON.stringify(c))).size).toBe(12);
    for (const c of r.configs) expect(c.learningRate).toBe(DEFAULT_CONFIG.learningRate);
  });

  it('grid size is the product of the axis sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), (sizes) => {
        const fields = ['seed', 'epochs', 'checkpointEvery'] as const;
        const axes = sizes.map((n, i) => ({ field: fields[i], values: Array.from({ length: n }, (_, j) => j + 1) }));
        const r = sweepPreview({ ...DEFAULT_CONFIG }, axes);
        expect(r.ok && r.configs.length).toBe(sizes.reduce((a, b) => a * b, 1));
      }),
    );
  });

  it('refuses duplicates, empty sweeps, too many runs and invalid combinations', () => {
    expect(sweepPreview({ ...DEFAULT_CONFIG }, [])).toMatchObject({ ok: false });
    expect(sweepPreview({ ...DEFAULT_CONFIG }, [{ field: 'seed', values: [1] }, { field: 'seed', values: [2] }])).toEqual({ ok: false, error: 'Seed appears in the sweep twice.' });
    const many = [{ field: 'seed' as const, values: Array.from({ length: MAX_SWEEP_RUNS + 1 }, (_, i) => i) }];
    expect(sweepPreview({ ...DEFAULT_CONFIG }, many)).toMatchObject({ ok: false, error: expect.stringMatching(/too many values/) });
    const product = [
      { field: 'seed' as const, values: Array.from({ length: 11 }, (_, i) => i) },
      { field: 'epochs' as const, values: Array.from({ length: 10 }, (_, i) => i + 1) },
    ];
    expect(sweepPreview({ ...DEFAULT_CONFIG }, product)).toMatchObject({ ok: false, error: expect.stringMatching(/makes 110 runs/) });
    const bad = sweepPreview({ ...DEFAULT_CONFIG, trainSubset: 100, batchSize: 50 }, [{ field: 'batchSize', values: [50, 500] }]);
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/"batchSize":500.*larger than the training subset/) });
  });
});

describe('sweep cost', () => {
  it('counts runs, epochs and training images, and says so before launch', async () => {
    const { sweepCost, sweepConfirmText } = await import('../../src-shared/ui/sweep');
    const { DEFAULT_CONFIG } = await import('../../src-shared/config');
    const four = [50, 100, 200, 500].map((batchSize) => ({ ...DEFAULT_CONFIG, epochs: 40, batchSize }));
    const cost = sweepCost(four, 60_000);
    expect(cost).toEqual({ runs: 4, epochs: 160, images: 160 * 59_000 });
    expect(sweepConfirmText(cost)).toMatch(/^This queues 4 runs with 160 epochs in all \(9,440,000 training images\)\. .*roughly 20–39 minutes/);
    expect(sweepCost([{ ...DEFAULT_CONFIG, epochs: 2, trainSubset: 1000 }], 60_000).images).toBe(2000);
    expect(sweepConfirmText({ runs: 1, epochs: 1, images: 1000 })).toMatch(/1 run with 1 epoch .*roughly 1 minute of/);
  });
});
