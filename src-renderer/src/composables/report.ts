// The Report page's data: the report's claims from the recorded runs (getReport), kept live while
// its runs train (refetched on the host's run events, throttled), and queueing the runs its plan
// still needs.
import { computed, onBeforeUnmount, reactive, watch } from 'vue';
import type { ReportView, RunRow } from '@shared/contract';
import { api } from '../api';
import { useAsync } from './async';
import { throttle, useEvent } from './liveEvents';

export interface ReportPlan {
  seeds: number;
  /** Epochs per run for a quick look; null: the presets' own (the report's). */
  epochs: number | null;
}

export function useReport() {
  const plan = reactive<ReportPlan>({ seeds: 3, epochs: null });
  const params = () => ({ seeds: plan.seeds, ...(plan.epochs !== null ? { epochs: plan.epochs } : {}) });
  // Each view keeps the plan it was computed for. A changed plan is fetched quietly (the controls
  // stay on screen), so for a moment the page still shows the previous plan's runs: `current` says
  // whether it shows this plan's, and queueing waits for it (else the confirmation could count the
  // old plan's runs and epochs while the queue followed the new plan).
  const report = useAsync<{ view: ReportView; plan: string }>(async () => {
    const p = params();
    return { view: await api.getReport(p), plan: JSON.stringify(p) };
  });
  const view = computed(() => report.data.value?.view ?? null);
  const current = computed(() => report.data.value?.plan === JSON.stringify(params()));
  watch(plan, () => void report.run({ quiet: true }), { immediate: true });
  const refresh = throttle(() => void report.run({ quiet: true }), 2000);
  onBeforeUnmount(() => refresh.cancel());
  useEvent('runEpoch', refresh);
  useEvent('runStatus', refresh);
  useEvent('runChanged', refresh);

  /** Queues what a plan still needs: the report's runs, or the improved-vs-original table's. */
  async function queueMissing(set: 'report' | 'ablation' = 'report'): Promise<RunRow[]> {
    const rows = await api.queueReportRuns({ ...params(), set });
    await report.run({ quiet: true });
    return rows;
  }

  return { plan, report, view, current, queueMissing };
}
