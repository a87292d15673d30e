// Schema 4's concepts in the store: sweeps as groups, archived runs, training time across the
// stretches of a resumed run, and a dataset's class names.
import { describe, expect, it } from 'vitest';
import { MNIST, checkpoint, expectStoreError, freshStore, losses, metrics, newRun, snapshot } from './helpers';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('sweeps', () => {
  it('stores a sweep with its grid and runs in one transaction; every run carries it', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const { sweep, runs } = s.createSweep({ name: 'lr sweep', grid: [['learningRate', [0.001, 0.01]], ['seed', [1]]] }, [
      newRun({ name: 'a', config: { learningRate: 0.001, seed: 1 } }),
      newRun({ name: 'b', config: { learningRate: 0.01, seed: 1 } }),
    ]);
    expect(sweep).toMatchObject({ name: 'lr sweep', grid: [['learningRate', [0.001, 0.01]], ['seed', [1]]], runCount: 2 });
    expect(s.getRun(runs[0].id).sweep).toEqual({ id: sweep.id, name: 'lr sweep' });
    expect(s.sweepRuns(sweep.id).map((r) => r.name)).toEqual(['a', 'b']);
    expect(s.listSweeps().map((x) => x.id)).toEqual([sweep.id]);
    expect(s.createRun(newRun({ name: 'alone' })).sweep).toBeNull();
  });

  it('creates nothing when one run is invalid, and refuses a bad sweep', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const before = snapshot(s.path);
    expectStoreError(() => s.createSweep({ name: 'x', grid: [['seed', [1, 2]]] }, [newRun(), newRun({ config: { epochs: 0 } })]), 'invalid', /Run 2 of 2: Invalid run config/);
    expectStoreError(() => s.createSweep({ name: ' ', grid: [['seed', [1]]] }, [newRun()]), 'invalid', /sweep name must not be blank/);
    expectStoreError(() => s.createSweep({ name: 'x', grid: [] }, [newRun()]), 'invalid', /at least one setting/);
    expectStoreError(() => s.createSweep({ name: 'x', grid: [['seed', [1]]] }, []), 'invalid', /at least one run/);
    expectStoreError(() => s.createRun(newRun({ sweepId: 99 })), 'not_found', /No sweep with id 99/);
    expectStoreError(() => s.getSweep(99), 'not_found', /No sweep with id 99/);
    expect(snapshot(s.path)).toBe(before);
  });

  it('keeps a sweep while it has runs, and drops it with its last run', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const { sweep, runs } = s.createSweep({ name: 'g', grid: [['seed', [1, 2]]] }, [newRun({ config: { seed: 1 } }), newRun({ config: { seed: 2 } })]);
    const restart = s.createRun(newRun({ sweepId: sweep.id }));
    s.deleteRun(runs[0].id);
    expect(s.getSweep(sweep.id).runCount).toBe(2);
    s.deleteRun(runs[1].id);
    s.deleteRun(restart.id);
    expect(s.listSweeps()).toEqual([]);
  });
});

describe('archive', () => {
  it('archives a finished run, lists it only when asked, and brings it back', () => {
    let t = 100;
    const s = freshStore({ now: () => ++t });
    s.registerDataset(MNIST);
    const keep = s.createRun(newRun({ name: 'keep' }));
    const old = s.createRun(newRun({ name: 'old' }));
    s.setRunStatus(old.id, 'stopped');
    const archived = s.setRunArchived(old.id, true);
    expect(archived.archivedAt).toEqual(expect.any(Number));
    expect(s.setRunArchived(old.id, true).archivedAt).toBe(archived.archivedAt); // archiving twice keeps the first time
    expect(s.listRuns({ archived: 'exclude' }).runs.map((r) => r.name)).toEqual(['keep']);
    expect(s.listRuns({ archived: 'only' }).runs.map((r) => r.name)).toEqual(['old']);
    expect(s.listRuns().total).toBe(2);
    expect(s.setRunArchived(old.id, false).archivedAt).toBeNull();
    expect(s.listRuns({ archived: 'exclude' }).total).toBe(2);
    expect(keep.archivedAt).toBeNull();
  });

  it('refuses to archive a queued or running run; resuming an archived run brings it back', () => {
    const s = freshStore();
    s.registerDataset(MNIST);
    const r = s.createRun(newRun());
    expectStoreError(() => s.setRunArchived(r.id, true), 'conflict', /queued; stop it before archiving it/);
    s.setRunStatus(r.id, 'running');
    expectStoreError(() => s.setRunArchived(r.id, true), 'conflict', /running; stop it before archiving it/);
    const cp = s.recordCheckpoint(r.id, checkpoint(0, 0));
    s.setRunStatus(r.id, 'stopped');
    s.setRunArchived(r.id, true);
    expectStoreError(() => s.setRunArchived(r.id, 'yes' as never), 'invalid', /archived must be true or false/);
    expect(s.resumeRun(r.id, cp.id).archivedAt).toBeNull();
  });
});

describe('training time across stretches', () => {
  it('a resume adds the stretch that ended to the earlier time; an interrupted stretch ends at its last heartbeat', () => {
    let t = 1_000;
    const s = freshStore({ now: () => t });
    s.registerDataset(MNIST);
    const id = s.createRun(newRun({ config: { epochs: 3 } })).id;
    s.setRunStatus(id, 'running'); // starts at 1 000
    s.recordEpoch(id, { metrics: metrics(1), losses: losses(1, 5, 1), checkpoint: checkpoint(1, 5) });
    t = 11_000;
    s.setRunStatus(id, 'stopped');
    expect(s.getRun(id).training).toEqual({ earlierMs: 0, stretchEndedAt: 11_000, epochsMs: null });
    const cp1 = s.listCheckpoints(id)[0].id;
    t = 50_000;
    s.resumeRun(id, cp1);
    expect(s.getRun(id).training).toMatchObject({ earlierMs: 10_000, stretchEndedAt: null });
    t = 60_000;
    s.setRunStatus(id, 'running'); // the second stretch starts at 60 000
    t = 65_000;
    s.heartbeat(id);
    t = 900_000; // noticed much later: the time in between was no training
    expect(s.markStaleRunsInterrupted(1_000)).toEqual([id]);
    expect(s.getRun(id).training).toMatchObject({ earlierMs: 10_000, stretchEndedAt: 65_000 });
    s.resumeRun(id, cp1);
    expect(s.getRun(id).training.earlierMs).toBe(15_000);
  });
});

describe('class names', () => {
  it('registers a dataset with its class names (checked by the shared rules)', () => {
    const s = freshStore();
    const d = s.registerDataset({ ...MNIST, id: 'fashion', classNames: NAMES.map((n) => ` ${n} `) });
    expect(d.classNames).toEqual(NAMES);
    expect(s.getDataset('fashion').classNames).toEqual(NAMES);
    expect(s.registerDataset(MNIST).classNames).toBeNull();
    const before = snapshot(s.path);
    expectStoreError(() => s.registerDataset({ ...MNIST, id: 'x', contentHash: 'b'.repeat(64), classNames: NAMES.slice(1) }), 'invalid', /exactly 10 classes/);
    expectStoreError(() => s.registerDataset({ ...MNIST, id: 'y', contentHash: 'c'.repeat(64), classNames: [...NAMES.slice(1), 'bag'] }), 'invalid', /Classes 7 and 9 have the same name "bag"/);
    expect(snapshot(s.path)).toBe(before);
  });
});
