// The Layers tab's state: the checkpoint and image traced, the unit whose computation is shown,
// the unit whose top-activating test images are listed, and the saliency of the traced image.
// The checkpoint and image live in the URL (?cp=…&image=…), so a gallery or a top-activating image
// can open here.
import { computed, ref, shallowRef, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { CheckpointRow, LayerTraceRow, SaliencyRow, TopActivatingRow, UnitExplanation } from '@shared/contract';
import { api } from '../api';
import { messageOf, useAsync } from './async';
import { loadDigits, type Digit } from './digits';

export type UnitPick = { layer: 'c1' | 'c3'; channel: number; y: number; x: number } | { layer: 'c5' | 'f6' | 'out'; unit: number };
export type TopLayer = 'c1' | 'c3' | 'c5' | 'f6';

export function useLayersTab(runId: () => number, checkpoints: () => CheckpointRow[]) {
  const route = useRoute();
  const router = useRouter();
  const queryInt = (k: string): number | null => {
    const v = route.query[k];
    return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
  };
  const checkpointId = computed(() => {
    const list = checkpoints();
    const q = queryInt('cp');
    return list.some((c) => c.id === q) ? q : list.at(-1)?.id ?? null;
  });
  const imageIndex = computed(() => queryInt('image') ?? 0);
  const set = (q: Record<string, string>) => void router.replace({ query: { ...route.query, ...q } });
  const setCheckpoint = (id: number) => set({ cp: String(id) });
  const setImage = (i: number) => set({ image: String(i) });

  const trace = useAsync<LayerTraceRow | null>(async () => {
    const cp = checkpointId.value;
    return cp === null ? null : api.traceImage({ checkpointId: cp, image: { split: 'test', index: imageIndex.value } });
  });
  watch(() => [checkpointId.value, imageIndex.value, runId()], () => void trace.run(), { immediate: true });

  const unit = ref<UnitPick | null>(null);
  const explanation = shallowRef<UnitExplanation | null>(null);
  const explainError = ref<string | null>(null);
  async function explain(): Promise<void> {
    const cp = checkpointId.value, u = unit.value;
    if (cp === null || u === null) {
      explanation.value = null;
      return;
    }
    try {
      explanation.value = await api.explainUnit({ checkpointId: cp, image: { split: 'test', index: imageIndex.value }, ...u });
      explainError.value = null;
    } catch (e) {
      explainError.value = messageOf(e);
    }
  }
  watch(() => [unit.value, checkpointId.value, imageIndex.value], () => void explain());

  const top = ref<{ layer: TopLayer; unit: number }>({ layer: 'c3', unit: 0 });
  const topRows = useAsync<TopActivatingRow | null>(async () => {
    const cp = checkpointId.value;
    return cp === null ? null : api.topActivating({ checkpointId: cp, layer: top.value.layer, unit: top.value.unit, k: 16 });
  });
  const topDigits = shallowRef(new Map<number, Digit>());
  watch(() => [checkpointId.value, top.value.layer, top.value.unit], async () => {
    await topRows.run();
    const r = topRows.data.value;
    topDigits.value = r ? await loadDigits(r.dataset, r.images.map((x) => x.index)) : new Map();
  }, { immediate: true });

  /** A clicked unit: explained, and (C1/C3 maps, C5/F6 units) listed with its top-activating images. */
  function pickUnit(u: UnitPick): void {
    unit.value = u;
    if (u.layer !== 'out') top.value = { layer: u.layer, unit: 'channel' in u ? u.channel : u.unit };
  }

  const saliencyTarget = ref<number | null>(null);
  const saliencyVersus = ref<number | null>(null);
  const saliency = useAsync<SaliencyRow | null>(async () => {
    const cp = checkpointId.value;
    if (cp === null) return null;
    return api.saliency({
      checkpointId: cp, image: { split: 'test', index: imageIndex.value },
      ...(saliencyTarget.value !== null ? { target: saliencyTarget.value } : {}),
      ...(saliencyVersus.value !== null ? { versus: saliencyVersus.value } : {}),
    });
  });
  watch(() => [checkpointId.value, imageIndex.value], () => {
    saliencyTarget.value = null;
    saliencyVersus.value = null;
  });
  watch(() => [checkpointId.value, imageIndex.value, saliencyTarget.value, saliencyVersus.value], () => void saliency.run(), { immediate: true });

  return {
    checkpointId, imageIndex, setCheckpoint, setImage, trace, unit, explanation, explainError, pickUnit, top, topRows, topDigits,
    saliencyTarget, saliencyVersus, saliency,
  };
}
