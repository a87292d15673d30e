// Checkpoints: a run's serialised training state (BLOB + SHA-256, verified on load), taken at
// the run's recorded position.
import { createHash } from 'node:crypto';
import type { Ctx } from './context';
import { checkInt, invalid, notFound, show, StoreError } from './errors';
import type { makeLifecycle } from './lifecycle';
import type { makeRuns } from './runs';
import type { CheckpointInput, CheckpointRow, LoadedCheckpoint } from './types';

/** Largest checkpoint accepted (LeNet-5 with Adam state is about 0.75 MB). */
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

interface CheckpointDb {
  id: number;
  run_id: number;
  epoch: number;
  iteration: number;
  format_version: number;
  byte_length: number;
  sha256: string;
  created_at: number;
}

function checkpointRow(c: CheckpointDb): CheckpointRow {
  return { id: c.id, runId: c.run_id, epoch: c.epoch, iteration: c.iteration, formatVersion: c.format_version, byteLength: c.byte_length, sha256: c.sha256, createdAt: c.created_at };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const META = 'id, run_id, epoch, iteration, format_version, byte_length, sha256, created_at';

export function makeCheckpoints(ctx: Ctx, runs: ReturnType<typeof makeRuns>, life: ReturnType<typeof makeLifecycle>) {
  const { db, now } = ctx;
  const st = {
    insert: db.prepare(
      `INSERT INTO checkpoints (run_id, epoch, iteration, format_version, byte_length, sha256, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    byRun: db.prepare<[number], CheckpointDb>(`SELECT ${META} FROM checkpoints WHERE run_id = ? ORDER BY iteration, id`),
    get: db.prepare<[number], CheckpointDb>(`SELECT ${META} FROM checkpoints WHERE id = ?`),
    data: db.prepare<[number], { data: Buffer }>('SELECT data FROM checkpoints WHERE id = ?'),
  };

  /** Validates and writes a checkpoint at the run's recorded position; call inside a transaction, after pending losses. */
  function insert(runId: number, owner: string | null, cp: CheckpointInput): number {
    if (typeof cp !== 'object' || cp === null) throw invalid(`a checkpoint must be an object (got ${show(cp)}).`);
    const p = life.requireWritable(runId, owner, 'a checkpoint');
    const epoch = checkInt('checkpoint.epoch', cp.epoch, 0, p.totalEpochs);
    const iteration = checkInt('checkpoint.iteration', cp.iteration, 0);
    const formatVersion = checkInt('checkpoint.formatVersion', cp.formatVersion, 1, 1_000_000);
    if (!(cp.data instanceof Uint8Array)) throw invalid(`checkpoint.data must be a Uint8Array (got ${show(cp.data)}).`);
    if (cp.data.byteLength === 0) throw invalid('checkpoint.data is empty.');
    if (cp.data.byteLength > MAX_CHECKPOINT_BYTES) throw invalid(`checkpoint.data is too large (${cp.data.byteLength} bytes).`);
    if (iteration !== p.iteration) {
      throw invalid(`checkpoint.iteration is ${iteration} but run ${runId} has losses up to iteration ${p.iteration}; record the pending losses with it.`);
    }
    if (epoch !== p.epoch) throw invalid(`checkpoint.epoch is ${epoch} but run ${runId} has ${p.epoch} completed epochs recorded.`);
    const data = Buffer.from(cp.data.buffer, cp.data.byteOffset, cp.data.byteLength);
    return Number(st.insert.run(runId, epoch, iteration, formatVersion, data.byteLength, sha256Hex(data), data, now()).lastInsertRowid);
  }

  function getCheckpoint(id: number): CheckpointRow {
    const c = st.get.get(checkInt('checkpoint id', id, 1));
    if (!c) throw notFound(`No checkpoint with id ${id}.`);
    return checkpointRow(c);
  }

  function loadCheckpoint(id: number): LoadedCheckpoint {
    return db.transaction(() => {
      const meta = getCheckpoint(id);
      const { data } = st.data.get(id)!;
      const actual = sha256Hex(data);
      if (actual !== meta.sha256 || data.byteLength !== meta.byteLength) {
        throw new StoreError(
          'corrupt',
          `Checkpoint ${id} (run ${meta.runId}, epoch ${meta.epoch}) is corrupt: its SHA-256 is ${actual}, expected ${meta.sha256}. Resume from another checkpoint.`,
        );
      }
      // A copy that owns its whole ArrayBuffer, so it can be transferred to a worker thread.
      return { ...meta, data: new Uint8Array(data) };
    })();
  }

  return {
    insert,
    getCheckpoint,
    public: {
      listCheckpoints: (runId: number) => {
        runs.requireStatus(runId);
        return st.byRun.all(runId).map(checkpointRow);
      },
      getCheckpoint,
      loadCheckpoint,
    },
  };
}
