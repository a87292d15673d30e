// Sweeps as groups: the list of sweeps and one sweep with its runs' final metrics, kept up to date
// while its runs train (refetched on the host's run events, throttled).
import { onBeforeUnmount, watch } from 'vue';
import type { SweepDetail, SweepRow } from '@shared/contract';
import { api } from '../api';
import { useAsync } from './async';
import { throttle, useEvent } from './liveEvents';

export function useSweepList() {
  const sweeps = useAsync<SweepRow[]>(() => api.listSweeps(undefined));
  void sweeps.run();
  const refresh = throttle(() => void sweeps.run({ quiet: true }), 1000);
  onBeforeUnmount(() => refresh.cancel());
  useEvent('runStatus', refresh);
  useEvent('runChanged', refresh);
  return sweeps;
}

export function useSweep(id: () => number) {
  const sweep = useAsync<SweepDetail>(() => api.getSweep({ id: id() }));
  watch(id, () => void sweep.run(), { immediate: true });
  const refresh = throttle(() => void sweep.run({ quiet: true }), 1000);
  onBeforeUnmount(() => refresh.cancel());
  const mine = (runId: number) => !!sweep.data.value?.runs.some((r) => r.run.id === runId);
  useEvent('runStatus', (s) => mine(s.runId) && refresh());
  useEvent('runEpoch', (e) => mine(e.runId) && refresh());
  useEvent('runChanged', (c) => mine(c.runId) && refresh());
  return sweep;
}
