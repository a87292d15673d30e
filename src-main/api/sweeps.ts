// Sweeps as groups: createSweep (./runs.ts) stores a sweep with its grid and its runs; here they
// are listed and read back, each run with its values of the grid's settings and its final
// metrics, the table a sweep is made for (setting → final metric).

import { FIELDS } from '../../src-shared/config';
import { hasOwn } from '../../src-shared/limits';
import type { RunRow, SweepDetail, SweepGridAxis, SweepRow } from '../../src-shared/contract';
import type { RunRecord, SweepRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { finalMetrics } from './results';

/** A sweep's default name: the settings it varies, by their labels. */
export function sweepNameOf(grid: readonly SweepGridAxis[]): string {
  return `Sweep of ${grid.map((a) => (hasOwn(FIELDS, a.setting) ? FIELDS[a.setting as keyof typeof FIELDS].label.toLowerCase() : a.setting)).join(' × ')}`.slice(0, 200);
}

function sweepRow(s: SweepRecord, runs: readonly RunRow[]): SweepRow {
  const results = runs.map((r) => r.testAccuracy).filter((a): a is number => a !== null);
  return {
    id: s.id,
    name: s.name,
    grid: s.grid.map(([setting, values]) => ({ setting, values })),
    createdAt: s.createdAt,
    runCount: runs.length,
    ended: runs.filter((r) => r.status !== 'queued' && r.status !== 'running').length,
    bestTestAccuracy: results.length ? Math.max(...results) : null,
  };
}

export function sweepMethods(ctx: WorkbenchContext): Methods<'listSweeps' | 'getSweep'> {
  const { store } = ctx;
  return {
    listSweeps: () => store.listSweeps().map((s) => sweepRow(s, store.sweepRuns(s.id).map(ctx.row))),

    getSweep: ({ id }) => {
      const sweep = store.getSweep(id);
      const records: RunRecord[] = store.sweepRuns(id);
      const rows = records.map(ctx.row);
      const { finals } = finalMetrics(ctx, records);
      const settings = sweep.grid.map(([k]) => k);
      const detail: SweepDetail = {
        ...sweepRow(sweep, rows),
        runs: rows.map((run, i) => ({ run, values: settings.map((k) => (run.config as unknown as Record<string, unknown>)[k] ?? null), finals: finals[i] })),
      };
      return detail;
    },
  };
}
