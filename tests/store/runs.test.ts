import { describe, expect, it } from 'vitest';
import { MAX_NOTES_LENGTH } from '../../src-shared/limits';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import { MNIST, checkpoint, expectStoreError, freshStore, losses, metrics, newRun, snapshot, storeWithRunningRun, trainEpochs } from './helpers';

describe('datasets', () => {
  it('registers once, is idempotent for the same hash and refuses a different hash', () => {
    const s = freshStore();
    const d = s.registerDataset(MNIST);
    expect(d).toMatchObject({ ...MNIST });
    expect(s.registerDataset(MNIST)).toEqual(d);
    const before = snapshot(s.path);
    expectStoreError(() => s.registerDataset({ ...MNIST, contentHash: 'b'.repeat(64) }), 'conflict', /already used by different content/);
    expect(snapshot(s.path)).toBe(before);
    expect(s.listDatasets().map((x) => x.id)).toEqual(['mnist']);
    expect(s.getDataset('mnist').contentHash).toBe('a'.repeat(64));
  });

  it('rejects bad datasets with clear messages and stores nothing', () => {
    const s = freshStore();
    const before = snapshot(s.path);
    expectStoreError(() => s.registerDataset({ ...MNIST, id: '../x' }), 'invalid', /dataset id/);
    expectStoreError(() => s.registerDataset({ ...MNIST, contentHash: 'XYZ' }), 'invalid', /contentHash/);
    expectStoreError(() => s.registerDataset({ ...MNIST, contentHash: 'A'.repeat(64) }), 'invalid', /lowercase hex/);
    expectStoreError(() => s.registerDataset({ ...MNIST, trainSize: 0 }), 'invalid', /trainSize/);
    expectStoreError(() => s.registerDataset({ ...MNIST, testSize: 1.5 }), 'invalid', /testSize/);
    expectStoreError(() => s.registerDataset(null as never), 'invalid', /must be an object/);
    expectStoreError(() => s.getDataset('fashion'), 'not_found', /No dataset "fashion"/);
    expect(snapshot(s.path)).toBe(before);
  });
});

describe('creating and reading runs', () => {
  it('stores the full validated config, seed, dataset, versions, tags and notes', () => {
    let t = 1_000;
    const s = freshStore({ now: () => t });
    s.registerDataset(MNIST);
    const r = s.createRun(newRun({ name: '  report  ', config: { seed: 7, epochs: 5 }, tags: ['b', 'a', 'b'], notes: 'first try' }));
    expect(r).toMatchObject({
      name: 'report',
      status: 'queued',
      seed: 7,
      datasetId: 'mnist',
      totalEpochs: 5,
      createdAt: 1000,
      startedAt: null,
      finishedAt: null,
      appVersion: '0.1.0',
      engineVersion: 'engine-1',
      notes: 'first try',
      tags: ['a', 'b'],
      resumedFrom: null,
      forkedFrom: null,
      divergedAt: null,
      progress: { epoch: 0, iteration: 0 },
      bestValAccuracy: null,
      testAccuracy: null,
      error: null,
    });
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, seed: 7, epochs: 5 });
    t = 2_000;
    expect(s.getRun(r.id)).toEqual(r);
  });

  it('rejects bad new runs with clear messages and stores nothing', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const before = snapshot(s.path);
    expectStoreError(() => s.createRun(newRun({ config: { epochs: 0 } })), 'invalid', /Invalid run config: Epochs must be between 1/);
    expectStoreError(() => s.createRun(newRun({ config: { lerningRate: 1 } })), 'invalid', /Unknown setting "lerningRate"/);
    expectStoreError(() => s.createRun(newRun({ config: { dataset: 'fashion' } })), 'not_found', /No dataset "fashion". Known datasets: mnist/);
    expectStoreError(() => s.createRun(newRun({ name: '   ' })), 'invalid', /name must not be blank/);
    expectStoreError(() => s.createRun(newRun({ name: 'x'.repeat(201) })), 'invalid', /name is too long/);
    expectStoreError(() => s.createRun(newRun({ tags: [''] })), 'invalid', /tag must not be blank/);
    expectStoreError(() => s.createRun(newRun({ tags: ['x'.repeat(51)] })), 'invalid', /too long/);
    expectStoreError(() => s.createRun(newRun({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })), 'invalid', /at most 20 tags/);
    expectStoreError(() => s.createRun(newRun({ tags: 'a' as never })), 'invalid', /tags must be an array/);
    expectStoreError(() => s.createRun(newRun({ appVersion: '' })), 'invalid', /appVersion must not be empty/);
    expectStoreError(() => s.createRun(newRun({ forkedFrom: { runId: 99, checkpointId: 1 } })), 'not_found', /No run with id 99/);
    expect(snapshot(s.path)).toBe(before);
    expect(s.listRuns().total).toBe(0);
  });

  it('createRuns is all or nothing and names the failing entry', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const before = snapshot(s.path);
    expectStoreError(() => s.createRuns([newRun({ name: 'a' }), newRun({ name: 'b', config: { batchSize: -1 } })]), 'invalid', /^Run 2 of 2: Invalid run config: Batch size/);
    expect(snapshot(s.path)).toBe(before);
    const rs = s.createRuns([newRun({ name: 'a' }), newRun({ name: 'b', config: { batchSize: 100 } })]);
    expect(rs.map((r) => [r.name, r.config.batchSize])).toEqual([['a', 200], ['b', 100]]);
  });

  it('unknown or malformed ids give clear errors', () => {
    const s = freshStore();
    expectStoreError(() => s.getRun(42), 'not_found', /No run with id 42/);
    expectStoreError(() => s.getRun(0), 'invalid', /run id must be between 1/);
    expectStoreError(() => s.getRun('1' as never), 'invalid', /run id must be a whole number/);
    expectStoreError(() => s.renameRun(42, 'x'), 'not_found', /No run with id 42/);
    expectStoreError(() => s.setRunTags(42, []), 'not_found', /No run with id 42/);
    expectStoreError(() => s.setRunNotes(42, ''), 'not_found', /No run with id 42/);
    expectStoreError(() => s.deleteRun(42), 'not_found', /No run with id 42/);
    expectStoreError(() => s.setRunStatus(42, 'running'), 'not_found', /No run with id 42/);
    expectStoreError(() => s.heartbeat(42), 'not_found', /No run with id 42/);
    expectStoreError(() => s.resumeRun(42, 1), 'not_found', /No run with id 42/);
  });
});

describe('status changes', () => {
  it('follows the allowed transitions and sets the times', () => {
    let t = 100;
    const s = freshStore({ now: () => t });
    s.registerDataset(MNIST);
    const id = s.createRun(newRun()).id;
    t = 200;
    expect(s.setRunStatus(id, 'running')).toMatchObject({ status: 'running', startedAt: 200, heartbeatAt: 200, finishedAt: null });
    t = 300;
    expect(s.setRunStatus(id, 'completed')).toMatchObject({ status: 'completed', startedAt: 200, finishedAt: 300 });
    const before = snapshot(s.path);
    expectStoreError(() => s.setRunStatus(id, 'running'), 'conflict', /Run \d+ is completed; it cannot become running\.$/);
    expectStoreError(() => s.setRunStatus(id, 'queued'), 'invalid', /only by resuming/);
    expectStoreError(() => s.setRunStatus(id, 'paused' as never), 'invalid', /status must be one of queued, running/);
    expect(snapshot(s.path)).toBe(before);
  });

  it('failed keeps the error text; diverged needs and keeps where it diverged', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const [a, b, c] = s.createRuns([newRun(), newRun(), newRun()]).map((r) => r.id);
    s.setRunStatus(a, 'running');
    expect(s.setRunStatus(a, 'failed', { error: 'Worker crashed: out of memory' })).toMatchObject({ status: 'failed', error: 'Worker crashed: out of memory' });
    s.setRunStatus(b, 'running');
    const before = snapshot(s.path);
    expectStoreError(() => s.setRunStatus(b, 'diverged'), 'invalid', /needs divergedAt/);
    expectStoreError(() => s.setRunStatus(b, 'diverged', { divergedAt: { epoch: 0, iteration: 3 } }), 'invalid', /divergedAt.epoch/);
    expectStoreError(() => s.setRunStatus(b, 'completed', { divergedAt: { epoch: 1, iteration: 3 } }), 'invalid', /only to status diverged/);
    expect(snapshot(s.path)).toBe(before);
    expect(s.setRunStatus(b, 'diverged', { divergedAt: { epoch: 2, iteration: 345 } }).divergedAt).toEqual({ epoch: 2, iteration: 345 });
    expect(s.setRunStatus(c, 'stopped').status).toBe('stopped'); // a queued run cancelled
  });
});

describe('rename, tags, notes, delete', () => {
  it('renames, replaces tags, sets notes', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const id = s.createRun(newRun({ tags: ['old'] })).id;
    expect(s.renameRun(id, 'better name').name).toBe('better name');
    expect(s.setRunTags(id, [' baseline ', 'adam', 'adam']).tags).toEqual(['adam', 'baseline']);
    expect(s.setRunNotes(id, 'lr too high?').notes).toBe('lr too high?');
    expect(s.listTags()).toEqual([{ tag: 'adam', count: 1 }, { tag: 'baseline', count: 1 }]);
    const before = snapshot(s.path);
    expectStoreError(() => s.renameRun(id, ''), 'invalid', /name must not be empty/);
    expectStoreError(() => s.setRunTags(id, ['ok', 'bad\ttab']), 'invalid', /control characters/);
    expectStoreError(() => s.setRunNotes(id, 'x'.repeat(MAX_NOTES_LENGTH + 1)), 'invalid', /notes is too long/);
    expectStoreError(() => s.setRunNotes(id, 5 as never), 'invalid', /notes must be a string/);
    expect(snapshot(s.path)).toBe(before);
  });

  it('deletes a run with everything recorded for it, and refuses while it runs', () => {
    const { store: s, runId } = storeWithRunningRun();
    s.setRunTags(runId, ['x']);
    const [cp] = trainEpochs(s, runId, 1, 2, 5);
    const ev = s.recordEvaluation({
      checkpointId: cp, split: 'test', count: 2, accuracy: 0.5, loss: 1, confusion: Array.from({ length: 100 }, (_, i) => (i === 0 || i === 1 ? 1 : 0)),
      predictions: { labels: new Uint8Array([0, 0]), predicted: new Uint8Array([0, 1]), probabilities: new Float32Array(20).fill(0.1) },
    });
    const other = s.createRun(newRun({ forkedFrom: { runId, checkpointId: cp } })).id;
    const before = snapshot(s.path);
    expectStoreError(() => s.deleteRun(runId), 'conflict', /is running; stop it before deleting it/);
    expect(snapshot(s.path)).toBe(before);
    s.setRunStatus(runId, 'stopped');
    s.deleteRun(runId);
    expectStoreError(() => s.getRun(runId), 'not_found', /No run/);
    expectStoreError(() => s.getEvaluation(ev.id), 'not_found', /No evaluation/);
    expectStoreError(() => s.getCheckpoint(cp), 'not_found', /No checkpoint/);
    expect(s.listTags()).toEqual([]);
    expect(s.getRun(other).forkedFrom).toBeNull();
    expect(s.integrityCheck()).toEqual(['ok']);
  });
});

describe('listing runs', () => {
  function seeded() {
    let t = 0;
    const s = freshStore({ now: () => ++t });
    s.registerDataset(MNIST);
    const names = ['alpha', 'Bravo', 'charlie', 'delta', 'echo 100%', 'foxtrot_x'];
    const ids = s.createRuns(names.map((name, i) => newRun({ name, tags: i % 2 ? ['odd'] : ['even'], notes: i === 3 ? 'has a NOTE' : '' }))).map((r) => r.id);
    // statuses: 0 completed, 1 running, 2 failed, others queued; val accuracy for 0 and 1.
    s.setRunStatus(ids[0], 'running');
    trainEpochs(s, ids[0], 1, 1, 3);
    s.setRunStatus(ids[0], 'completed');
    s.setRunStatus(ids[1], 'running');
    s.recordEpoch(ids[1], { metrics: metrics(1, { valAccuracy: 0.99 }), losses: losses(1, 3, 1) });
    s.setRunStatus(ids[2], 'running');
    s.setRunStatus(ids[2], 'failed', { error: 'boom' });
    return { s, ids };
  }

  it('filters by status, tag and text, with totals', () => {
    const { s, ids } = seeded();
    expect(s.listRuns().total).toBe(6);
    expect(s.listRuns({ status: 'queued' }).runs.map((r) => r.id).sort()).toEqual([ids[3], ids[4], ids[5]]);
    expect(s.listRuns({ status: ['completed', 'failed'] }).runs.map((r) => r.id).sort()).toEqual([ids[0], ids[2]]);
    expect(s.listRuns({ tag: 'odd' }).runs.map((r) => r.name).sort()).toEqual(['Bravo', 'delta', 'foxtrot_x']);
    expect(s.listRuns({ tag: 'odd', status: 'running' }).runs.map((r) => r.id)).toEqual([ids[1]]);
    expect(s.listRuns({ text: 'note' }).runs.map((r) => r.id)).toEqual([ids[3]]); // notes, case-insensitive
    expect(s.listRuns({ text: 'BRAV' }).runs.map((r) => r.id)).toEqual([ids[1]]);
    expect(s.listRuns({ text: '%' }).runs.map((r) => r.name)).toEqual(['echo 100%']); // LIKE wildcards are literal
    expect(s.listRuns({ text: '_' }).runs.map((r) => r.name)).toEqual(['foxtrot_x']);
    expect(s.listRuns({ tag: 'none' })).toEqual({ total: 0, runs: [] });
  });

  it('sorts by created, name, status and best validation accuracy (nulls last) and pages', () => {
    const { s, ids } = seeded();
    expect(s.listRuns().runs.map((r) => r.id)).toEqual([...ids].reverse()); // default: newest first
    expect(s.listRuns({ sort: 'created', order: 'asc' }).runs.map((r) => r.id)).toEqual(ids);
    expect(s.listRuns({ sort: 'name', order: 'asc' }).runs.map((r) => r.name)).toEqual(['alpha', 'Bravo', 'charlie', 'delta', 'echo 100%', 'foxtrot_x']);
    expect(s.listRuns({ sort: 'status', order: 'asc' }).runs.map((r) => r.status)).toEqual(['completed', 'failed', 'queued', 'queued', 'queued', 'running']);
    const byVal = s.listRuns({ sort: 'bestValAccuracy', order: 'desc' }).runs;
    expect(byVal.slice(0, 2).map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect(byVal.slice(2).every((r) => r.bestValAccuracy === null)).toBe(true);
    expect(s.listRuns({ sort: 'bestValAccuracy', order: 'asc' }).runs.slice(0, 2).map((r) => r.id)).toEqual([ids[0], ids[1]]);
    const p1 = s.listRuns({ sort: 'created', order: 'asc', limit: 4 });
    const p2 = s.listRuns({ sort: 'created', order: 'asc', limit: 4, offset: 4 });
    expect([p1.total, p2.total]).toEqual([6, 6]);
    expect([...p1.runs, ...p2.runs].map((r) => r.id)).toEqual(ids);
    expect(s.listRuns({ offset: 10 })).toEqual({ total: 6, runs: [] });
  });

  it('rejects bad queries clearly', () => {
    const s = freshStore();
    expectStoreError(() => s.listRuns({ status: 'paused' as never }), 'invalid', /status must be one of/);
    expectStoreError(() => s.listRuns({ sort: 'size' as never }), 'invalid', /sort must be one of created, name/);
    expectStoreError(() => s.listRuns({ order: 'up' as never }), 'invalid', /order must be asc or desc/);
    expectStoreError(() => s.listRuns({ limit: 0 }), 'invalid', /limit must be between 1 and 1000/);
    expectStoreError(() => s.listRuns({ offset: -1 }), 'invalid', /offset must be between 0/);
    expectStoreError(() => s.listRuns({ tag: '' }), 'invalid', /tag must not be empty/);
  });

  it('lists a page of a 5,000-run database correctly', () => {
    let t = 0;
    const s = freshStore({ now: () => ++t });
    s.registerDataset(MNIST);
    const created = s.createRuns(Array.from({ length: 5000 }, (_, i) => newRun({ name: `run ${String(i).padStart(4, '0')}`, tags: i % 10 === 0 ? ['tenth'] : [] })));
    expect(created).toHaveLength(5000);
    const page = s.listRuns({ sort: 'name', order: 'desc', offset: 100, limit: 50 });
    expect(page.total).toBe(5000);
    expect(page.runs.map((r) => r.name)).toEqual(Array.from({ length: 50 }, (_, i) => `run ${String(4899 - i).padStart(4, '0')}`));
    const tagged = s.listRuns({ tag: 'tenth', sort: 'created', order: 'asc', offset: 490, limit: 50 });
    expect(tagged.total).toBe(500);
    expect(tagged.runs.map((r) => r.name)).toEqual(Array.from({ length: 10 }, (_, i) => `run ${String((490 + i) * 10).padStart(4, '0')}`));
    expect(s.listRuns({ text: 'run 42', limit: 1000 }).total).toBe(100); // run 4200 … run 4299
  });
});

describe('heartbeats and stale runs', () => {
  it('marks runs left running without a recent heartbeat as interrupted', () => {
    let t = 1_000_000;
    const s = freshStore({ now: () => t });
    s.registerDataset(MNIST);
    const [a, b, c] = s.createRuns([newRun(), newRun(), newRun()]).map((r) => r.id);
    s.setRunStatus(a, 'running');
    s.setRunStatus(b, 'running');
    t += 50_000;
    s.heartbeat(b);
    t += 20_000; // a: 70 s silent, b: 20 s, c: queued
    expect(s.markStaleRunsInterrupted(30_000)).toEqual([a]);
    expect(s.getRun(a)).toMatchObject({ status: 'interrupted', finishedAt: t });
    expect(s.getRun(a).error).toMatch(/stopped sending heartbeats/);
    expect(s.getRun(b).status).toBe('running');
    expect(s.getRun(c).status).toBe('queued');
    expect(s.markStaleRunsInterrupted(30_000)).toEqual([]);
    expectStoreError(() => s.heartbeat(a), 'conflict', /is interrupted, not running/);
    expectStoreError(() => s.markStaleRunsInterrupted(-1), 'invalid', /olderThanMs/);
    expectStoreError(() => s.markStaleRunsInterrupted(NaN), 'invalid', /olderThanMs must be a finite number/);
  });

  it('any recorded loss counts as a heartbeat', () => {
    let t = 0;
    const { store: s, runId } = storeWithRunningRun({ now: () => t });
    t = 60_000;
    s.appendIterationLosses(runId, losses(1, 2, 1));
    t = 70_000;
    expect(s.markStaleRunsInterrupted(30_000)).toEqual([]);
    expect(s.getRun(runId).heartbeatAt).toBe(60_000);
  });
});

describe('resume and fork', () => {
  it('resume rewinds to the checkpoint and queues the run', () => {
    const { store: s, runId } = storeWithRunningRun({}, { epochs: 5 });
    const cps = trainEpochs(s, runId, 1, 3, 4);
    s.appendIterationLosses(runId, losses(13, 2, 4)); // part of epoch 4, then the process died
    s.setRunStatus(runId, 'interrupted', { error: 'gone' });
    const r = s.resumeRun(runId, cps[1]);
    expect(r).toMatchObject({ status: 'queued', error: null, progress: { epoch: 2, iteration: 8 }, resumedFrom: { runId, checkpointId: cps[1] }, finishedAt: null });
    expect(s.getEpochMetrics(runId).map((m) => m.epoch)).toEqual([1, 2]);
    expect(Array.from(s.getIterationLosses(runId).iterations)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.listCheckpoints(runId).map((c) => c.id)).toEqual([cps[0], cps[1]]);
    expect(r.bestValAccuracy).toBeCloseTo(metrics(2).valAccuracy, 12);
    // and it continues where it left off
    s.setRunStatus(runId, 'running');
    trainEpochs(s, runId, 3, 1, 4);
    expect(s.getRun(runId).progress).toEqual({ epoch: 3, iteration: 12 });
  });

  it('resume from a mid-epoch checkpoint trims the loss chunk', () => {
    const { store: s, runId } = storeWithRunningRun();
    trainEpochs(s, runId, 1, 1, 4);
    const cp = s.recordCheckpoint(runId, checkpoint(1, 6), losses(5, 2, 2));
    s.appendIterationLosses(runId, losses(7, 2, 2));
    s.setRunStatus(runId, 'stopped');
    s.resumeRun(runId, cp.id);
    const series = s.getIterationLosses(runId);
    expect(Array.from(series.iterations)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(series.epochs)).toEqual([1, 1, 1, 1, 2, 2]);
    expect(series.losses[5]).toBe(1 / 6);
    s.setRunStatus(runId, 'running');
    s.appendIterationLosses(runId, losses(7, 1, 2, () => 42));
    expect(s.getIterationLosses(runId).losses[6]).toBe(42);
  });

  it('refuses resumes that make no sense and changes nothing', () => {
    const { store: s, runId } = storeWithRunningRun();
    const [cp] = trainEpochs(s, runId, 1, 1, 2);
    const other = s.createRun(newRun()).id;
    const before = snapshot(s.path);
    expectStoreError(() => s.resumeRun(runId, cp), 'conflict', /is running; only stopped, interrupted, failed runs can be resumed/);
    s.setRunStatus(runId, 'completed');
    const after = snapshot(s.path);
    expect(after).not.toBe(before);
    expectStoreError(() => s.resumeRun(runId, cp), 'conflict', /fork it instead/);
    expectStoreError(() => s.resumeRun(other, cp), 'invalid', /belongs to run/);
    expectStoreError(() => s.resumeRun(runId, 999), 'not_found', /No checkpoint with id 999/);
    expect(snapshot(s.path)).toBe(after);
  });

  it('a fork starts from the parent checkpoint and continues its iteration count', () => {
    const { store: s, runId } = storeWithRunningRun();
    const [cp1] = trainEpochs(s, runId, 1, 2, 3);
    s.setRunStatus(runId, 'completed');
    const f = s.createRun(newRun({ name: 'fork', config: { learningRate: 1e-4 }, forkedFrom: { runId, checkpointId: cp1 } }));
    expect(f).toMatchObject({ forkedFrom: { runId, checkpointId: cp1 }, progress: { epoch: 1, iteration: 3 } });
    s.setRunStatus(f.id, 'running');
    trainEpochs(s, f.id, 2, 1, 3);
    expect(Array.from(s.getIterationLosses(f.id).iterations)).toEqual([4, 5, 6]);
    const other = s.createRun(newRun()).id;
    expectStoreError(() => s.createRun(newRun({ forkedFrom: { runId: other, checkpointId: cp1 } })), 'invalid', /belongs to run/);
  });
});
