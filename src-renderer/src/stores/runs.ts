// The runs table's state: the query (filters, sort, page), the current page from the API, the
// selection for Compare, and the row actions. Paged on the server so thousands of runs stay quick.
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import { api } from '../api';
import { messageOf } from '../composables/async';
import type { RunQuery, RunRow, RunSortKey, RunStatus } from '@shared/contract';

export const PAGE_SIZE = 50;

export const useRunsStore = defineStore('runs', () => {
  const query = reactive({ status: '' as RunStatus | '', tag: '', text: '', sort: 'createdAt' as RunSortKey, order: 'desc' as 'asc' | 'desc', page: 0 });
  const rows = shallowRef<RunRow[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selected = ref<number[]>([]);
  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));
  let seq = 0;

  function params(): RunQuery {
    const p: RunQuery = { sort: query.sort, order: query.order, offset: query.page * PAGE_SIZE, limit: PAGE_SIZE };
    if (query.status) p.status = query.status;
    if (query.tag.trim()) p.tag = query.tag.trim();
    if (query.text.trim()) p.text = query.text.trim();
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
        await fetch(opts);
      }
    } catch (e) {
      if (mine === seq) error.value = messageOf(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function sortBy(key: RunSortKey): void {
    if (query.sort === key) query.order = query.order === 'asc' ? 'desc' : 'asc';
    else {
      query.sort = key;
      query.order = key === 'name' ? 'asc' : 'desc';
    }
    query.page = 0;
    void fetch();
  }

  function toggleSelected(id: number): void {
    const i = selected.value.indexOf(id);
    selected.value = i >= 0 ? selected.value.filter((x) => x !== id) : [...selected.value, id];
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

  return { query, rows, total, loading, loaded, error, selected, pages, fetch, sortBy, toggleSelected, ...actions };
});
