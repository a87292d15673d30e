// Everything the run detail page shows about one run, kept live while it trains: the run row,
// its metrics, checkpoints, its test evaluations and the one shown (the run's result unless the
// Test tab's picker chose another), refreshed on the host's events (throttled, so a training run
// never floods the page) and the actions on it.
import { computed, onBeforeUnmount, watch } from 'vue';
import type { CheckpointRow, EvaluationDetail, EvaluationListRow, RunMetrics, RunRow } from '@shared/contract';
import { api } from '../api';
import { useAsync } from './async';
import { throttle, useEvent } from './liveEvents';
import { useLiveStore } from '../stores/live';
import { useDatasetsStore } from '../stores/datasets';

/** `evaluationId`: the evaluation the picker chose (the URL's ev), or null for the run's result. */
export function useRunDetail(id: () => number, evaluationId: () => number | null = () => null) {
  const live = useLiveStore();
  const datasets = useDatasetsStore();
  const run = useAsync<RunRow>(() => api.getRun({ id: id() }));
  const metrics = useAsync<RunMetrics>(async () => (await api.getMetrics({ runIds: [id()] }))[0]);
  const checkpoints = useAsync<CheckpointRow[]>(() => api.listCheckpoints({ runId: id() }));
  const evaluations = useAsync<EvaluationListRow[]>(() => api.listEvaluations({ runId: id() }));
  // The chosen evaluation, else the run's result, else (a run stopped before its end) its latest
  // evaluation; a run with none has nothing to fetch: null, not an error.
  const evaluation = useAsync<EvaluationDetail | null>(async () => {
    const chosen = evaluationId();
    if (chosen !== null) {
      const e = await api.getEvaluation({ id: chosen });
      if (e.runId !== id()) throw new Error(`Evaluation #${chosen} belongs to run #${e.runId}, not to this run.`);
      return e;
    }
    if (run.data.value?.testAccuracy !== null && run.data.value?.id === id()) return api.getEvaluation({ runId: id() });
    const latest = (await api.listEvaluations({ runId: id() })).at(-1);
    return latest ? api.getEvaluation({ id: latest.id }) : null;
  });

  // The dataset list (once per session) comes before the rest: the evaluation, the gallery and the
  // checkpoints are shown with the dataset's class names and iterations per epoch, and arriving
  // first they showed digits and bare iterations for a moment on a dataset with class names.
  async function loadAll(): Promise<void> {
    await Promise.all([run.run(), datasets.load()]);
    await Promise.all([metrics.run(), checkpoints.run(), evaluations.run(), evaluation.run()]);
  }
  watch(id, () => void loadAll(), { immediate: true });
  watch(evaluationId, () => void evaluation.run());

  const progress = computed(() => live.progress.get(id()) ?? null);
  const refreshMetrics = throttle(() => void metrics.run({ quiet: true }), 2500);
  const refreshRun = throttle(async () => {
    await run.run({ quiet: true });
    await Promise.all([checkpoints.run({ quiet: true }), evaluations.run({ quiet: true }), evaluation.run({ quiet: true }), metrics.run({ quiet: true })]);
  }, 500);
  onBeforeUnmount(() => {
    refreshMetrics.cancel();
    refreshRun.cancel();
  });

  useEvent('runProgress', (p) => {
    if (p.runId === id()) refreshMetrics();
  });
  useEvent('runEpoch', (e) => {
    if (e.runId === id()) refreshRun();
  });
  useEvent('runStatus', (s) => {
    if (s.runId === id()) refreshRun();
  });
  useEvent('runChanged', (c) => {
    if (c.runId === id()) refreshRun();
  });

  const actions = {
    stop: () => api.stopRun({ id: id() }).then(() => refreshRun()),
    resume: (checkpointId?: number) => api.resumeRun(checkpointId === undefined ? { id: id() } : { id: id(), checkpointId }),
    /** Evaluates a checkpoint; the page then shows the new evaluation (it never replaces the run's result). */
    evaluate: async (checkpointId: number) => {
      const ev = await api.evaluateCheckpoint({ checkpointId });
      await evaluations.run({ quiet: true });
      return ev;
    },
    setArchived: (archived: boolean) => api.setArchived({ id: id(), archived }).then((r) => (run.data.value = r)),
    exportRun: (format: 'json' | 'csv') => api.exportRun({ id: id(), format }),
    exportCheckpoint: (checkpointId: number) => api.exportCheckpoint({ id: checkpointId }),
    exportOnnx: (checkpointId: number) => api.exportOnnx({ checkpointId }),
  };

  return { run, metrics, checkpoints, evaluations, evaluation, progress, loadAll, ...actions };
}
