// The new-run form's state and launches: texts per field (validated by the shared code on every
// keystroke), presets, "Reproduce the report" (the whole preset set in one go) and sweeps.
import { computed, reactive, ref, watch } from 'vue';
import { changedSettings, DEFAULT_CONFIG, ignoredSettingsNote, PRESETS, presetConfig, slowStartHint, type RunConfig } from '@shared/config';
import type { DatasetRow, RunRow } from '@shared/contract';
import { matchingPreset, parseForm, textsOf, type FormTexts } from '@shared/ui/form';
import { api } from '../api';
import { messageOf, useAsync } from './async';


export function useNewRun() {
  const texts = reactive<FormTexts>(textsOf({ ...DEFAULT_CONFIG }));
  const name = ref('');
  const tags = ref('');
  const launching = ref(false);
  const launchError = ref<string | null>(null);
  const datasets = useAsync<DatasetRow[]>(() => api.listDatasets(undefined));
  const clonedFrom = ref<{ id: number; name: string } | null>(null);
  const cloneError = ref<string | null>(null);

  const parsed = computed(() => parseForm(texts));
  const errorCount = computed(() => Object.keys(parsed.value.errors).length);
  // The preset the form matches, so the highlighted preset never claims a config the form no longer holds.
  const presetId = computed(() => matchingPreset(parsed.value.config));
  // Settings changed from the defaults that have no effect (e.g. momentum with Adam): a note, not an error.
  const ignoredNote = computed(() => {
    const cfg = parsed.value.config;
    return cfg ? ignoredSettingsNote(cfg, changedSettings(cfg)) : null;
  });
  // A short run with the report's tiny init may stay near chance: say so before it is launched.
  const slowHint = computed(() => {
    const cfg = parsed.value.config;
    const ds = datasets.data.value?.find((d) => d.id === cfg?.dataset);
    return cfg && ds ? slowStartHint(cfg, ds.trainCount) : null;
  });
  // A preset fills the name with its title; once the form leaves that preset, the title would
  // mislabel the run, so it goes (the run is then named after its settings) unless it was edited.
  watch(presetId, (now, before) => {
    const was = PRESETS.find((p) => p.id === before);
    if (was && now !== before && name.value === was.title) name.value = '';
  });

  function applyConfig(cfg: RunConfig): void {
    Object.assign(texts, textsOf(cfg));
  }
  function applyPreset(id: string): void {
    applyConfig(presetConfig(id));
    const p = PRESETS.find((x) => x.id === id);
    if (p) name.value = p.title;
  }
  /** "Clone and edit": the form takes a run's full config, its name (as a copy) and its tags. */
  async function cloneFrom(id: number): Promise<void> {
    cloneError.value = null;
    try {
      const run = await api.getRun({ id });
      applyConfig(run.config);
      name.value = `${run.name} (copy)`.slice(0, 200);
      tags.value = run.tags.join(', ');
      clonedFrom.value = { id: run.id, name: run.name };
    } catch (e) {
      cloneError.value = messageOf(e);
    }
  }
  function tagList(): string[] {
    return tags.value.split(',').map((t) => t.trim()).filter((t) => t !== '');
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T | null> {
    launching.value = true;
    launchError.value = null;
    try {
      return await fn();
    } catch (e) {
      launchError.value = messageOf(e);
      return null;
    } finally {
      launching.value = false;
    }
  }

  /** Launches the form's config; null when the form is invalid or the API refused. */
  function launch(): Promise<RunRow | null> {
    const cfg = parsed.value.config;
    if (!cfg) return Promise.resolve(null);
    return guarded(() => api.createRun({ config: cfg, ...(name.value.trim() ? { name: name.value.trim() } : {}), tags: tagList() }));
  }

  /**
   * Queues the report's runs the database lacks (its plan: three seeds of the claims that need a
   * spread), tagged "report", exactly as the report ran them (all of MNIST, the presets' epochs).
   */
  function reproduceReport(): Promise<RunRow[] | null> {
    return guarded(() => api.queueReportRuns({ seeds: 3 }));
  }

  function launchSweep(grid: Partial<Record<keyof RunConfig, unknown[]>>, base: RunConfig): Promise<RunRow[] | null> {
    return guarded(() => api.createSweep({ base, grid, ...(name.value.trim() ? { name: name.value.trim() } : {}), tags: tagList() }));
  }

  return { texts, name, tags, presetId, ignoredNote, slowHint, parsed, errorCount, launching, launchError, datasets, clonedFrom, cloneError, applyPreset, applyConfig, cloneFrom, launch, reproduceReport, launchSweep };
}
