// The data of the insight views (issue 11): a run's health and diagnoses, its per-epoch
// timelines, refreshed (throttled) as its epochs arrive; and the calls the views make on demand.
import { onBeforeUnmount, watch } from 'vue';
import type { RunHealth, RunTimeline, TimelineSplit } from '@shared/contract';
import { api } from '../api';
import { useAsync, type AsyncState } from './async';
import { throttle, useEvent } from './liveEvents';

/** Refetches `states` (quietly) when the run records an epoch or changes status. */
function refreshOnEpochs(runId: () => number, states: AsyncState<unknown>[]): void {
  const refresh = throttle(() => {
    for (const s of states) void s.run({ quiet: true });
  }, 1500);
  onBeforeUnmount(() => refresh.cancel());
  useEvent('runEpoch', (e) => {
    if (e.runId === runId()) refresh();
  });
  useEvent('runStatus', (e) => {
    if (e.runId === runId()) refresh();
  });
}

export function useRunHealth(runId: () => number): AsyncState<RunHealth> {
  const health = useAsync<RunHealth>(() => api.getHealth({ runId: runId() }));
  watch(runId, () => void health.run(), { immediate: true });
  refreshOnEpochs(runId, [health as AsyncState<unknown>]);
  return health;
}

export function useRunTimeline(runId: () => number, split: () => TimelineSplit): AsyncState<RunTimeline> {
  const timeline = useAsync<RunTimeline>(() => api.getTimeline({ runId: runId(), split: split() }));
  watch(() => [runId(), split()], () => void timeline.run(), { immediate: true });
  refreshOnEpochs(runId, [timeline as AsyncState<unknown>]);
  return timeline;
}
