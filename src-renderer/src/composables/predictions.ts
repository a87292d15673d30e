// The misclassified gallery's state: filters (true class, predicted class, wrong only), sort by
// confidence, paging; fetches a page of predictions and then their digits.
import { reactive, ref, shallowRef, watch } from 'vue';
import type { PredictionQuery, PredictionRow, PredictionSort } from '@shared/contract';
import { topK } from '@shared/ui/chartData';
import { className } from '@shared/ui/classes';
import { formatProbability } from '@shared/ui/format';
import { api } from '../api';
import { messageOf } from './async';
import { loadDigits, type Digit, type GalleryItem } from './digits';

export const GALLERY_PAGE = 48;

/** A prediction's card: "true → predicted" by class name, its confidence, and the three most probable classes. */
export function galleryItem(p: PredictionRow, names: readonly string[]): GalleryItem {
  const name = (i: number) => className(names, i);
  const chips = topK(p.probabilities, 3).map((t) => ({ label: `class ${name(t.label)}, probability ${formatProbability(t.p)}`, text: `${name(t.label)}: ${formatProbability(t.p)}` }));
  return { index: p.index, title: `${name(p.label)} → ${name(p.predicted)}`, lines: [`confidence ${formatProbability(p.confidence)}`], chips };
}

export function usePredictions(evaluationId: () => number | null, dataset: () => string) {
  const filter = reactive({ label: null as number | null, predicted: null as number | null, wrongOnly: true, sort: 'confidence-desc' as PredictionSort, page: 0 });
  const rows = shallowRef<PredictionRow[]>([]);
  const digits = shallowRef(new Map<number, Digit>());
  const total = ref(0);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let seq = 0;

  async function fetch(): Promise<void> {
    const ev = evaluationId();
    if (ev === null) return;
    const mine = ++seq;
    loading.value = true;
    try {
      const q: PredictionQuery = { evaluationId: ev, sort: filter.sort, offset: filter.page * GALLERY_PAGE, limit: GALLERY_PAGE };
      if (filter.label !== null) q.label = filter.label;
      if (filter.predicted !== null) q.predicted = filter.predicted;
      if (filter.wrongOnly) q.correct = false;
      const r = await api.listPredictions(q);
      const d = r.rows.length ? await loadDigits(dataset(), r.rows.map((x) => x.index)) : new Map<number, Digit>();
      if (mine !== seq) return;
      rows.value = r.rows;
      total.value = r.total;
      digits.value = d;
      error.value = null;
    } catch (e) {
      if (mine === seq) error.value = messageOf(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  watch(() => [filter.label, filter.predicted, filter.wrongOnly, filter.sort], () => {
    filter.page = 0;
    void fetch();
  });
  watch(() => filter.page, () => void fetch());
  watch(evaluationId, () => void fetch(), { immediate: true });

  /** Show the digits of one confusion cell (a diagonal cell shows the correct ones); null = any. */
  function showCell(label: number | null, predicted: number | null): void {
    filter.label = label;
    filter.predicted = predicted;
    filter.wrongOnly = label === null || predicted === null || label !== predicted;
  }

  return { filter, rows, digits, total, loading, error, fetch, showCell };
}
