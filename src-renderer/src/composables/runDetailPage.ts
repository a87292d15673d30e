// The run detail page's behaviour around the data of useRunDetail: tabs in the URL, the actions
// with their busy and error states, export file names, the ticking elapsed time, iterations per
// epoch for the chart axes and checkpoint labels, and the confusion cell picked for the gallery.
import { computed, onBeforeUnmount, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { RESUMABLE_STATUSES, type CheckpointRow } from '@shared/contract';
import { exportFileName, runFileBase } from '@shared/ui/exportNames';
import { liveDurationMs } from '@shared/ui/format';
import { useRunDetail } from './runDetail';
import { messageOf } from './async';
import { downloadBlob } from './download';
import { useAnnouncer } from '../stores/announcer';
import { useDatasetsStore } from '../stores/datasets';

export const DETAIL_TABS = [
  { id: 'training', label: 'Training' },
  { id: 'test', label: 'Test results' },
  { id: 'health', label: 'Health' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'layers', label: 'Layers' },
  { id: 'config', label: 'Config & checkpoints' },
] as const;
export type DetailTab = (typeof DETAIL_TABS)[number]['id'];
export type Cell = { label: number | null; predicted: number | null };

export function useRunDetailPage(id: () => number) {
  const route = useRoute();
  const router = useRouter();
  const announcer = useAnnouncer();
  const datasets = useDatasetsStore();
  // The evaluation the Test tab's picker shows: ?ev=<id> in the address, else the run's result.
  const chosenEvaluation = computed(() => (typeof route.query.ev === 'string' && /^\d{1,15}$/.test(route.query.ev) ? Number(route.query.ev) : null));
  const d = useRunDetail(id, () => chosenEvaluation.value);
  const run = computed(() => d.run.data.value);
  // A run that does not exist (a stale link, a deleted run): retrying cannot help, so offer the way back.
  const missing = computed(() => !run.value && /^No run with id \d+\.$/.test(d.run.error.value ?? ''));
  const tab = computed<DetailTab>(() => (DETAIL_TABS.some((t) => t.id === route.query.tab) ? (route.query.tab as DetailTab) : 'training'));
  const setTab = (t: string) => void router.replace({ query: { ...route.query, tab: t } });
  /** Shows an evaluation on the Test tab (null: the run's result). */
  function showEvaluation(evId: number | null): void {
    const rest = Object.fromEntries(Object.entries(route.query).filter(([k]) => k !== 'ev'));
    void router.replace({ query: { ...rest, tab: 'test', ...(evId === null ? {} : { ev: String(evId) }) } });
  }
  const classes = computed(() => datasets.words(run.value?.config.dataset ?? ''));
  const cell = ref<Cell | null>(null);
  const busy = ref(false);
  const actionError = ref<string | null>(null);
  const fileBase = computed(() => runFileBase({ id: id(), name: run.value?.name ?? '' }));
  const canResume = computed(() => !!run.value && RESUMABLE_STATUSES.includes(run.value.status));
  const running = computed(() => run.value?.status === 'running');
  const itersPerEpoch = computed(() => (run.value ? datasets.itersPerEpoch(run.value) : null));

  // The header's elapsed time: the API's duration plus the time since it was fetched, every second.
  const fetchedAt = ref(Date.now());
  const now = ref(Date.now());
  watch(run, () => (fetchedAt.value = now.value = Date.now()));
  const timer = setInterval(() => {
    if (running.value) now.value = Date.now();
  }, 1000);
  onBeforeUnmount(() => clearInterval(timer));
  const elapsedMs = computed(() => (run.value ? liveDurationMs(run.value.durationMs, running.value, fetchedAt.value, now.value) : null));

  async function act(what: string, fn: () => Promise<unknown>): Promise<void> {
    busy.value = true;
    actionError.value = null;
    try {
      await fn();
    } catch (e) {
      actionError.value = `${what}: ${messageOf(e)}`;
    } finally {
      busy.value = false;
    }
  }
  const stop = () => act('Stop', d.stop);
  const resume = (checkpointId?: number) =>
    act('Resume', async () => {
      const r = await d.resume(checkpointId);
      announcer.announce(r.id !== id() ? `Run #${r.id} “${r.name}” queued from a checkpoint of run #${id()}.` : `Run #${r.id} “${r.name}” resumed.`);
      if (r.id !== id()) void router.push({ name: 'run', params: { id: r.id } });
      else await d.loadAll();
    });
  const evaluate = (checkpointId: number) =>
    act('Evaluate', async () => {
      const ev = await d.evaluate(checkpointId);
      showEvaluation(ev.id);
      announcer.announce(`Checkpoint evaluated: test accuracy ${(ev.accuracy * 100).toFixed(2)}%.`);
    });
  const setArchived = (archived: boolean) =>
    act(archived ? 'Archive' : 'Unarchive', async () => {
      await d.setArchived(archived);
      announcer.announce(archived ? 'Run archived: the runs table hides it unless its filter shows archived runs.' : 'Run back in the runs table.');
    });
  const save = (format: 'json' | 'csv') =>
    act('Export', async () => {
      const f = await d.exportRun(format);
      downloadBlob(exportFileName(fileBase.value, format === 'csv' ? 'epochs' : '', format), f.bytes as BlobPart, f.mime);
    });
  const saveCheckpoint = (c: CheckpointRow) =>
    act('Download', async () => {
      const f = await d.exportCheckpoint(c.id);
      downloadBlob(exportFileName(fileBase.value, `checkpoint iteration ${c.iteration}`, 'lenet-checkpoint'), f.bytes as BlobPart, f.mime);
    });
  const saveOnnx = (c: CheckpointRow) =>
    act('Export ONNX', async () => {
      const f = await d.exportOnnx(c.id);
      downloadBlob(exportFileName(fileBase.value, `epoch ${c.epoch} iteration ${c.iteration}`, 'onnx'), f.bytes as BlobPart, f.mime);
    });
  function pickCell(c: Cell): void {
    cell.value = c;
    document.getElementById('gallery')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  return { d, run, missing, tab, setTab, showEvaluation, chosenEvaluation, classes, cell, busy, actionError, fileBase, canResume, running, itersPerEpoch, elapsedMs, stop, resume, evaluate, setArchived, save, saveCheckpoint, saveOnnx, pickCell };
}
