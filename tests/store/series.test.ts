import { describe, expect, it } from 'vitest';
import { LOSS_CHUNK } from '../../src-main/store/series';
import { checkpoint, checkpointBytes, expectStoreError, losses, metrics, newRun, raw, snapshot, storeWithRunningRun, trainEpochs } from './helpers';

describe('iteration losses', () => {
  it('stores every iteration across appends, epochs and chunk boundaries', () => {
    const { store: s, runId } = storeWithRunningRun({}, { epochs: 3 });
    const perEpoch = LOSS_CHUNK + 300; // forces a second chunk inside each epoch
    const f = (it: number) => Math.sin(it) * 3 + it / 7;
    let next = 1;
    for (let e = 1; e <= 3; e++) {
      // uneven batches, as the supervisor sends them
      for (let left = perEpoch; left > 0; ) {
        const n = Math.min(left, 97 + e);
        s.appendIterationLosses(runId, losses(next, n, e, f));
        next += n;
        left -= n;
      }
      if (e < 3) s.recordEpoch(runId, { metrics: metrics(e) });
    }
    const series = s.getIterationLosses(runId);
    expect(series.losses.length).toBe(3 * perEpoch);
    for (let i = 0; i < series.losses.length; i++) {
      expect(series.iterations[i]).toBe(i + 1);
      expect(series.epochs[i]).toBe(Math.floor(i / perEpoch) + 1);
      expect(series.losses[i]).toBe(f(i + 1));
    }
    const db = raw(s.path);
    const chunks = db.prepare('SELECT epoch, count FROM iteration_losses WHERE run_id = ? ORDER BY first_iteration').all(runId);
    db.close();
    expect(chunks).toEqual([1, 2, 3].flatMap((epoch) => [{ epoch, count: LOSS_CHUNK }, { epoch, count: 300 }]));
    expect(s.getRun(runId).progress).toEqual({ epoch: 2, iteration: 3 * perEpoch });
  });

  it('NaN and ±Infinity read back exactly (a diverged run)', () => {
    const { store: s, runId } = storeWithRunningRun();
    const vals = [0.5, NaN, Infinity, -Infinity, 0, -0, 1e-300];
    s.appendIterationLosses(runId, vals.map((loss, i) => ({ iteration: i + 1, epoch: 1, loss })));
    const back = Array.from(s.getIterationLosses(runId).losses);
    expect(back).toEqual(vals);
    expect(Object.is(back[5], -0)).toBe(true);
    expect(back[1]).toBeNaN();
    s.setRunStatus(runId, 'diverged', { divergedAt: { epoch: 1, iteration: 2 } });
    expect(s.getRun(runId).divergedAt).toEqual({ epoch: 1, iteration: 2 });
  });

  it('refuses gaps, repeats, wrong epochs, bad values and non-running runs, storing nothing', () => {
    const { store: s, runId } = storeWithRunningRun({}, { epochs: 3 });
    s.appendIterationLosses(runId, losses(1, 5, 1));
    const before = snapshot(s.path);
    expectStoreError(() => s.appendIterationLosses(runId, losses(7, 2, 1)), 'invalid', /iteration is 7, expected 6/);
    expectStoreError(() => s.appendIterationLosses(runId, losses(5, 2, 1)), 'invalid', /iteration is 5, expected 6/);
    expectStoreError(() => s.appendIterationLosses(runId, [...losses(6, 2, 1), { iteration: 9, epoch: 1, loss: 1 }]), 'invalid', /losses\[2\]\.iteration is 9, expected 8/);
    expectStoreError(() => s.appendIterationLosses(runId, [{ iteration: 6, epoch: 2, loss: 1 }, { iteration: 7, epoch: 1, loss: 1 }]), 'invalid', /losses\[1\]\.epoch is 1, expected at least 2/);
    expectStoreError(() => s.appendIterationLosses(runId, losses(6, 1, 4)), 'invalid', /epoch must be between 1 and 3/);
    expectStoreError(() => s.appendIterationLosses(runId, [{ iteration: 6, epoch: 1, loss: '1' as never }]), 'invalid', /loss must be a number/);
    expectStoreError(() => s.appendIterationLosses(runId, 'x' as never), 'invalid', /must be an array/);
    expectStoreError(() => s.appendIterationLosses(999, losses(1, 1, 1)), 'not_found', /No run with id 999/);
    const queued = s.createRun(newRun()).id;
    const before2 = snapshot(s.path);
    expectStoreError(() => s.appendIterationLosses(queued, losses(1, 1, 1)), 'conflict', /is queued, not running; cannot record losses/);
    expect(snapshot(s.path)).toBe(before2);
    s.deleteRun(queued);
    expect(snapshot(s.path)).toBe(before); // every failed append above left no trace
    expect(Array.from(s.getIterationLosses(runId).iterations)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('epoch metrics and checkpoints', () => {
  it('records metrics, pending losses and the checkpoint together', () => {
    const { store: s, runId } = storeWithRunningRun();
    const r = s.recordEpoch(runId, { metrics: metrics(1), losses: losses(1, 4, 1), checkpoint: checkpoint(1, 4) });
    expect(r.checkpointId).toEqual(expect.any(Number));
    expect(s.getEpochMetrics(runId)).toEqual([{ ...metrics(1), runId, createdAt: expect.any(Number) }]);
    expect(s.listCheckpoints(runId)).toEqual([
      { id: r.checkpointId, runId, epoch: 1, iteration: 4, formatVersion: 1, byteLength: 4096, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), createdAt: expect.any(Number) },
    ]);
    expect(Array.from(s.loadCheckpoint(r.checkpointId!).data)).toEqual(Array.from(checkpointBytes(1)));
    expect(s.getRun(runId)).toMatchObject({ progress: { epoch: 1, iteration: 4 }, bestValAccuracy: metrics(1).valAccuracy });
    expect(s.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2) })).toEqual({ checkpointId: null });
  });

  it('rolls the whole epoch back when any part is bad', () => {
    const { store: s, runId } = storeWithRunningRun();
    trainEpochs(s, runId, 1, 1, 4);
    const before = snapshot(s.path);
    // bad checkpoint after good losses and metrics: nothing of it stays
    expectStoreError(
      () => s.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), checkpoint: { ...checkpoint(2, 8), data: new Uint8Array(0) } }),
      'invalid',
      /checkpoint.data is empty/,
    );
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), checkpoint: checkpoint(2, 7) }), 'invalid', /iteration is 7 but run \d+ has losses up to iteration 8; record the pending losses/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), checkpoint: checkpoint(1, 8) }), 'invalid', /checkpoint.epoch is 1 but run \d+ has 2 completed epochs/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(3), losses: losses(5, 4, 2) }), 'invalid', /metrics.epoch is 3, expected 2/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2, { valAccuracy: 1.5 }), losses: losses(5, 4, 2) }), 'invalid', /valAccuracy must be between 0 and 1/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2, { trainAccuracy: NaN }) }), 'invalid', /trainAccuracy must be a finite number/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2), checkpoint: { ...checkpoint(2, 4), formatVersion: 0 } }), 'invalid', /formatVersion/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(2), checkpoint: { ...checkpoint(2, 4), data: [1, 2] as never } }), 'invalid', /must be a Uint8Array/);
    expectStoreError(() => s.recordEpoch(runId, { metrics: metrics(4) }), 'invalid', /expected 2/);
    expect(snapshot(s.path)).toBe(before);
  });

  it('stores NaN losses of an epoch so they read back as NaN, never 0 or null', () => {
    const { store: s, runId } = storeWithRunningRun();
    s.recordEpoch(runId, { metrics: metrics(1, { trainLoss: NaN, valLoss: Infinity, meanIterationLoss: NaN }), losses: losses(1, 2, 1) });
    const [m] = s.getEpochMetrics(runId);
    expect(m.trainLoss).toBeNaN();
    expect(m.valLoss).toBe(Infinity);
    expect(m.meanIterationLoss).toBeNaN();
    const db = raw(s.path);
    expect(db.prepare('SELECT train_loss, val_loss, nan_mask FROM epoch_metrics').get()).toEqual({ train_loss: null, val_loss: Infinity, nan_mask: 5 });
    // the flag is enforced: a NULL without it is refused by the schema
    expect(() => db.prepare('UPDATE epoch_metrics SET val_loss = NULL').run()).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('a stop checkpoint mid-epoch, and metrics of several runs', () => {
    const { store: s, runId } = storeWithRunningRun();
    trainEpochs(s, runId, 1, 1, 4);
    const cp = s.recordCheckpoint(runId, checkpoint(1, 6, 9), losses(5, 2, 2));
    expect(cp).toMatchObject({ runId, epoch: 1, iteration: 6 });
    expect(s.getCheckpoint(cp.id)).toEqual(cp);
    const second = s.createRun(newRun()).id;
    expect(s.getMetricsOfRuns([second, runId]).map((x) => [x.runId, x.epochs.length])).toEqual([[second, 0], [runId, 1]]);
    expectStoreError(() => s.getMetricsOfRuns([runId, 777]), 'not_found', /No run with id 777/);
    expectStoreError(() => s.getMetricsOfRuns('1' as never), 'invalid', /must be an array/);
    expectStoreError(() => s.recordCheckpoint(second, checkpoint(0, 0)), 'conflict', /is queued, not running/);
    expectStoreError(() => s.getCheckpoint(12345), 'not_found', /No checkpoint with id 12345/);
    expectStoreError(() => s.loadCheckpoint(-1), 'invalid', /checkpoint id must be between 1/);
    expectStoreError(() => s.listCheckpoints(777), 'not_found', /No run with id 777/);
  });

  it('detects a corrupted checkpoint blob on load', () => {
    const { store: s, runId } = storeWithRunningRun();
    const [cp1, cp2] = trainEpochs(s, runId, 1, 2, 3);
    const db = raw(s.path);
    // flip one byte in the middle of the blob, the way a bad disk would
    db.prepare(`UPDATE checkpoints SET data = CAST(substr(data, 1, 99) || x'ff' || substr(data, 101) AS BLOB) WHERE id = ?`).run(cp1);
    db.prepare(`UPDATE checkpoints SET data = substr(data, 1, 100) WHERE id = ?`).run(cp2); // truncated
    db.close();
    expectStoreError(() => s.loadCheckpoint(cp1), 'corrupt', new RegExp(`Checkpoint ${cp1} \\(run ${runId}, epoch 1\\) is corrupt: its SHA-256 is [0-9a-f]{64}, expected`));
    expectStoreError(() => s.loadCheckpoint(cp2), 'corrupt', /is corrupt/);
  });
});

describe('transactions', () => {
  it('a failure inside SQLite after rows were written rolls back the whole epoch', () => {
    const { store: s, runId } = storeWithRunningRun();
    trainEpochs(s, runId, 1, 1, 4);
    const db = raw(s.path);
    db.exec(`CREATE TRIGGER no_checkpoints BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    db.close();
    const before = snapshot(s.path);
    expect(() => s.recordEpoch(runId, { metrics: metrics(2), losses: losses(5, 4, 2), checkpoint: checkpoint(2, 8) })).toThrow(/disk says no/);
    expect(snapshot(s.path)).toBe(before);
    expect(s.getEpochMetrics(runId).map((m) => m.epoch)).toEqual([1]);
    expect(s.getRun(runId).progress).toEqual({ epoch: 1, iteration: 4 });
  });
});
