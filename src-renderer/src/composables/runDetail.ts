// Everything the run detail page shows about one run, kept live while it trains: the run row,
// its metrics, checkpoints and latest test evaluation, refreshed on the host's events (throttled,
// so a training run never floods the page) and the actions on it.
import { computed, onBeforeUnmount, watch } from 'vue';
import type { CheckpointRow, EvaluationDetail, RunMetrics, RunRow } from '@shared/contract';
import { api } from '../api';
import { useAsync } from './async';
import { throttle, useEvent } from './liveEvents';
import { useLiveStore } from '../stores/live';

export function useRunDetail(id: () => number) {
  const live = useLiveStore();
  const run = useAsync<RunRow>(() => api.getRun({ id: id() }));
  const metrics = useAsync<RunMetrics>(async () => (await api.getMetrics({ runIds: [id()] }))[0]);
  const checkpoints = useAsync<CheckpointRow[]>(() => api.listCheckpoints({ runId: id() }));
  // A run without a test evaluation yet has none to fetch: null, not an error.
  const evaluation = useAsync<EvaluationDetail | null>(async () => (run.data.value && run.data.value.testAccuracy === null ? null : api.getEvaluation({ runId: id() })));

  async function loadAll(): Promise<void> {
    await run.run();
    await Promise.all([metrics.run(), checkpoints.run(), evaluation.run()]);
  }
  watch(id, () => void loadAll(), { immediate: true });

  const progress = computed(() => live.progress.get(id()) ?? null);
  const refreshMetrics = throttle(() => void metrics.run({ quiet: true }), 2500);
  const refreshRun = throttle(async () => {
    await run.run({ quiet: true });
    await Promise.all([checkpoints.run({ quiet: true }), evaluation.run({ quiet: true }), metrics.run({ quiet: true })]);
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
    evaluate: async (checkpointId: number) => {
      const ev = await api.evaluateCheckpoint({ checkpointId });
      evaluation.data.value = await api.getEvaluation({ id: ev.id });
      return ev;
    },
    exportRun: (format: 'json' | 'csv') => api.exportRun({ id: id(), format }),
    exportCheckpoint: (checkpointId: number) => api.exportCheckpoint({ id: checkpointId }),
    exportOnnx: (checkpointId: number) => api.exportOnnx({ checkpointId }),
  };

  return { run, metrics, checkpoints, evaluation, progress, loadAll, ...actions };
}
