import { describe, expect, it } from 'vitest';
import { CLAIMS, evaluateReport, reportJson, type ClaimId, type ClaimResult, type ReportRun } from '../../src-shared/report';
import { confusion, run, table1Curve, type Curve } from './helpers';

const BATCH50_ITERS = 1180; // ceil(59,000 / 50)

/** Runs that reproduce every claim of the report. */
function reproducingRuns(): ReportRun[] {
  const stalledLosses = new Float64Array(BATCH50_ITERS * 40).fill(2.3015);
  const learningLosses = Float64Array.from({ length: BATCH50_ITERS * 40 }, (_, i) => 2.3 / (1 + i / 50));
  const shift = (d: number, f: (e: number) => Curve = table1Curve) => (e: number): Curve => {
    const c = f(e);
    return { ...c, val: e <= 5 ? c.val + d : c.val };
  };
  return [
    run({ preset: 'report', seed: 1, test: 0.9915 }),
    run({ preset: 'report', seed: 2, test: 0.9922 }),
    run({ preset: 'report', seed: 3, test: 0.993 }),
    run({ preset: 'report-no-decay', curve: (e) => ({ train: e >= 8 ? 0.9855 : 0.97, val: e >= 8 ? 0.989 : 0.97, loss: 0.05 }) }),
    run({ preset: 'report-sgd', curve: (e) => ({ train: e === 1 ? 0.64 : 0.9, val: e === 1 ? 0.69 : 0.9, loss: 0.5 }) }),
    run({ preset: 'report-batch50', seed: 1, iterationLosses: stalledLosses, test: 0.1135 }),
    run({ preset: 'report-batch50', seed: 2, iterationLosses: stalledLosses, test: 0.1135 }),
    run({ preset: 'report-batch50', seed: 3, iterationLosses: learningLosses }),
    run({ preset: 'report-batch500', curve: shift(-0.01) }),
    run({ preset: 'report-batch100', curve: (e) => ({ ...shift(0.002)(e), train: 0.999 }), test: 0.992 }),
    run({ preset: 'report-bootstrap', curve: shift(0.003), test: 0.9921 }),
  ];
}

function byId(claims: ClaimResult[]): Record<ClaimId, ClaimResult> {
  return Object.fromEntries(claims.map((c) => [c.id, c])) as Record<ClaimId, ClaimResult>;
}

describe('the report evaluated from runs', () => {
  it('says what is missing of every claim before any run exists', () => {
    const r = evaluateReport([]);
    expect(r.claims.map((c) => c.id)).toEqual(CLAIMS.map((c) => c.id));
    for (const c of r.claims) {
      expect(c.verdict).toBe('missing');
      expect(c.ours).toBe('—');
      expect(c.explanation).toMatch(/^Missing: report[a-z0-9-]*: no run yet/);
    }
    expect(byId(r.claims)['no-decay'].missing.map((m) => m.preset)).toEqual(['report-no-decay', 'report']);
    expect(r.figures).toEqual({ runId: null, seed: null, provisional: false, lossPerIteration: null, accuracyPerEpoch: [], confusion: null });
  });

  it('reproduces every claim on runs that behave as the report says', () => {
    const runs = reproducingRuns();
    const c = byId(evaluateReport(runs).claims);
    for (const claim of Object.values(c)) expect([claim.id, claim.verdict, claim.explanation]).toEqual([claim.id, 'reproduced', claim.explanation]);
    expect(c.table1.ours).toBe('99.22% mean, 99.15%–99.30% over 3 seeds');
    expect(c.table1.oursValues).toEqual({ mean: expect.closeTo(0.99223, 5), min: 0.9915, max: 0.993, seeds: 3 });
    expect(c.table1.explanation).toBe("The report's 99.22% lies within our range 99.15%–99.30% (±0.1 point).");
    expect(c.table1.notes[0]).toMatch(/0\.7.*0\.8.*99\.07%.*99\.04%/);
    expect(c.convergence.ours).toBe('converged at epoch 30; loss then 0.0160');
    expect(c['no-decay'].ours).toBe('epoch 8: train 98.55% / validation 98.90%; decay adds +1.44 points train, +0.30 points validation');
    expect(c['sgd-vs-adam'].ours).toBe('after epoch 1: SGD train 64.00% / validation 69.00%; Adam train 97.50% / validation 96.50%');
    expect(c['batch50-stall'].ours).toBe('2 of 3 seeds stalled (seed 1 from iteration 1 at loss 2.30; seed 2 from iteration 1 at loss 2.30)');
    expect(c['batch500-slow'].oursValues).toMatchObject({ epochs: 5, early500: expect.closeTo(0.9672, 6), early200: expect.closeTo(0.9772, 6) });
    expect(c['batch100-vs-200'].explanation).toBe('Test accuracies within 0.3 point; batch 100 faster; batch 200 fits the training set better.');
    expect(c.bootstrap.ours).toBe('epochs 1–5 98.02% vs 97.72%; test 99.21% vs 99.22% (bootstrap vs sequential)');
    expect(c['confused-pairs'].ours).toBe('4/9 (11.0), 3/5 (6.0), 1/7 (5.0) (mean of 3 seeds)');
    expect(c['confused-pairs'].oursValues).toEqual({ '4/9': 11, '3/5': 6, '1/7': 5 });
    expect(new Set(c.table1.runIds).size).toBe(3);
  });

  it('turns a claim missing when its runs diverged, failed or were stopped, with the reason', () => {
    const runs = reproducingRuns().filter((r) => r.config.sampling !== 'bootstrap' && r.config.batchSize !== 100);
    runs.push(
      run({ preset: 'report-bootstrap', status: 'diverged', done: 3, error: 'the loss became NaN at iteration 700' }),
      run({ preset: 'report-batch100', status: 'stopped', done: 2 }),
      run({ preset: 'report-batch100', seed: 2, status: 'failed', done: 0, error: 'worker crashed' }),
    );
    const c = byId(evaluateReport(runs).claims);
    expect(c.bootstrap.verdict).toBe('missing');
    expect(c.bootstrap.explanation).toMatch(/^Missing: report-bootstrap: run \d+ \(seed 1\) diverged after epoch 3: the loss became NaN at iteration 700\.$/);
    expect(c['batch100-vs-200'].verdict).toBe('missing');
    expect(c['batch100-vs-200'].explanation).toMatch(/run \d+ \(seed 1\) stopped after epoch 2; run \d+ \(seed 2\) failed before its first epoch: worker crashed/);
    expect(c['batch100-vs-200'].missing).toEqual([{ preset: 'report-batch100', reason: expect.stringMatching(/stopped/) }]);
    // Deleting the runs a claim uses turns it back to missing.
    const noTable1 = byId(evaluateReport(reproducingRuns().filter((r) => r.config.batchSize !== 200 || r.config.decayFactor !== 0.8 || r.config.sampling !== 'sequential' || r.config.optimizer !== 'adam')).claims);
    expect(noTable1.table1.verdict).toBe('missing');
    expect(noTable1.bootstrap.verdict).toBe('missing');
  });

  it('never counts runs on another dataset', () => {
    const runs = reproducingRuns().map((r) => (r.config.batchSize === 50 ? { ...r, config: { ...r.config, dataset: 'fashion' } } : r));
    const c = byId(evaluateReport(runs).claims);
    expect(c['batch50-stall'].verdict).toBe('missing');
    expect(c['batch50-stall'].explanation).toMatch(/trained on dataset "fashion", not MNIST/);
  });

  it('makes verdicts provisional on shortened runs, too few seeds or runs still training, and says what they would be', () => {
    const short = reproducingRuns().map((r) => ({ ...r, config: { ...r.config, epochs: 1 }, epochs: r.epochs.slice(0, 1), iterationLosses: r.iterationLosses ? Array.from(r.iterationLosses).slice(0, BATCH50_ITERS) : null }));
    const c = byId(evaluateReport(short).claims);
    expect(c.table1.verdict).toBe('provisional');
    expect(c.table1.tentative).toBe('reproduced');
    expect(c.table1.explanation).toMatch(/^Provisional \(report run \d+ has 1 of 40 epochs; .*\): so far reproduced\. The report's 99\.22%/);
    expect(c['batch500-slow'].ours).toBe('mean validation accuracy over epoch 1: 95.50% at batch 500 vs 96.50% at batch 200');
    expect(c['batch50-stall'].verdict).toBe('provisional');
    expect(c['batch50-stall'].tentative).toBe('reproduced');
    // Epoch 1 is all the SGD claim reads: a one-epoch run is not provisional for it.
    expect(c['sgd-vs-adam'].verdict).toBe('reproduced');
    // The no-decay claim reads epoch 8: with one epoch it uses the last one it has.
    expect(c['no-decay'].verdict).toBe('provisional');
    expect(c['no-decay'].ours).toMatch(/^epoch 1:/);

    const oneSeed = byId(evaluateReport(reproducingRuns().filter((r) => !(r.config.batchSize === 200 && r.config.seed > 1) && r.config.seed === 1)).claims);
    expect(oneSeed.table1.verdict).toBe('provisional');
    expect(oneSeed.table1.explanation).toMatch(/report: 1 of 3 seeds/);
    expect(oneSeed.table1.ours).toBe('99.15% (seed 1)');
    expect(oneSeed.convergence.verdict).toBe('reproduced');

    const live = reproducingRuns().map((r) => (r.config.sampling === 'bootstrap' ? { ...r, status: 'running' as const, epochs: r.epochs.slice(0, 6), test: null } : r));
    const l = byId(evaluateReport(live).claims);
    // While a run trains, finals are compared on validation accuracy at the last epoch all runs have.
    expect(l.bootstrap.verdict).toBe('provisional');
    expect(l.bootstrap.explanation).toMatch(/^Provisional \(report-bootstrap run \d+ has 6 of 40 epochs \(still training\)\): so far reproduced\./);
    expect(l.bootstrap.ours).toBe('epochs 1–5 98.02% vs 97.72%; validation at epoch 6 98.62% vs 98.62% (bootstrap vs sequential)');
    // A claim that reads the test evaluation waits for it.
    const untested = byId(evaluateReport(reproducingRuns().map((r) => (r.config.batchSize === 200 && r.config.sampling === 'sequential' && r.config.optimizer === 'adam' && r.config.decayFactor !== 1 ? { ...r, status: 'running' as const, test: null } : r))).claims);
    expect(untested.table1.verdict).toBe('missing');
    expect(untested.table1.explanation).toMatch(/^Missing: report: no test evaluation yet \(run \d+, \d+, \d+ still training\)\.$/);
  });

  it('uses the runs that have the epochs a claim reads, and shorter ones only while none has', () => {
    const runs = [...reproducingRuns(), run({ preset: 'report', seed: 4, status: 'running', done: 3, curve: () => ({ train: 0.5, val: 0.5, loss: 1 }) })];
    const c = byId(evaluateReport(runs).claims);
    expect(c.convergence.verdict).toBe('reproduced');
    expect(c.table1.ours).toBe('99.22% mean, 99.15%–99.30% over 3 seeds');
    const onlyShort = byId(evaluateReport([run({ preset: 'report', seed: 4, status: 'running', done: 3 })]).claims);
    expect(onlyShort.convergence.verdict).toBe('provisional');
    expect(onlyShort.convergence.explanation).toMatch(/^Provisional \(report run \d+ has 3 of 40 epochs \(still training\)\)/);
  });

  it('grades each rule down to partly and not reproduced', () => {
    const base = reproducingRuns();
    const replace = (pred: (r: ReportRun) => boolean, ...add: ReportRun[]) => [...base.filter((r) => !pred(r)), ...add];
    const isTable1 = (r: ReportRun) => r.config.batchSize === 200 && r.config.decayFactor === 0.8 && r.config.optimizer === 'adam' && r.config.sampling === 'sequential';

    const far = byId(evaluateReport(replace(isTable1, ...[0.9880, 0.9885, 0.989].map((t, i) => run({ preset: 'report', seed: i + 1, test: t })))).claims);
    expect(far.table1.verdict).toBe('not-reproduced');
    expect(far.table1.explanation).toBe("The report's 99.22% is 0.32 points above our range 98.80%–98.90%, more than one spread away.");
    const near = byId(evaluateReport(replace(isTable1, ...[0.9900, 0.9905, 0.991].map((t, i) => run({ preset: 'report', seed: i + 1, test: t })))).claims);
    expect(near.table1.verdict).toBe('partly');

    const late = (e: number): Curve => (e >= 38 ? { train: 0.9999, val: 0.992, loss: 0.03 } : { train: 0.99, val: 0.985, loss: 0.03 });
    const conv = byId(evaluateReport(replace(isTable1, ...[1, 2, 3].map((s) => run({ preset: 'report', seed: s, curve: late })))).claims);
    expect(conv.convergence.verdict).toBe('not-reproduced');
    expect(conv.convergence.explanation).toBe('Epoch 31 is outside epoch 38 ±3; our loss 0.0300 is outside ±25% of 0.016.');

    const sgdFar = byId(evaluateReport(replace((r) => r.config.optimizer === 'sgd', run({ preset: 'report-sgd', curve: () => ({ train: 0.3, val: 0.3, loss: 2 }) }))).claims);
    expect(sgdFar['sgd-vs-adam'].verdict).toBe('partly');
    const sgdChance = byId(evaluateReport(replace((r) => r.config.optimizer === 'sgd', run({ preset: 'report-sgd', curve: () => ({ train: 0.9, val: 0.9, loss: 2 }) }))).claims);
    expect(sgdChance['sgd-vs-adam'].verdict).toBe('not-reproduced');

    const learning50 = Float64Array.from({ length: BATCH50_ITERS * 40 }, (_, i) => 2.3 / (1 + i / 50));
    const noStall = byId(evaluateReport(replace((r) => r.config.batchSize === 50, ...[1, 2, 3].map((s) => run({ preset: 'report-batch50', seed: s, iterationLosses: learning50 })))).claims);
    expect(noStall['batch50-stall'].verdict).toBe('not-reproduced');
    expect(noStall['batch50-stall'].explanation).toBe('No batch-50 run stalled: the loss kept falling in every one.');
    const rare = byId(evaluateReport(replace((r) => r.config.batchSize === 50, ...[1, 2, 3, 4].map((s) => run({ preset: 'report-batch50', seed: s, iterationLosses: s === 1 ? new Float64Array(BATCH50_ITERS * 2).fill(2.3) : learning50 })))).claims);
    expect(rare['batch50-stall'].verdict).toBe('partly');
    expect(rare['batch50-stall'].ours).toMatch(/^1 of 4 seeds stalled/);

    const fast500 = byId(evaluateReport(replace((r) => r.config.batchSize === 500, run({ preset: 'report-batch500', curve: (e) => ({ ...table1Curve(e), val: table1Curve(e).val + 0.005 }) }))).claims);
    expect(fast500['batch500-slow'].verdict).toBe('not-reproduced');
    const same500 = byId(evaluateReport(replace((r) => r.config.batchSize === 500, run({ preset: 'report-batch500' }))).claims);
    expect(same500['batch500-slow'].verdict).toBe('partly');

    const stalled100 = byId(evaluateReport(replace((r) => r.config.batchSize === 100, run({ preset: 'report-batch100', curve: () => ({ train: 0.11, val: 0.1, loss: 2.3015 }), test: 0.1135 }))).claims);
    expect(stalled100['batch100-vs-200'].verdict).toBe('not-reproduced');
    expect(stalled100['batch100-vs-200'].explanation).toBe('Batch 100 stalled. Test accuracies not within 0.3 point; batch 100 not faster; batch 200 fits the training set better.');

    const slowBoot = byId(evaluateReport(replace((r) => r.config.sampling === 'bootstrap', run({ preset: 'report-bootstrap', test: 0.9922 }))).claims);
    expect(slowBoot.bootstrap.verdict).toBe('partly');
    const badBoot = byId(evaluateReport(replace((r) => r.config.sampling === 'bootstrap', run({ preset: 'report-bootstrap', test: 0.985 }))).claims);
    expect(badBoot.bootstrap.verdict).toBe('not-reproduced');

    const pairs = (m: number[]) => byId(evaluateReport(replace(isTable1, ...[1, 2, 3].map((s) => run({ preset: 'report', seed: s, confusion: m })))).claims)['confused-pairs'];
    const two = pairs(confusion([[3, 5, 9], [4, 9, 9], [7, 9, 9], [8, 9, 9], [1, 7, 2]]));
    expect(two.verdict).toBe('partly');
    expect(two.ours).toBe('3/5 (9.0), 4/9 (9.0), 7/9 (9.0), 8/9 (9.0) (mean of 3 seeds)');
    expect(two.explanation).toBe("2 of the report's 3 pairs among our top three; not: 1/7.");
    expect(pairs(confusion([[2, 8, 9], [0, 6, 9], [5, 6, 9]])).verdict).toBe('not-reproduced');
  });

  it('prints the JSON shape of `npm run report -- --json`', () => {
    const json = reportJson(evaluateReport(reproducingRuns()));
    expect(json.claims.map((c) => Object.keys(c))).toEqual(CLAIMS.map(() => ['id', 'title', 'report', 'ours', 'verdict', 'explanation']));
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.claims[0]).toEqual({
      id: 'table1',
      title: 'Table 1 configuration: test accuracy',
      report: expect.stringMatching(/^99\.22% test accuracy/),
      ours: '99.22% mean, 99.15%–99.30% over 3 seeds',
      verdict: 'reproduced',
      explanation: "The report's 99.22% lies within our range 99.15%–99.30% (±0.1 point).",
    });
  });
});

describe('the figures', () => {
  it('redraws figures 4.2–4.4 from the Table 1 run of median test accuracy', () => {
    const losses = [2.3, 1.2, 0.4];
    const runs = [
      run({ preset: 'report', seed: 1, test: 0.9930 }),
      run({ preset: 'report', seed: 2, test: 0.9915, iterationLosses: losses }),
      run({ preset: 'report', seed: 3, test: 0.9922, iterationLosses: losses, confusion: confusion([[4, 9, 3]]) }),
      run({ preset: 'report', seed: 4, test: 0.9940 }),
    ];
    const f = evaluateReport(runs).figures;
    expect([f.runId, f.seed, f.provisional]).toEqual([runs[2].id, 3, false]);
    expect(f.lossPerIteration).toBe(losses);
    expect(f.accuracyPerEpoch).toHaveLength(40);
    expect(f.accuracyPerEpoch[0]).toEqual({ epoch: 1, train: 0.975, val: 0.965 });
    expect(f.confusion![49]).toBe(3);
    // Before any test evaluation: the run with the most epochs, no confusion yet.
    const live = evaluateReport([run({ preset: 'report', status: 'running', done: 3 }), run({ preset: 'report', seed: 2, status: 'running', done: 7 })]).figures;
    expect([live.seed, live.provisional, live.confusion, live.accuracyPerEpoch.length]).toEqual([2, true, null, 7]);
  });
});
