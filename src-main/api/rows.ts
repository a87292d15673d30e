// The one place where the store's records become the API's rows (src-shared/contract.ts): the
// names differ on purpose (contentHash → hash, trainSize → trainCount, imageIndex → index), and
// values that do not exist (a NaN loss) become null.

import type { DatasetRow, EvaluationSummary, PredictionRow, RunRow } from '../../src-shared/contract';
import type { DatasetRecord, EvaluationRecord, PredictionRecord, RunRecord } from '../store/index';

export const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A run's training time: its earlier stretches (before each resume) plus the current one, from
 * its start to where it ended (now while it runs). A run resumed before earlier stretches were
 * recorded shows what is known (the larger of the last stretch and its summed epoch times) as partial.
 */
export function runDuration(r: RunRecord, now = Date.now()): { durationMs: number | null; durationPartial: boolean } {
  const { earlierMs, stretchEndedAt, epochsMs } = r.training;
  let stretch: number | null = null;
  if (r.startedAt !== null) {
    if (r.status === 'running') stretch = Math.max(0, now - r.startedAt);
    else if (stretchEndedAt !== null && stretchEndedAt >= r.startedAt) stretch = stretchEndedAt - r.startedAt;
  }
  if (earlierMs === null) {
    const known = Math.max(stretch ?? 0, epochsMs ?? 0);
    return { durationMs: stretch === null && epochsMs === null ? null : known, durationPartial: true };
  }
  if (stretch === null) return { durationMs: earlierMs > 0 ? earlierMs : null, durationPartial: false };
  return { durationMs: earlierMs + stretch, durationPartial: false };
}

/** A run as the API shows it; datasetHash is its dataset's registered content hash. */
export function runRow(r: RunRecord, datasetHash: string | null, now = Date.now()): RunRow {
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
    trainedOn: r.trainedOn,
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
    ...runDuration(r, now),
    sweep: r.sweep,
    archivedAt: r.archivedAt,
  };
}

export function evaluationSummary(e: EvaluationRecord): EvaluationSummary {
  return { id: e.id, runId: e.runId, checkpointId: e.checkpointId, split: 'test', accuracy: e.accuracy, loss: finite(e.loss), count: e.count, createdAt: e.createdAt };
}

export function datasetRow(d: DatasetRecord): DatasetRow {
  return { id: d.id, name: d.name, source: d.source, hash: d.contentHash, trainCount: d.trainSize, testCount: d.testSize, classNames: d.classNames, createdAt: d.createdAt };
}

export function predictionRow(p: PredictionRecord): PredictionRow {
  return { index: p.imageIndex, label: p.label, predicted: p.predicted, confidence: p.confidence, probabilities: Array.from(p.probabilities) };
}
