// The runs table's optional columns: any setting of the run config, the run's summary metrics, and
// the final epoch's metrics. The choice is a list of column ids, kept in the browser's storage;
// parsing it back drops what it does not know, so a stale or hand-edited value cannot break the table.

import { CONFIG_KEYS, FIELDS, type RunConfig } from '../config';
import type { EpochRow, RunRow } from '../contract';
import { formatLoss, formatPercent, formatRunDuration, formatSci, formatTime } from './format';

export type ColumnGroup = 'setting' | 'summary' | 'final';

export interface RunColumn {
  id: string;
  label: string;
  /** The full name when the header is abbreviated. */
  title?: string;
  group: ColumnGroup;
  numeric: boolean;
  /** The API sort key when the server can sort by this column. */
  sortKey?: 'bestValAccuracy' | 'testAccuracy';
  /** Needs the run's last epoch (fetched only when such a column is shown). */
  needsLastEpoch?: boolean;
  value(row: RunRow, last: EpochRow | null): string;
}

const NUMERIC_KINDS = new Set(['int', 'num']);

function settingText(key: keyof RunConfig, v: RunConfig[keyof RunConfig]): string {
  if (typeof v !== 'number') return String(v);
  return key === 'learningRate' || key === 'weightDecay' || key === 'epsilon' || key === 'initStd' ? formatSci(v) : String(v);
}

// Short headers for the default columns, so the default table fits a 1024 px window.
const SHORT_LABELS: Partial<Record<keyof RunConfig, string>> = { learningRate: 'LR', batchSize: 'Batch' };

const SETTING_COLUMNS: RunColumn[] = CONFIG_KEYS.map((k) => ({
  id: `config.${k}`,
  label: SHORT_LABELS[k] ?? FIELDS[k].label,
  ...(SHORT_LABELS[k] ? { title: FIELDS[k].label } : {}),
  group: 'setting',
  numeric: NUMERIC_KINDS.has(FIELDS[k].kind),
  value: (r) => settingText(k, r.config[k]),
}));

const SUMMARY_COLUMNS: RunColumn[] = [
  { id: 'epochs', label: 'Epochs', group: 'summary', numeric: true, value: (r) => `${r.epochsDone}/${r.config.epochs}` },
  { id: 'bestVal', label: 'Best val', group: 'summary', numeric: true, sortKey: 'bestValAccuracy', value: (r) => formatPercent(r.bestValAccuracy) },
  { id: 'test', label: 'Test', group: 'summary', numeric: true, sortKey: 'testAccuracy', value: (r) => formatPercent(r.testAccuracy) },
  { id: 'duration', label: 'Duration', group: 'summary', numeric: true, value: (r) => formatRunDuration(r) },
  { id: 'iterations', label: 'Iterations', group: 'summary', numeric: true, value: (r) => r.iteration.toLocaleString('en-US') },
  { id: 'created', label: 'Created', group: 'summary', numeric: false, value: (r) => formatTime(r.createdAt) },
  { id: 'tags', label: 'Tags', group: 'summary', numeric: false, value: (r) => r.tags.join(', ') },
  { id: 'sweep', label: 'Sweep', group: 'summary', numeric: false, value: (r) => r.sweep?.name ?? '' },
];

const FINAL_COLUMNS: RunColumn[] = (
  [
    ['trainAccuracy', 'Final train acc', formatPercent],
    ['valAccuracy', 'Final val acc', formatPercent],
    ['trainLoss', 'Final train loss', formatLoss],
    ['valLoss', 'Final val loss', formatLoss],
    ['meanIterationLoss', 'Final mean iteration loss', formatLoss],
  ] as const
).map(([k, label, fmt]) => ({ id: `final.${k}`, label, group: 'final' as const, numeric: true, needsLastEpoch: true, value: (_r: RunRow, last: EpochRow | null) => fmt(last ? last[k] : null) }));

export const RUN_COLUMNS: readonly RunColumn[] = [...SUMMARY_COLUMNS, ...FINAL_COLUMNS, ...SETTING_COLUMNS];
const BY_ID = new Map(RUN_COLUMNS.map((c) => [c.id, c]));

/** What a new user sees: enough to tell runs apart, narrow enough for a 1024 px window. */
export const DEFAULT_COLUMNS: readonly string[] = ['config.optimizer', 'config.learningRate', 'config.batchSize', 'epochs', 'bestVal', 'test', 'duration', 'tags'];

export const COLUMN_GROUP_TITLES: Record<ColumnGroup, string> = { summary: 'Run', final: 'Last epoch', setting: 'Settings' };

export function columnById(id: string): RunColumn | undefined {
  return BY_ID.get(id);
}

/** The stored choice → known column ids in order, without repeats; the default when unreadable. */
export function parseColumnChoice(stored: string | null): string[] {
  if (stored === null) return [...DEFAULT_COLUMNS];
  let v: unknown;
  try {
    v = JSON.parse(stored);
  } catch {
    return [...DEFAULT_COLUMNS];
  }
  if (!Array.isArray(v)) return [...DEFAULT_COLUMNS];
  const out: string[] = [];
  for (const id of v) if (typeof id === 'string' && BY_ID.has(id) && !out.includes(id)) out.push(id);
  return out;
}

/** Turns a column on (in registry order among the chosen ones) or off. */
export function toggleColumn(chosen: readonly string[], id: string): string[] {
  if (!BY_ID.has(id)) return [...chosen];
  if (chosen.includes(id)) return chosen.filter((c) => c !== id);
  const set = new Set([...chosen, id]);
  return RUN_COLUMNS.map((c) => c.id).filter((c) => set.has(c));
}
