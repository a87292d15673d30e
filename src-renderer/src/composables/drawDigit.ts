// Draw a digit: the drawing preprocessed as MNIST was (src-shared/insight/draw), and the class
// probabilities of several chosen checkpoints for it side by side, updated while drawing (one
// request in flight; the latest drawing goes next). A test image can stand in for the drawing.
// The chosen checkpoints live in the URL (?cps=3,7,9).
import { computed, ref, shallowRef, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { CheckpointRow, ProbabilitiesRow, RunRow, SaliencyRow } from '@shared/contract';
import { greyFromRgba, preprocessDrawing } from '@shared/insight/draw';
import { MAX_COMPARED_CHECKPOINTS } from '@shared/insight/params';
import { api } from '../api';
import { messageOf } from './async';

export interface ChosenCheckpoint {
  id: number;
  label: string;
}

export function useDrawDigit() {
  const route = useRoute();
  const router = useRouter();
  const runs = shallowRef<RunRow[]>([]);
  const chosen = shallowRef<ChosenCheckpoint[]>([]);
  const pickRun = ref<number | null>(null);
  const pickCheckpoints = shallowRef<CheckpointRow[]>([]);
  const pickCheckpoint = ref<number | null>(null);
  const source = ref<'draw' | 'test'>('draw');
  const testIndex = ref(0);
  const pixels = shallowRef<Uint8Array | null>(null);
  const emptyReason = ref<string | null>('Nothing is drawn yet: draw a digit.');
  const result = shallowRef<ProbabilitiesRow | null>(null);
  const saliencyOf = ref<number | null>(null);
  const saliency = shallowRef<SaliencyRow | null>(null);
  const error = ref<string | null>(null);
  let inFlight = false;
  let again = false;

  const describe = (r: RunRow, c: CheckpointRow) => `#${r.id} ${r.name} · epoch ${c.epoch}`;

  async function init(): Promise<void> {
    try {
      runs.value = (await api.listRuns({ limit: 100, sort: 'createdAt', order: 'desc' })).rows.filter((r) => r.epochsDone > 0 || r.status === 'completed');
      const q = typeof route.query.cps === 'string' ? route.query.cps.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0) : [];
      const out: ChosenCheckpoint[] = [];
      if (q.length) {
        for (const r of runs.value) {
          for (const c of await api.listCheckpoints({ runId: r.id })) if (q.includes(c.id)) out.push({ id: c.id, label: describe(r, c) });
          if (out.length === q.length) break;
        }
        out.sort((a, b) => q.indexOf(a.id) - q.indexOf(b.id));
      } else {
        // By default the latest checkpoints of the three newest completed runs.
        for (const r of runs.value.filter((x) => x.status === 'completed').slice(0, 3)) {
          const last = (await api.listCheckpoints({ runId: r.id })).at(-1);
          if (last) out.push({ id: last.id, label: describe(r, last) });
        }
      }
      chosen.value = out;
      pickRun.value = runs.value[0]?.id ?? null;
    } catch (e) {
      error.value = messageOf(e);
    }
  }
  void init();

  watch(pickRun, async (id) => {
    pickCheckpoints.value = id === null ? [] : await api.listCheckpoints({ runId: id });
    pickCheckpoint.value = pickCheckpoints.value.at(-1)?.id ?? null;
  });
  watch(chosen, (list) => {
    void router.replace({ query: { ...route.query, cps: list.map((c) => c.id).join(',') } });
    if (saliencyOf.value === null || !list.some((c) => c.id === saliencyOf.value)) saliencyOf.value = list[0]?.id ?? null;
    void predict();
  });

  function add(): void {
    const r = runs.value.find((x) => x.id === pickRun.value);
    const c = pickCheckpoints.value.find((x) => x.id === pickCheckpoint.value);
    if (!r || !c || chosen.value.some((x) => x.id === c.id) || chosen.value.length >= MAX_COMPARED_CHECKPOINTS) return;
    chosen.value = [...chosen.value, { id: c.id, label: describe(r, c) }];
  }
  function remove(id: number): void {
    chosen.value = chosen.value.filter((c) => c.id !== id);
  }

  const image = computed(() => (source.value === 'test' ? { split: 'test' as const, index: testIndex.value } : pixels.value ? { pixels: pixels.value } : null));

  async function predict(): Promise<void> {
    if (inFlight) {
      again = true;
      return;
    }
    const img = image.value;
    const ids = chosen.value.map((c) => c.id);
    if (!img || !ids.length) {
      result.value = null;
      saliency.value = null;
      return;
    }
    inFlight = true;
    try {
      result.value = await api.predictImage({ checkpointIds: ids, image: img });
      saliency.value = saliencyOf.value === null ? null : await api.saliency({ checkpointId: saliencyOf.value, image: img });
      error.value = null;
    } catch (e) {
      error.value = messageOf(e);
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        void predict();
      }
    }
  }
  watch([source, testIndex, saliencyOf], () => void predict());

  function drawn(rgba: Uint8ClampedArray, width: number, height: number): void {
    const p = preprocessDrawing(greyFromRgba(rgba, width, height, 'alpha'));
    if (p.empty) {
      pixels.value = null;
      emptyReason.value = p.reason;
      result.value = null;
      saliency.value = null;
      return;
    }
    emptyReason.value = null;
    pixels.value = p.pixels;
    source.value = 'draw';
    void predict();
  }
  function cleared(): void {
    pixels.value = null;
    emptyReason.value = 'Nothing is drawn yet: draw a digit.';
    result.value = null;
    saliency.value = null;
  }

  return { runs, chosen, pickRun, pickCheckpoints, pickCheckpoint, add, remove, source, testIndex, pixels, emptyReason, result, saliencyOf, saliency, error, drawn, cleared };
}
