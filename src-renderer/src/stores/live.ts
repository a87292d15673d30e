// Live progress of running runs, fed by the host's events and shared by every view (the runs
// table's progress bars, the detail page's bars). One subscription for the whole app.
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { api } from '../api';
import type { EventMap } from '@shared/contract';

export type Progress = EventMap['runProgress'];

export const useLiveStore = defineStore('live', () => {
  const progress = reactive(new Map<number, Progress>());
  let started = false;

  function start(): void {
    if (started) return;
    started = true;
    api.on('runProgress', (p) => {
      progress.set(p.runId, p);
    });
    api.on('runStatus', (s) => {
      if (s.status !== 'running') progress.delete(s.runId);
    });
  }

  return { progress, start };
});
