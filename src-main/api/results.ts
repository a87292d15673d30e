// What runs produced: metrics, checkpoints, evaluations (a run's result is its last checkpoint's
// test evaluation; older checkpoints can be evaluated too, without replacing it), predictions,
// and the comparison of runs.

import { ApiError } from '../../src-shared/errors';
import { epochRow, type Comparison, type EvaluationDetail, type FinalMetrics } from '../../src-shared/contract';
import { configDiff, confusionDifference, misclassifiedSets, perClassMetrics } from '../../src-shared/metrics';
import type { EvaluationRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { evaluationSummary, finite, predictionRow } from './rows';

export function resultMethods(ctx: WorkbenchContext): Methods<'getMetrics' | 'listCheckpoints' | 'evaluateCheckpoint' | 'getEvaluation' | 'listPredictions' | 'compareRuns'> {
  const { store, supervisor } = ctx;
  return {
    getMetrics: ({ runIds }) =>
      store.getMetricsOfRuns(runIds).map(({ runId, epochs }) => {
        const s = store.getIterationLosses(runId);
        return { runId, iterations: s.iterations, losses: s.losses, epochs: epochs.map(epochRow) };
      }),

    listCheckpoints: ({ runId }) => store.listCheckpoints(runId),

    evaluateCheckpoint: async ({ checkpointId }) => {
      store.getCheckpoint(checkpointId);
      return evaluationSummary(await supervisor.evaluateCheckpoint(checkpointId));
    },

    getEvaluation: (p) => {
      let e: EvaluationRecord;
      if ('id' in p) e = store.getEvaluation(p.id);
      else {
        store.getRun(p.runId);
        const final = store.finalTestEvaluation(p.runId);
        if (!final) throw new ApiError(`Run ${p.runId} has no test evaluation yet.`);
        e = final;
      }
      const confusion = Array.from(e.confusion);
      const detail: EvaluationDetail = { ...evaluationSummary(e), confusion, perClass: perClassMetrics(confusion) };
      return detail;
    },

    listPredictions: (q) => {
      store.getEvaluation(q.evaluationId);
      const page = store.listPredictions(q.evaluationId, {
        ...(q.label !== undefined ? { label: q.label } : {}),
        ...(q.predicted !== undefined ? { predicted: q.predicted } : {}),
        ...(q.correct !== undefined ? { correct: q.correct } : {}),
        order: q.sort === 'confidence-asc' ? 'asc' : 'desc',
        offset: q.offset,
        limit: q.limit,
      });
      return { total: page.total, rows: page.items.map(predictionRow) };
    },

    compareRuns: ({ runIds }) => {
      const records = runIds.map((id) => store.getRun(id));
      const rows = records.map(ctx.row);
      const metrics = store.getMetricsOfRuns(runIds);
      const evals = runIds.map((id) => store.finalTestEvaluation(id));
      const finals: FinalMetrics[] = records.map((r, i) => {
        const last = metrics[i].epochs.at(-1);
        const ev = evals[i];
        return {
          runId: r.id,
          epochsDone: r.progress.epoch,
          trainAccuracy: last ? finite(last.trainAccuracy) : null,
          valAccuracy: last ? finite(last.valAccuracy) : null,
          valLoss: last ? finite(last.valLoss) : null,
          bestValAccuracy: r.bestValAccuracy,
          testAccuracy: ev?.accuracy ?? null,
          testLoss: ev ? finite(ev.loss) : null,
          evaluationId: ev?.id ?? null,
          durationMs: rows[i].durationMs,
        };
      });
      const [ea, eb] = evals;
      const sameTestSet = records[0].datasetId === records[1].datasetId;
      const out: Comparison = {
        runs: rows,
        configDiff: configDiff(records.map((r) => r.config as unknown as Record<string, unknown>)),
        finals,
        pair:
          ea && eb && sameTestSet
            ? {
                evaluationA: ea.id,
                evaluationB: eb.id,
                confusionDiff: confusionDifference(ea.confusion, eb.confusion),
                misclassified: misclassifiedSets(store.misclassifiedIndices(ea.id), store.misclassifiedIndices(eb.id)),
              }
            : null,
      };
      return out;
    },
  };
}
