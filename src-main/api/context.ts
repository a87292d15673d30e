// What the workbench's domain modules share: the store, the event hub, the supervisor and the
// datasets. Each module (datasets.ts, runs.ts, catalog.ts, results.ts, export.ts) implements its
// part of the contract over this one object.

import type { MethodName, ParsedOf, ResultOf, RunRow } from '../../src-shared/contract';
import type { RunSupervisor } from '../runs/supervisor';
import type { RunRecord, Store } from '../store/index';
import type { Datasets } from './datasets';
import type { EventHub } from './events';

export interface WorkbenchContext {
  store: Store;
  hub: EventHub;
  supervisor: RunSupervisor;
  datasets: Datasets;
  /** A run record as the API shows it. */
  row(r: RunRecord): RunRow;
}

/** The implementation of some contract methods: each takes its parsed params. */
export type Methods<K extends MethodName> = { [M in K]: (p: ParsedOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };
