// What a run records while it trains: every iteration's loss (Float64 chunks) and per-epoch
// metrics. An epoch's metrics, its pending losses, its insight record (insight.ts) and its
// checkpoint commit in one transaction (recordEpoch), as do a mid-epoch checkpoint and its
// pending losses (recordCheckpoint).
import type { EpochMetrics } from '../../src-shared/engine/types';
import { blobF64, f64Blob, fromRealRequired, toReals } from './codec';
import type { Ctx } from './context';
import type { makeCheckpoints } from './checkpoints';
import type { makeInsight } from './insight';
import { checkFinite, checkInt, checkNumber, invalid, show } from './errors';
import type { makeLifecycle } from './lifecycle';
import type { makeRuns } from './runs';
import type { CheckpointInput, CheckpointRow, EpochMetricsRow, EpochRecord, IterationLoss, LossSeries } from './types';

/** Iterations per loss chunk row (a chunk never spans two epochs). */
export const LOSS_CHUNK = 1024;

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

export function makeSeries(
  ctx: Ctx,
  runs: ReturnType<typeof makeRuns>,
  life: ReturnType<typeof makeLifecycle>,
  checkpoints: ReturnType<typeof makeCheckpoints>,
  insight: ReturnType<typeof makeInsight>,
) {
  const { db, now } = ctx;
  const st = {
    lastChunk: db.prepare<[number], ChunkDb>(
      'SELECT first_iteration, epoch, count, losses FROM iteration_losses WHERE run_id = ? ORDER BY first_iteration DESC LIMIT 1',
    ),
    insertChunk: db.prepare('INSERT INTO iteration_losses (run_id, first_iteration, epoch, count, losses) VALUES (?, ?, ?, ?, ?)'),
    updateChunk: db.prepare('UPDATE iteration_losses SET count = ?, losses = ? WHERE run_id = ? AND first_iteration = ?'),
    chunks: db.prepare<[number], ChunkDb>('SELECT first_iteration, epoch, count, losses FROM iteration_losses WHERE run_id = ? ORDER BY first_iteration'),
    insertMetrics: db.prepare(
      `INSERT INTO epoch_metrics (run_id, epoch, train_accuracy, train_loss, val_accuracy, val_loss, learning_rate,
                                  mean_iteration_loss, duration_ms, images_per_second, nan_mask, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    metrics: db.prepare<[number], MetricsDb>('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch'),
  };

  /** Validates and writes losses; call inside a transaction. */
  function appendLosses(runId: number, owner: string | null, items: readonly IterationLoss[]): void {
    if (!Array.isArray(items)) throw invalid(`losses must be an array of { iteration, epoch, loss } (got ${show(items)}).`);
    const p = life.requireWritable(runId, owner, 'losses');
    if (items.length === 0) return;
    const last = st.lastChunk.get(runId);
    let prevIter = p.iteration;
    let prevEpoch = Math.max(last?.epoch ?? 1, p.epoch + 1);
    const values = new Float64Array(items.length);
    const epochs = new Int32Array(items.length);
    items.forEach((it, i) => {
      if (typeof it !== 'object' || it === null) throw invalid(`loss entry ${i} must be an object (got ${show(it)}).`);
      const iteration = checkInt(`losses[${i}].iteration`, it.iteration, 1);
      const epoch = checkInt(`losses[${i}].epoch`, it.epoch, 1, p.totalEpochs);
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
    life.advanceIteration(runId, prevIter);
  }

  const append = db.transaction((runId: number, owner: string | null, items: readonly IterationLoss[]) => appendLosses(runId, owner, items));

  const recordEpoch = db.transaction((runId: number, owner: string | null, rec: EpochRecord): { checkpointId: number | null } => {
    if (typeof rec !== 'object' || rec === null) throw invalid(`an epoch record must be an object (got ${show(rec)}).`);
    if (rec.losses !== undefined) appendLosses(runId, owner, rec.losses);
    const p = life.requireWritable(runId, owner, 'epoch metrics');
    const m = checkMetrics(rec.metrics, p.epoch + 1);
    if (m.epoch > p.totalEpochs) throw invalid(`metrics.epoch ${m.epoch} is beyond the run's ${p.totalEpochs} epochs.`);
    const { reals, mask } = toReals([m.trainLoss, m.valLoss, m.meanIterationLoss]);
    st.insertMetrics.run(runId, m.epoch, m.trainAccuracy, reals[0], m.valAccuracy, reals[1], m.learningRate, reals[2], m.durationMs, m.imagesPerSecond, mask, now());
    if (rec.insight !== undefined) insight.insert(runId, m.epoch, rec.insight);
    life.advanceEpoch(runId, m.epoch, m.valAccuracy);
    const checkpointId = rec.checkpoint === undefined ? null : checkpoints.insert(runId, owner, rec.checkpoint);
    return { checkpointId };
  });

  // A checkpoint outside an epoch end (a stop mid-epoch), with the losses not yet recorded.
  const recordCheckpoint = db.transaction((runId: number, owner: string | null, cp: CheckpointInput, losses?: readonly IterationLoss[]): CheckpointRow => {
    if (losses !== undefined) appendLosses(runId, owner, losses);
    return checkpoints.getCheckpoint(checkpoints.insert(runId, owner, cp));
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

  return {
    // Frequent and cheap to lose on a power cut (a resume rewinds to the last checkpoint anyway):
    // committed at synchronous=NORMAL, skipping the fsync. The next epoch or checkpoint commit
    // (synchronous=FULL) fsyncs the WAL, and with it every earlier commit.
    appendLosses: (runId: number, owner: string | null, items: readonly IterationLoss[]) => ctx.write(() => ctx.relaxedSync(() => append.immediate(runId, owner, items))),
    recordEpoch: (runId: number, owner: string | null, rec: EpochRecord) => ctx.write(() => recordEpoch.immediate(runId, owner, rec)),
    recordCheckpoint: (runId: number, owner: string | null, cp: CheckpointInput, losses?: readonly IterationLoss[]) =>
      ctx.write(() => recordCheckpoint.immediate(runId, owner, cp, losses)),
    public: {
      getIterationLosses,
      getEpochMetrics,
      getMetricsOfRuns: (ids: readonly number[]) => getMetricsOfRuns(ids),
    },
  };
}
