// What runs produced: metrics, checkpoints, evaluations (a run's result is its last checkpoint's
// test evaluation; older checkpoints can be evaluated too, without replacing it), predictions,
// and the comparison of runs.

import { ApiError } from '../../src-shared/errors';
import { epochRow, type Comparison, type EvaluationDetail, type EvaluationListRow, type FinalMetrics } from '../../src-shared/contract';
import { configDiff, confusionDifference, misclassifiedSets, perClassMetrics } from '../../src-shared/metrics';
import type { EvaluationRecord, RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { evaluationSummary, finite, predictionRow } from './rows';

/** Each run's final metrics: its last epoch's, its best validation accuracy and its result (the last checkpoint's test evaluation). */
export function finalMetrics(ctx: WorkbenchContext, records: readonly RunRecord[]): { finals: FinalMetrics[]; evaluations: (EvaluationRecord | null)[] } {
  const { store } = ctx;
  const metrics = store.getMetricsOfRuns(records.map((r) => r.id));
  const evaluations = records.map((r) => store.finalTestEvaluation(r.id));
  const finals = records.map((r, i): FinalMetrics => {
    const last = metrics[i].epochs.at(-1);
    const ev = evaluations[i];
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
      durationMs: ctx.row(r).durationMs,
    };
  });
  return { finals, evaluations };
}

export function resultMethods(ctx: WorkbenchContext): Methods<'getMetrics' | 'listCheckpoints' | 'evaluateCheckpoint' | 'listEvaluations' | 'getEvaluation' | 'listPredictions' | 'compareRuns'> {
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

    listEvaluations: ({ runId }) => {
      const places = new Map(store.listCheckpoints(runId).map((c) => [c.id, c]));
      const result = store.finalTestEvaluation(runId);
      return store
        .listEvaluations(runId)
        .filter((e) => e.split === 'test')
        .map((e): EvaluationListRow => {
          const cp = places.get(e.checkpointId);
          return { ...evaluationSummary(e), epoch: cp?.epoch ?? 0, iteration: cp?.iteration ?? 0, isResult: e.id === result?.id };
        });
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
      const { finals, evaluations: evals } = finalMetrics(ctx, records);
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
