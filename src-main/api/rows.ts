// The one place where the store's records become the API's rows (src-shared/contract.ts): the
// names differ on purpose (contentHash → hash, trainSize → trainCount, imageIndex → index), and
// values that do not exist (a NaN loss) become null.

import type { DatasetRow, EvaluationSummary, PredictionRow, RunRow } from '../../src-shared/contract';
import type { DatasetRecord, EvaluationRecord, PredictionRecord, RunRecord } from '../store/index';

export const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A run as the API shows it; datasetHash is its dataset's registered content hash. */
export function runRow(r: RunRecord, datasetHash: string | null, now = Date.now()): RunRow {
  const durationMs = r.startedAt === null ? null : r.finishedAt !== null && r.finishedAt >= r.startedAt ? r.finishedAt - r.startedAt : r.status === 'running' ? now - r.startedAt : null;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    config: r.config,
    datasetId: r.datasetId,
    datasetHash,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    appVersion: r.appVersion,
    engineVersion: r.engineVersion,
    error: r.error,
    notes: r.notes,
    tags: r.tags,
    parentRunId: r.forkedFrom?.runId ?? null,
    parentCheckpointId: r.forkedFrom?.checkpointId ?? null,
    epochsDone: r.progress.epoch,
    iteration: r.progress.iteration,
    divergedAt: r.divergedAt,
    bestValAccuracy: r.bestValAccuracy,
    testAccuracy: r.testAccuracy,
    durationMs,
  };
}

export function evaluationSummary(e: EvaluationRecord): EvaluationSummary {
  return { id: e.id, runId: e.runId, checkpointId: e.checkpointId, split: 'test', accuracy: e.accuracy, loss: finite(e.loss), count: e.count, createdAt: e.createdAt };
}

export function datasetRow(d: DatasetRecord): DatasetRow {
  return { id: d.id, name: d.name, source: d.source, hash: d.contentHash, trainCount: d.trainSize, testCount: d.testSize, createdAt: d.createdAt };
}

export function predictionRow(p: PredictionRecord): PredictionRow {
  return { index: p.imageIndex, label: p.label, predicted: p.predicted, confidence: p.confidence, probabilities: Array.from(p.probabilities) };
}
