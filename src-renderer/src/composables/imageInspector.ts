// One test image picked in a gallery: its predicted class at each recorded epoch (the run's
// test timeline) and its saliency under the checkpoint the gallery's evaluation is of (true −
// predicted for a mistake, the predicted class otherwise).
import { ref, shallowRef, watch } from 'vue';
import type { ImageHistoryRow, SaliencyRow } from '@shared/contract';
import { api } from '../api';
import { messageOf } from './async';

export function useImageInspector(runId: () => number, checkpointId: () => number | null, index: () => number | null) {
  const history = shallowRef<ImageHistoryRow | null>(null);
  const saliency = shallowRef<SaliencyRow | null>(null);
  const target = ref<number | null>(null);
  const versus = ref<number | null>(null);
  const error = ref<string | null>(null);
  let seq = 0;

  async function loadSaliency(): Promise<void> {
    const cp = checkpointId(), i = index();
    if (cp === null || i === null) return;
    const mine = ++seq;
    try {
      const s = await api.saliency({ checkpointId: cp, image: { split: 'test', index: i }, ...(target.value !== null ? { target: target.value } : {}), ...(versus.value !== null ? { versus: versus.value } : {}) });
      if (mine === seq) saliency.value = s;
    } catch (e) {
      if (mine === seq) error.value = messageOf(e);
    }
  }

  watch(() => [runId(), checkpointId(), index()], async () => {
    const i = index(), cp = checkpointId();
    history.value = null;
    saliency.value = null;
    error.value = null;
    if (i === null) return;
    try {
      history.value = await api.getImageHistory({ runId: runId(), split: 'test', index: i });
      // A mistake: where ink would have moved the decision from the predicted class to the true one.
      const first = cp === null ? null : await api.saliency({ checkpointId: cp, image: { split: 'test', index: i } });
      if (first && first.label !== null && first.label !== first.predicted) {
        target.value = first.label;
        versus.value = first.predicted;
      } else {
        target.value = null;
        versus.value = null;
        saliency.value = first;
      }
    } catch (e) {
      error.value = messageOf(e);
    }
  }, { immediate: true });
  watch([target, versus], () => void loadSaliency());

  return { history, saliency, target, versus, error };
}
