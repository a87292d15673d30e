// The compare view's data: the API's comparison (config differences, final metrics, A − B
// confusion and misclassified sets), every run's metrics for the overlaid curves, the first two
// runs' evaluations, and their mistakes (for the galleries' captions); colours and file names.
import { computed, shallowRef, watch } from 'vue';
import type { Comparison, EvaluationDetail, PredictionRow, RunMetrics } from '@shared/contract';
import { positionColors } from '@shared/ui/colors';
import { compareFileBase } from '@shared/ui/exportNames';
import { api } from '../api';
import { useAsync } from './async';
import { useTheme } from './theme';
import { useDatasetsStore } from '../stores/datasets';

async function allMistakes(evaluationId: number): Promise<Map<number, PredictionRow>> {
  const out = new Map<number, PredictionRow>();
  for (let offset = 0; ; offset += 1000) {
    const r = await api.listPredictions({ evaluationId, correct: false, offset, limit: 1000 });
    for (const p of r.rows) out.set(p.index, p);
    if (r.rows.length < 1000 || out.size >= r.total) break;
  }
  return out;
}

export function useCompare(ids: () => number[]) {
  const datasets = useDatasetsStore();
  // The comparison comes with the dataset list (once per session): everything shown from it (the
  // matrices, the misclassified sets) is labelled with the class names, and arriving first it
  // showed digits for a moment on a dataset with names.
  const comparison = useAsync<Comparison>(async () => (await Promise.all([api.compareRuns({ runIds: ids() }), datasets.load()]))[0]);
  const metrics = useAsync<RunMetrics[]>(() => api.getMetrics({ runIds: ids() }));
  const evaluations = useAsync<[EvaluationDetail, EvaluationDetail] | null>(async () => {
    const pair = comparison.data.value?.pair;
    if (!pair) return null;
    return Promise.all([api.getEvaluation({ id: pair.evaluationA }), api.getEvaluation({ id: pair.evaluationB })]);
  });
  const mistakes = shallowRef<[Map<number, PredictionRow>, Map<number, PredictionRow>] | null>(null);

  async function load(): Promise<void> {
    mistakes.value = null;
    if (ids().length < 2) return;
    await Promise.all([comparison.run(), metrics.run()]);
    await evaluations.run();
    const pair = comparison.data.value?.pair;
    if (pair) mistakes.value = await Promise.all([allMistakes(pair.evaluationA), allMistakes(pair.evaluationB)]);
  }
  watch(() => ids().join(','), () => void load(), { immediate: true });

  // Colours by position in the comparison (A, B, …), so no two runs of one view look alike.
  const { theme } = useTheme();
  const colors = computed(() => positionColors(ids(), theme.value));
  const fileBase = computed(() => compareFileBase(ids()));
  return { comparison, metrics, evaluations, mistakes, colors, fileBase, load };
}
