// The runs table's filters, sort and page in the address: #/runs?q=lr&status=completed&tag=report
// &archived=include&sort=testAccuracy&order=desc&page=2. Parsing takes only valid values (an edited
// URL cannot break the view); writing leaves out defaults so a plain #/runs stays plain.

import { ARCHIVED_FILTERS, RUN_SORT_KEYS, RUN_STATUSES, type ArchivedFilter, type RunSortKey, type RunStatus } from '../contract';

export interface RunsViewQuery {
  text: string;
  status: RunStatus | '';
  tag: string;
  /** Archived runs: hidden (the default), shown too, or the only ones. */
  archived: ArchivedFilter;
  sort: RunSortKey;
  order: 'asc' | 'desc';
  /** 0-based (the URL shows it 1-based). */
  page: number;
}

export const DEFAULT_RUNS_QUERY: Readonly<RunsViewQuery> = { text: '', status: '', tag: '', archived: 'exclude', sort: 'createdAt', order: 'desc', page: 0 };

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

function one(q: RouteQuery, k: string): string | undefined {
  const v = q[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}

/** The default order for a sort key: names A→Z, everything else newest or best first. */
export function defaultOrder(sort: RunSortKey): 'asc' | 'desc' {
  return sort === 'name' ? 'asc' : 'desc';
}

export function parseRunsQuery(q: RouteQuery): RunsViewQuery {
  const out: RunsViewQuery = { ...DEFAULT_RUNS_QUERY };
  out.text = (one(q, 'q') ?? '').slice(0, 200);
  out.tag = (one(q, 'tag') ?? '').slice(0, 40);
  const status = one(q, 'status');
  if (status && (RUN_STATUSES as readonly string[]).includes(status)) out.status = status as RunStatus;
  const archived = one(q, 'archived');
  if (archived && (ARCHIVED_FILTERS as readonly string[]).includes(archived)) out.archived = archived as ArchivedFilter;
  const sort = one(q, 'sort');
  if (sort && (RUN_SORT_KEYS as readonly string[]).includes(sort)) out.sort = sort as RunSortKey;
  const order = one(q, 'order');
  out.order = order === 'asc' || order === 'desc' ? order : defaultOrder(out.sort);
  const page = Number(one(q, 'page'));
  out.page = Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page - 1 : 0;
  return out;
}

export function runsQueryToRoute(v: RunsViewQuery): Record<string, string> {
  const out: Record<string, string> = {};
  if (v.text.trim()) out.q = v.text;
  if (v.status) out.status = v.status;
  if (v.tag.trim()) out.tag = v.tag;
  if (v.archived !== DEFAULT_RUNS_QUERY.archived) out.archived = v.archived;
  if (v.sort !== DEFAULT_RUNS_QUERY.sort) out.sort = v.sort;
  if (v.order !== defaultOrder(v.sort)) out.order = v.order;
  if (v.page > 0) out.page = String(v.page + 1);
  return out;
}
