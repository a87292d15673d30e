// Settings against results over many runs: the runs (up to 100 of the newest, finished ones by
// default), which of them are in the picture, the parallel-coordinates data with the brushes on
// its axes, and the scatter of one metric against one setting.
import { computed, ref, shallowRef, watch } from 'vue';
import type { RunRow } from '@shared/contract';
import { brushRuns, parallelCoordinates, scatterData, type Brush, type RunPoint } from '@shared/insight/parallel';
import { api } from '../api';
import { messageOf } from './async';

export const METRICS = [
  { key: 'bestValAccuracy', label: 'best validation accuracy', percent: true },
  { key: 'testAccuracy', label: 'test accuracy', percent: true },
  { key: 'durationS', label: 'training time (s)', percent: false },
] as const;

function point(r: RunRow): RunPoint {
  return {
    id: String(r.id),
    label: `#${r.id} ${r.name}`,
    config: r.config as unknown as Record<string, unknown>,
    metrics: { bestValAccuracy: r.bestValAccuracy, testAccuracy: r.testAccuracy, durationS: r.durationMs === null ? null : r.durationMs / 1000 },
  };
}

export function useExplore() {
  const runs = shallowRef<RunRow[]>([]);
  const finishedOnly = ref(true);
  const excluded = ref<Set<number>>(new Set());
  const brushes = ref<Brush[]>([]);
  const error = ref<string | null>(null);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const q = finishedOnly.value ? { status: ['completed' as const], limit: 100 } : { limit: 100 };
      runs.value = (await api.listRuns({ ...q, sort: 'createdAt', order: 'desc' })).rows;
      error.value = null;
    } catch (e) {
      error.value = messageOf(e);
    } finally {
      loading.value = false;
    }
  }
  watch(finishedOnly, () => void load(), { immediate: true });

  const included = computed(() => runs.value.filter((r) => !excluded.value.has(r.id)));
  const points = computed(() => included.value.map(point));
  const data = computed(() => (points.value.length ? parallelCoordinates(points.value, METRICS.map((m) => m.key)) : null));
  // A brush on an axis that is gone (other runs picked) no longer applies.
  watch(data, (d) => {
    brushes.value = brushes.value.filter((b) => d?.axes.some((a) => a.key === b.axis));
  });
  const inBrushes = computed(() => new Set(data.value ? brushRuns(data.value, brushes.value) : []));
  const settings = computed(() => data.value?.axes.filter((a) => a.source === 'setting').map((a) => a.key) ?? []);

  const scatterSetting = ref<string | null>(null);
  const scatterMetric = ref<string>('testAccuracy');
  watch(settings, (s) => {
    // The learning rate is the setting most worth a look, when it varies.
    if (scatterSetting.value === null || !s.includes(scatterSetting.value)) scatterSetting.value = s.includes('learningRate') ? 'learningRate' : s[0] ?? null;
  });
  const scatter = computed(() => (scatterSetting.value === null ? null : scatterData(points.value, scatterSetting.value, scatterMetric.value)));

  function toggle(id: number): void {
    const s = new Set(excluded.value);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    excluded.value = s;
  }
  function setBrush(b: Brush | null, axis: string): void {
    brushes.value = [...brushes.value.filter((x) => x.axis !== axis), ...(b ? [b] : [])];
  }

  return { runs, finishedOnly, excluded, included, data, brushes, inBrushes, settings, scatterSetting, scatterMetric, scatter, error, loading, load, toggle, setBrush };
}
