// What a run records while it trains: every iteration's loss (Float64 chunks), per-epoch
// metrics, and checkpoints (BLOB + SHA-256, verified on load). An epoch's metrics and its
// checkpoint commit in one transaction.
import { createHash } from 'node:crypto';
import type { EpochMetrics } from '../../src-shared/engine/types';
import { blobF64, f64Blob, fromRealRequired, toReals } from './codec';
import { checkFinite, checkInt, checkNumber, conflict, invalid, notFound, show, StoreError } from './errors';
import type { Ctx, makeRuns } from './runs';
import type {
  CheckpointInput,
  CheckpointRow,
  EpochMetricsRow,
  EpochRecord,
  IterationLoss,
  LoadedCheckpoint,
  LossSeries,
} from './types';

/** Iterations per loss chunk row (a chunk never spans two epochs). */
export const LOSS_CHUNK = 1024;
/** Largest checkpoint accepted (LeNet-5 with Adam state is about 0.75 MB). */
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

interface ChunkDb {
  first_iteration: number;
  epoch: number;
  count: number;
  losses: Buffer;
}
interface MetricsDb {
  run_id: number;
  epoch: number;
  train_accuracy: number;
  train_loss: number | null;
  val_accuracy: number;
  val_loss: number | null;
  learning_rate: number;
  mean_iteration_loss: number | null;
  duration_ms: number;
  images_per_second: number;
  nan_mask: number;
  created_at: number;
}
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

function metricsRow(m: MetricsDb): EpochMetricsRow {
  return {
    runId: m.run_id,
    epoch: m.epoch,
    trainAccuracy: m.train_accuracy,
    trainLoss: fromRealRequired(m.train_loss, m.nan_mask, 0),
    valAccuracy: m.val_accuracy,
    valLoss: fromRealRequired(m.val_loss, m.nan_mask, 1),
    learningRate: m.learning_rate,
    meanIterationLoss: fromRealRequired(m.mean_iteration_loss, m.nan_mask, 2),
    durationMs: m.duration_ms,
    imagesPerSecond: m.images_per_second,
    createdAt: m.created_at,
  };
}

function checkpointRow(c: CheckpointDb): CheckpointRow {
  return {
    id: c.id,
    runId: c.run_id,
    epoch: c.epoch,
    iteration: c.iteration,
    formatVersion: c.format_version,
    byteLength: c.byte_length,
    sha256: c.sha256,
    createdAt: c.created_at,
  };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function makeSeries(ctx: Ctx, runs: ReturnType<typeof makeRuns>) {
  const { db, now } = ctx;
  const st = {
    progress: db.prepare<[number], { status: string; epoch: number; iteration: number; total_epochs: number }>(
      'SELECT status, epoch, iteration, total_epochs FROM runs WHERE id = ?',
    ),
    lastChunk: db.prepare<[number], ChunkDb>(
      'SELECT first_iteration, epoch, count, losses FROM iteration_losses WHERE run_id = ? ORDER BY first_iteration DESC LIMIT 1',
    ),
    insertChunk: db.prepare('INSERT INTO iteration_losses (run_id, first_iteration, epoch, count, losses) VALUES (?, ?, ?, ?, ?)'),
    updateChunk: db.prepare('UPDATE iteration_losses SET count = ?, losses = ? WHERE run_id = ? AND first_iteration = ?'),
    chunks: db.prepare<[number], ChunkDb>('SELECT first_iteration, epoch, count, losses FROM iteration_losses WHERE run_id = ? ORDER BY first_iteration'),
    setIteration: db.prepare('UPDATE runs SET iteration = ?, heartbeat_at = ? WHERE id = ?'),
    insertMetrics: db.prepare(
      `INSERT INTO epoch_metrics (run_id, epoch, train_accuracy, train_loss, val_accuracy, val_loss, learning_rate,
                                  mean_iteration_loss, duration_ms, images_per_second, nan_mask, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setEpoch: db.prepare(
      `UPDATE runs SET epoch = @epoch, heartbeat_at = @now,
              best_val_accuracy = max(coalesce(best_val_accuracy, @val), @val) WHERE id = @id`,
    ),
    metrics: db.prepare<[number], MetricsDb>('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch'),
    insertCheckpoint: db.prepare(
      `INSERT INTO checkpoints (run_id, epoch, iteration, format_version, byte_length, sha256, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    checkpoints: db.prepare<[number], CheckpointDb>(
      'SELECT id, run_id, epoch, iteration, format_version, byte_length, sha256, created_at FROM checkpoints WHERE run_id = ? ORDER BY iteration, id',
    ),
    checkpoint: db.prepare<[number], CheckpointDb>(
      'SELECT id, run_id, epoch, iteration, format_version, byte_length, sha256, created_at FROM checkpoints WHERE id = ?',
    ),
    checkpointData: db.prepare<[number], { data: Buffer }>('SELECT data FROM checkpoints WHERE id = ?'),
  };

  function requireRunning(runId: number, what: string) {
    runs.requireStatus(runId);
    const p = st.progress.get(runId)!;
    if (p.status !== 'running') throw conflict(`Run ${runId} is ${p.status}, not running; cannot record ${what}.`);
    return p;
  }

  /** Validates and writes losses; call inside a transaction. */
  function appendLosses(runId: number, items: readonly IterationLoss[]): void {
    if (!Array.isArray(items)) throw invalid(`losses must be an array of { iteration, epoch, loss } (got ${show(items)}).`);
    const p = requireRunning(runId, 'losses');
    if (items.length === 0) return;
    const last = st.lastChunk.get(runId);
    let prevIter = p.iteration;
    let prevEpoch = Math.max(last?.epoch ?? 1, p.epoch + 1);
    const values = new Float64Array(items.length);
    const epochs = new Int32Array(items.length);
    items.forEach((it, i) => {
      if (typeof it !== 'object' || it === null) throw invalid(`loss entry ${i} must be an object (got ${show(it)}).`);
      const iteration = checkInt(`losses[${i}].iteration`, it.iteration, 1);
      const epoch = checkInt(`losses[${i}].epoch`, it.epoch, 1, p.total_epochs);
      if (iteration !== prevIter + 1) {
        throw invalid(`losses[${i}].iteration is ${iteration}, expected ${prevIter + 1} (run ${runId} has losses up to iteration ${p.iteration}; appends must be consecutive).`);
      }
      if (epoch < prevEpoch) throw invalid(`losses[${i}].epoch is ${epoch}, expected at least ${prevEpoch}.`);
      values[i] = checkNumber(`losses[${i}].loss`, it.loss);
      epochs[i] = epoch;
      prevIter = iteration;
      prevEpoch = epoch;
    });
    // Fill the last chunk if it has room and the same epoch, then new chunks.
    let i = 0;
    if (last && last.epoch === epochs[0] && last.count < LOSS_CHUNK) {
      let n = 0;
      while (i + n < items.length && epochs[i + n] === last.epoch && last.count + n < LOSS_CHUNK) n++;
      const merged = Buffer.concat([last.losses, f64Blob(values.subarray(0, n))]);
      st.updateChunk.run(last.count + n, merged, runId, last.first_iteration);
      i = n;
    }
    while (i < items.length) {
      let n = 1;
      while (i + n < items.length && epochs[i + n] === epochs[i] && n < LOSS_CHUNK) n++;
      st.insertChunk.run(runId, items[i].iteration, epochs[i], n, f64Blob(values.subarray(i, i + n)));
      i += n;
    }
    st.setIteration.run(prevIter, now(), runId);
  }

  function checkMetrics(m: EpochMetrics, expectedEpoch: number): EpochMetrics {
    if (typeof m !== 'object' || m === null) throw invalid(`metrics must be an object (got ${show(m)}).`);
    const epoch = checkInt('metrics.epoch', m.epoch, 1);
    if (epoch !== expectedEpoch) throw invalid(`metrics.epoch is ${epoch}, expected ${expectedEpoch} (the next epoch of the run).`);
    return {
      epoch,
      trainAccuracy: checkFinite('metrics.trainAccuracy', m.trainAccuracy, 0, 1),
      trainLoss: checkNumber('metrics.trainLoss', m.trainLoss),
      valAccuracy: checkFinite('metrics.valAccuracy', m.valAccuracy, 0, 1),
      valLoss: checkNumber('metrics.valLoss', m.valLoss),
      learningRate: checkFinite('metrics.learningRate', m.learningRate, 0),
      meanIterationLoss: checkNumber('metrics.meanIterationLoss', m.meanIterationLoss),
      durationMs: checkFinite('metrics.durationMs', m.durationMs, 0),
      imagesPerSecond: checkFinite('metrics.imagesPerSecond', m.imagesPerSecond, 0),
    };
  }

  /** Validates and writes a checkpoint; call inside a transaction, after pending losses. */
  function insertCheckpoint(runId: number, cp: CheckpointInput): number {
    if (typeof cp !== 'object' || cp === null) throw invalid(`a checkpoint must be an object (got ${show(cp)}).`);
    const p = requireRunning(runId, 'a checkpoint');
    const epoch = checkInt('checkpoint.epoch', cp.epoch, 0, p.total_epochs);
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
    return Number(st.insertCheckpoint.run(runId, epoch, iteration, formatVersion, data.byteLength, sha256Hex(data), data, now()).lastInsertRowid);
  }

  const append = db.transaction((runId: number, items: readonly IterationLoss[]) => appendLosses(runId, items));

  const recordEpoch = db.transaction((runId: number, rec: EpochRecord): { checkpointId: number | null } => {
    if (typeof rec !== 'object' || rec === null) throw invalid(`an epoch record must be an object (got ${show(rec)}).`);
    if (rec.losses !== undefined) appendLosses(runId, rec.losses);
    const p = requireRunning(runId, 'epoch metrics');
    const m = checkMetrics(rec.metrics, p.epoch + 1);
    if (m.epoch > p.total_epochs) throw invalid(`metrics.epoch ${m.epoch} is beyond the run's ${p.total_epochs} epochs.`);
    const { reals, mask } = toReals([m.trainLoss, m.valLoss, m.meanIterationLoss]);
    const t = now();
    st.insertMetrics.run(runId, m.epoch, m.trainAccuracy, reals[0], m.valAccuracy, reals[1], m.learningRate, reals[2], m.durationMs, m.imagesPerSecond, mask, t);
    st.setEpoch.run({ id: runId, epoch: m.epoch, now: t, val: m.valAccuracy });
    const checkpointId = rec.checkpoint === undefined ? null : insertCheckpoint(runId, rec.checkpoint);
    return { checkpointId };
  });

  const recordCheckpoint = db.transaction((runId: number, cp: CheckpointInput, losses?: readonly IterationLoss[]): CheckpointRow => {
    if (losses !== undefined) appendLosses(runId, losses);
    return checkpointRow(st.checkpoint.get(insertCheckpoint(runId, cp))!);
  });

  function getIterationLosses(runId: number): LossSeries {
    runs.requireStatus(runId);
    const chunks = st.chunks.all(runId);
    const n = chunks.reduce((a, c) => a + c.count, 0);
    const out: LossSeries = { iterations: new Int32Array(n), epochs: new Int32Array(n), losses: new Float64Array(n) };
    let k = 0;
    for (const c of chunks) {
      out.losses.set(blobF64(c.losses), k);
      out.epochs.fill(c.epoch, k, k + c.count);
      for (let j = 0; j < c.count; j++) out.iterations[k + j] = c.first_iteration + j;
      k += c.count;
    }
    return out;
  }

  function getEpochMetrics(runId: number): EpochMetricsRow[] {
    runs.requireStatus(runId);
    return st.metrics.all(runId).map(metricsRow);
  }

  const getMetricsOfRuns = db.transaction((runIds: readonly number[]) => {
    if (!Array.isArray(runIds)) throw invalid(`run ids must be an array (got ${show(runIds)}).`);
    if (runIds.length > 100) throw invalid(`at most 100 runs at once (got ${runIds.length}).`);
    return runIds.map((id) => ({ runId: id, epochs: getEpochMetrics(id) }));
  });

  function getCheckpoint(id: number): CheckpointRow {
    const c = st.checkpoint.get(checkInt('checkpoint id', id, 1));
    if (!c) throw notFound(`No checkpoint with id ${id}.`);
    return checkpointRow(c);
  }

  function loadCheckpoint(id: number): LoadedCheckpoint {
    return db.transaction(() => {
      const meta = getCheckpoint(id);
      const { data } = st.checkpointData.get(id)!;
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
    // Frequent and cheap to lose on a power cut (a resume rewinds to the last checkpoint anyway):
    // committed at synchronous=NORMAL, skipping the fsync. The next epoch or checkpoint commit
    // (synchronous=FULL) fsyncs the WAL, and with it every earlier commit.
    appendIterationLosses: (runId: number, items: readonly IterationLoss[]) => ctx.relaxedSync(() => append.immediate(runId, items)),
    getIterationLosses,
    recordEpoch: (runId: number, rec: EpochRecord) => recordEpoch.immediate(runId, rec),
    recordCheckpoint: (runId: number, cp: CheckpointInput, losses?: readonly IterationLoss[]) => recordCheckpoint.immediate(runId, cp, losses),
    getEpochMetrics,
    getMetricsOfRuns: (ids: readonly number[]) => getMetricsOfRuns(ids),
    listCheckpoints: (runId: number) => {
      runs.requireStatus(runId);
      return st.checkpoints.all(runId).map(checkpointRow);
    },
    getCheckpoint,
    loadCheckpoint,
  };
}
