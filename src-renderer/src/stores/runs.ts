// The runs table's state: the query (filters, sort, page; mirrored in the URL by
// composables/runsQuerySync), the current page from the API, the chosen columns (kept in the
// browser's storage), the selection for Compare and bulk actions, and the row actions. Paged on the
// server so thousands of runs stay quick.
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import type { EpochRow, RunQuery, RunRow, RunSortKey } from '@shared/contract';
import { columnById, parseColumnChoice, toggleColumn } from '@shared/ui/runColumns';
import { DEFAULT_RUNS_QUERY, defaultOrder, type RunsViewQuery } from '@shared/ui/runQuery';
import { api } from '../api';
import { messageOf } from '../composables/async';

export const PAGE_SIZE = 50;
const COLUMNS_KEY = 'workbench.runColumns';

function storedColumns(): string | null {
  try {
    return globalThis.localStorage?.getItem(COLUMNS_KEY) ?? null;
  } catch {
    return null;
  }
}

export const useRunsStore = defineStore('runs', () => {
  const query = reactive<RunsViewQuery>({ ...DEFAULT_RUNS_QUERY });
  const rows = shallowRef<RunRow[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selected = ref<number[]>([]);
  const columns = ref<string[]>(parseColumnChoice(storedColumns()));
  /** The last recorded epoch of the shown runs, for "final" columns: run id → [epochs done, row]. */
  const lastEpochs = shallowRef(new Map<number, [number, EpochRow | null]>());
  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));
  let seq = 0;

  function params(): RunQuery {
    const p: RunQuery = { sort: query.sort, order: query.order, offset: query.page * PAGE_SIZE, limit: PAGE_SIZE };
    if (query.status) p.status = query.status;
    if (query.tag.trim()) p.tag = query.tag.trim();
    if (query.text.trim()) p.text = query.text.trim();
    if (query.archived !== 'exclude') p.archived = query.archived;
    return p;
  }

  async function fetch(opts: { quiet?: boolean } = {}): Promise<void> {
    const mine = ++seq;
    if (!opts.quiet) loading.value = true;
    try {
      const r = await api.listRuns(params());
      if (mine !== seq) return;
      rows.value = r.rows;
      total.value = r.total;
      error.value = null;
      loaded.value = true;
      if (query.page > 0 && query.page >= pages.value) {
        query.page = pages.value - 1;
        return;
      }
      void loadLastEpochs();
    } catch (e) {
      if (mine === seq) error.value = messageOf(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Fetches the last epoch of shown runs when a "final" column is on (20 runs a call, as the API allows). */
  async function loadLastEpochs(): Promise<void> {
    if (!columns.value.some((c) => columnById(c)?.needsLastEpoch)) return;
    const have = lastEpochs.value;
    const want = rows.value.filter((r) => have.get(r.id)?.[0] !== r.epochsDone).map((r) => r.id);
    if (!want.length) return;
    const next = new Map(have);
    try {
      for (let i = 0; i < want.length; i += 20) {
        for (const m of await api.getMetrics({ runIds: want.slice(i, i + 20) })) {
          const last = m.epochs.reduce<EpochRow | null>((a, e) => (!a || e.epoch > a.epoch ? e : a), null);
          next.set(m.runId, [last?.epoch ?? 0, last]);
        }
      }
    } catch {
      return; // the cells show "—"; the next refresh tries again
    }
    lastEpochs.value = next;
  }

  function setColumns(ids: string[]): void {
    columns.value = ids;
    try {
      globalThis.localStorage?.setItem(COLUMNS_KEY, JSON.stringify(ids));
    } catch {
      /* storage may be disabled: the choice lasts for this page */
    }
    void loadLastEpochs();
  }
  const toggleCol = (id: string) => setColumns(toggleColumn(columns.value, id));

  function sortBy(key: RunSortKey): void {
    if (query.sort === key) query.order = query.order === 'asc' ? 'desc' : 'asc';
    else {
      query.sort = key;
      query.order = defaultOrder(key);
    }
    query.page = 0;
  }

  function filterTag(tag: string): void {
    query.tag = tag;
    query.page = 0;
  }

  function toggleSelected(id: number): void {
    const i = selected.value.indexOf(id);
    selected.value = i >= 0 ? selected.value.filter((x) => x !== id) : [...selected.value, id];
  }
  /** Selects every run of the page, or clears them when all are selected already. */
  function togglePage(): void {
    const ids = rows.value.map((r) => r.id);
    const all = ids.every((id) => selected.value.includes(id));
    selected.value = all ? selected.value.filter((id) => !ids.includes(id)) : [...selected.value, ...ids.filter((id) => !selected.value.includes(id))];
  }

  /** Replace a row in place (after an action) without refetching the page. */
  function patch(row: RunRow): void {
    rows.value = rows.value.map((r) => (r.id === row.id ? row : r));
  }

  async function act<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      void fetch({ quiet: true });
    }
  }

  const actions = {
    stop: (id: number) => act(() => api.stopRun({ id }).then(patch)),
    resume: (id: number) => act(() => api.resumeRun({ id }).then(patch)),
    rename: (id: number, name: string) => act(() => api.renameRun({ id, name }).then(patch)),
    setTags: (id: number, tags: string[]) => act(() => api.setTags({ id, tags }).then(patch)),
    setNotes: (id: number, notes: string) => act(() => api.setNotes({ id, notes }).then(patch)),
    remove: (id: number) =>
      act(async () => {
        await api.deleteRun({ id });
        selected.value = selected.value.filter((x) => x !== id);
      }),
  };

  return { query, rows, total, loading, loaded, error, selected, columns, lastEpochs, pages, fetch, sortBy, filterTag, toggleSelected, togglePage, toggleCol, setColumns, ...actions };
});
