// The per-epoch insight record in the store: written in the epoch's own transaction (all or
// nothing with the metrics), validated before anything is written, read back as it was given,
// rewound by a resume with the metrics and deleted with the run.
import { describe, expect, it } from 'vitest';
import type { EpochHealth } from '../../src-shared/engine/inspect/health';
import type { EpochInsight } from '../../src-shared/insight/record';
import { checkpoint, expectStoreError, losses, metrics, snapshot, storeWithRunningRun } from './helpers';

function health(epoch: number): EpochHealth {
  return {
    sampleSize: 200, subnormalFraction: 0, zeroFraction: 0.01 * epoch, nonFiniteParams: 0, nonFiniteGrads: 0, nonFiniteActivations: 0, finite: true,
    tensors: [{ name: 'c1.w', layer: 'c1', kind: 'weight', size: 150, norm: epoch, gradNorm: null, updateNorm: null, updateRatio: null, subnormal: 0, subnormalFraction: 0, zero: 0, zeroFraction: 0, nonFinite: 0 }],
    relus: [{ layer: 'c3', units: 1600, deadUnits: 3, deadFraction: 3 / 1600, channels: 16, deadChannels: 0, zeroFraction: 0.5, silentImageFraction: 0, allZero: false }],
  };
}

function insight(epoch: number, withTest = true): EpochInsight {
  const confusion = new Int32Array(100);
  confusion[0] = 2;
  confusion[1] = 1;
  const predicted = new Uint8Array([0, 0, 1]);
  return {
    health: health(epoch),
    timelines: [{ split: 'validation', count: 3, confusion, predicted }, ...(withTest ? [{ split: 'test' as const, count: 3, confusion: confusion.slice(), predicted: new Uint8Array([0, 1, epoch % 10]) }] : [])],
    cost: { healthMs: 50, validationMs: 10, testMs: withTest ? 90 : null, epochMs: 4000 },
    testNote: withTest ? null : 'off',
  };
}

describe('insight records', () => {
  it('are written with their epoch and read back as given', () => {
    const { store, runId } = storeWithRunningRun();
    store.recordEpoch(runId, { metrics: metrics(1), losses: losses(1, 4, 1), insight: insight(1) });
    store.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), insight: insight(2, false) });
    const h = store.getEpochHealth(runId);
    expect(h.map((x) => x.epoch)).toEqual([1, 2]);
    expect(h[0].health).toEqual(health(1));
    expect(h[1]).toMatchObject({ cost: { testMs: null, epochMs: 4000 }, testNote: 'off' });
    const v = store.getEpochTimeline(runId, 'validation');
    expect(v.map((x) => x.epoch)).toEqual([1, 2]);
    expect(Array.from(v[0].predicted)).toEqual([0, 0, 1]);
    expect(v[0].confusion[0]).toBe(2);
    expect(store.getEpochTimeline(runId, 'test').map((x) => Array.from(x.predicted))).toEqual([[0, 1, 1]]);
  });

  it('refuse bad records before anything of the epoch is written', () => {
    const { store, runId } = storeWithRunningRun();
    const before = snapshot(store.path);
    const bad: [EpochInsight, RegExp][] = [
      [{ ...insight(1), timelines: [{ split: 'validation', count: 3, confusion: new Int32Array(100), predicted: new Uint8Array(3) }] }, /sums to 0, not to its 3 images/],
      [{ ...insight(1), timelines: [{ split: 'validation', count: 3, confusion: insight(1).timelines[0].confusion, predicted: new Uint8Array([0, 10, 1]) }] }, /holds 10, not a class/],
      [{ ...insight(1), timelines: [insight(1).timelines[0], insight(1).timelines[0]] }, /given twice/],
      [{ ...insight(1), health: { ...health(1), subnormalFraction: NaN } }, /finite numbers only \(subnormalFraction is NaN\)/],
      [{ ...insight(1), timelines: [{ ...insight(1).timelines[0], split: 'train' as 'test' }] }, /split must be validation or test/],
    ];
    for (const [rec, message] of bad) {
      expectStoreError(() => store.recordEpoch(runId, { metrics: metrics(1), losses: losses(1, 4, 1), checkpoint: checkpoint(1, 4), insight: rec }), 'invalid', message);
    }
    expect(snapshot(store.path)).toBe(before);
  });

  it('a resume rewinds them with the metrics; deleting the run deletes them', () => {
    const { store, runId } = storeWithRunningRun();
    const r1 = store.recordEpoch(runId, { metrics: metrics(1), losses: losses(1, 4, 1), checkpoint: checkpoint(1, 4), insight: insight(1) });
    store.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), checkpoint: checkpoint(2, 8), insight: insight(2) });
    store.setRunStatus(runId, 'stopped');
    store.resumeRun(runId, r1.checkpointId!);
    expect(store.getEpochHealth(runId).map((x) => x.epoch)).toEqual([1]);
    expect(store.getEpochTimeline(runId, 'test').map((x) => x.epoch)).toEqual([1]);
    store.deleteRun(runId);
    expectStoreError(() => store.getEpochHealth(runId), 'not_found', /No run/);
  });
});
