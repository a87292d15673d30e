// The Timeline tab's state: which split, the epoch the scrubber shows, the images listed below it
// (a confusion cell at an epoch, or the images that flipped between two epochs) and the image
// whose history is open.
import { computed, ref, shallowRef, watch } from 'vue';
import type { ImageHistoryRow, TimelineSplit } from '@shared/contract';
import { api } from '../api';
import { messageOf } from './async';
import { loadDigits, type Digit } from './digits';
import { useRunTimeline } from './insight';

/** Images shown at once under the scrubber. */
export const SHOWN = 60;

export type FlipKind = 'rightToWrong' | 'wrongToRight';

export function useTimelineTab(runId: () => number) {
  const split = ref<TimelineSplit>('validation');
  const timeline = useRunTimeline(runId, () => split.value);
  const t = computed(() => timeline.data.value);
  const epoch = ref<number | null>(null);
  const cell = ref<{ epoch: number; label: number; predicted: number } | null>(null);
  const mode = ref<'cell' | 'flips'>('cell');
  const flip = ref<{ from: number | null; to: number | null; kind: FlipKind }>({ from: null, to: null, kind: 'rightToWrong' });
  const items = shallowRef<{ index: number; caption: string }[]>([]);
  const total = ref(0);
  const digits = shallowRef(new Map<number, Digit>());
  const listError = ref<string | null>(null);
  const loading = ref(false);
  const picked = ref<number | null>(null);
  const history = shallowRef<ImageHistoryRow | null>(null);
  const historyError = ref<string | null>(null);
  let seq = 0;

  watch(split, () => {
    cell.value = null;
    picked.value = null;
    history.value = null;
    items.value = [];
    total.value = 0;
  });
  // The flip range defaults to the first and last recorded epochs.
  watch(() => t.value?.epochs.join(','), () => {
    const e = t.value?.epochs ?? [];
    if (flip.value.from === null || !e.includes(flip.value.from)) flip.value.from = e[0] ?? null;
    if (flip.value.to === null || !e.includes(flip.value.to)) flip.value.to = e[e.length - 1] ?? null;
  });

  async function list(): Promise<void> {
    const tl = t.value;
    if (!tl) return;
    const mine = ++seq;
    loading.value = true;
    try {
      const names = tl.classNames;
      let rows: { index: number; caption: string }[] = [];
      if (mode.value === 'cell') {
        const c = cell.value;
        if (!c) {
          rows = [];
          total.value = 0;
        } else {
          const page = await api.listTimelineImages({ runId: runId(), split: split.value, epoch: c.epoch, label: c.label, predicted: c.predicted, limit: SHOWN });
          total.value = page.total;
          rows = page.rows.map((r) => ({ index: r.index, caption: `${names[r.label]} → ${names[r.predicted]}` }));
        }
      } else {
        const { from, to, kind } = flip.value;
        if (from === null || to === null || from === to) {
          rows = [];
          total.value = 0;
        } else {
          const f = await api.getFlips({ split: split.value, before: { runId: runId(), epoch: from }, after: { runId: runId(), epoch: to } });
          total.value = f[kind].length;
          rows = f[kind].slice(0, SHOWN).map((index) => ({ index, caption: kind === 'rightToWrong' ? 'right → wrong' : 'wrong → right' }));
        }
      }
      const d = rows.length ? await loadDigits(tl.images.dataset, rows.map((r) => r.index), tl.images.split) : new Map<number, Digit>();
      if (mine !== seq) return;
      items.value = rows;
      digits.value = d;
      listError.value = null;
    } catch (e) {
      if (mine === seq) listError.value = messageOf(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  watch(() => [mode.value, cell.value, flip.value.from, flip.value.to, flip.value.kind, t.value?.runId, t.value?.split], () => void list());

  async function pick(index: number): Promise<void> {
    picked.value = index;
    try {
      history.value = await api.getImageHistory({ runId: runId(), split: split.value, index });
      historyError.value = null;
      const tl = t.value;
      if (tl && !digits.value.has(index)) digits.value = new Map([...digits.value, ...(await loadDigits(tl.images.dataset, [index], tl.images.split))]);
    } catch (e) {
      historyError.value = messageOf(e);
    }
  }
  // A new epoch changes the history of the open image too.
  watch(() => t.value?.epochs.length, () => {
    if (picked.value !== null) void pick(picked.value);
  });

  function selectCell(c: { epoch: number; label: number; predicted: number }): void {
    mode.value = 'cell';
    cell.value = c;
  }

  return { split, timeline, t, epoch, cell, mode, flip, items, total, digits, listError, loading, picked, history, historyError, pick, selectCell };
}
