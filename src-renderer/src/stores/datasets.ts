// The datasets runs can use, listed once per session (and again after an import): the charts need
// a dataset's training-set size to place iterations on the epoch and time axes, and every view
// that shows classes needs their names and words (src-shared/ui/classes).
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import type { DatasetRow, RunRow } from '@shared/contract';
import { classWords, type ClassWords } from '@shared/ui/classes';
import { itersPerEpochOf } from '@shared/ui/xAxis';
import { api } from '../api';

export const useDatasetsStore = defineStore('datasets', () => {
  const rows = shallowRef<DatasetRow[] | null>(null);
  let pending: Promise<void> | null = null;

  function load(): Promise<void> {
    pending ??= api.listDatasets(undefined).then(
      (r) => {
        rows.value = r;
      },
      () => {
        pending = null; // try again next time; charts fall back to the iteration axis meanwhile
      },
    );
    return pending;
  }

  /** Lists the datasets again (after an import). */
  function reload(): Promise<void> {
    pending = null;
    return load();
  }

  /** Iterations per epoch of a run, or null while its dataset is unknown. */
  function itersPerEpoch(run: Pick<RunRow, 'config'>): number | null {
    void load();
    const d = rows.value?.find((x) => x.id === run.config.dataset);
    return d ? itersPerEpochOf(run.config, d.trainCount) : null;
  }

  /** A dataset's class names and the words for them ("digit" on MNIST, "class" elsewhere). */
  function words(datasetId: string): ClassWords {
    void load();
    const d = rows.value?.find((x) => x.id === datasetId);
    return classWords(d ?? { id: datasetId, classNames: null });
  }

  return { rows, load, reload, itersPerEpoch, words };
});
