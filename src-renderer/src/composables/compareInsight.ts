// Compare, looking inside: the first two runs' per-epoch timelines side by side at any epoch both
// recorded (each confusion matrix and A − B, and the images right in one and wrong in the other),
// and every compared run's training health as one series per run.
import { computed, ref, shallowRef, watch } from 'vue';
import type { FlipSets, RunHealth, RunTimeline, TimelineSplit } from '@shared/contract';
import { confusionDelta } from '@shared/insight/timeline';
import { api } from '../api';
import { messageOf } from './async';
import { loadDigits, type Digit } from './digits';

export function useCompareInsight(ids: () => number[]) {
  const split = ref<TimelineSplit>('validation');
  const timelines = shallowRef<[RunTimeline, RunTimeline] | null>(null);
  const health = shallowRef<RunHealth[] | null>(null);
  const epoch = ref<number | null>(null);
  const flips = shallowRef<FlipSets | null>(null);
  const flipDigits = shallowRef(new Map<number, Digit>());
  const error = ref<string | null>(null);

  watch(() => [ids().join(','), split.value], async () => {
    const [a, b] = ids();
    timelines.value = null;
    if (a === undefined || b === undefined) return;
    try {
      timelines.value = await Promise.all([api.getTimeline({ runId: a, split: split.value }), api.getTimeline({ runId: b, split: split.value })]);
      error.value = null;
    } catch (e) {
      error.value = messageOf(e);
    }
  }, { immediate: true });
  watch(() => ids().join(','), async () => {
    try {
      health.value = await Promise.all(ids().map((runId) => api.getHealth({ runId })));
    } catch (e) {
      error.value = messageOf(e);
    }
  }, { immediate: true });

  /** Epochs both runs recorded; the same images (same dataset and validation split) or none. */
  const common = computed(() => {
    const t = timelines.value;
    if (!t) return [];
    const [a, b] = t;
    if (a.images.dataset !== b.images.dataset || a.images.first !== b.images.first || a.images.count !== b.images.count) return [];
    return a.epochs.filter((e) => b.epochs.includes(e));
  });
  watch(common, (c) => {
    if (epoch.value === null || !c.includes(epoch.value)) epoch.value = c.at(-1) ?? null;
  });
  const at = computed(() => {
    const t = timelines.value, e = epoch.value;
    if (!t || e === null) return null;
    const ca = t[0].confusions[t[0].epochs.indexOf(e)], cb = t[1].confusions[t[1].epochs.indexOf(e)];
    if (!ca || !cb) return null;
    return { a: ca, b: cb, delta: confusionDelta(ca, cb), accA: t[0].accuracy[t[0].epochs.indexOf(e)], accB: t[1].accuracy[t[1].epochs.indexOf(e)] };
  });
  watch(() => [epoch.value, timelines.value], async () => {
    const [a, b] = ids(), e = epoch.value, t = timelines.value;
    flips.value = null;
    if (a === undefined || b === undefined || e === null || !t) return;
    try {
      const f = await api.getFlips({ split: split.value, before: { runId: a, epoch: e }, after: { runId: b, epoch: e } });
      flipDigits.value = await loadDigits(f.images.dataset, [...f.rightToWrong.slice(0, 30), ...f.wrongToRight.slice(0, 30)], f.images.split);
      flips.value = f;
    } catch (err) {
      error.value = messageOf(err);
    }
  });

  return { split, timelines, health, epoch, common, at, flips, flipDigits, error };
}
