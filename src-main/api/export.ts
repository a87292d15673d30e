// A run or a checkpoint as a file: the run's config and everything it recorded as JSON, its
// epoch metrics as CSV (RFC 4180, src-shared/ui/csv), a checkpoint's bytes.

import { epochRow, type EpochRow, type ExportFile } from '../../src-shared/contract';
import { toCsv } from '../../src-shared/ui/csv';
import type { Methods, WorkbenchContext } from './context';
import { slug } from './datasets';
import { evaluationSummary } from './rows';

/** JSON with non-finite numbers as strings ("NaN", "Infinity"), typed arrays as arrays. */
function exportJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    },
    2,
  );
}

const EPOCH_COLUMNS: readonly (keyof EpochRow)[] = ['epoch', 'trainAccuracy', 'trainLoss', 'valAccuracy', 'valLoss', 'learningRate', 'meanIterationLoss', 'durationMs', 'imagesPerSecond'];

export function exportMethods(ctx: WorkbenchContext): Methods<'exportRun' | 'exportCheckpoint'> {
  const { store } = ctx;
  const text = (s: string) => new TextEncoder().encode(s);
  return {
    exportRun: ({ id, format }) => {
      const row = store.getRun(id);
      const epochs = store.getEpochMetrics(id).map(epochRow);
      const base = `run-${id}-${slug(row.name)}`;
      if (format === 'csv') {
        return { filename: `${base}.csv`, mime: 'text/csv', bytes: text(toCsv(EPOCH_COLUMNS, epochs.map((e) => EPOCH_COLUMNS.map((c) => e[c])))) } satisfies ExportFile;
      }
      const losses = store.getIterationLosses(id);
      const doc = {
        format: 'lenet-workbench-run',
        version: 1,
        run: ctx.row(row),
        epochs,
        iterations: { iteration: losses.iterations, epoch: losses.epochs, loss: losses.losses },
        checkpoints: store.listCheckpoints(id),
        evaluations: store.listEvaluations(id).map((e) => ({ ...evaluationSummary(e), split: e.split, confusion: Array.from(e.confusion) })),
      };
      return { filename: `${base}.json`, mime: 'application/json', bytes: text(exportJson(doc) + '\n') } satisfies ExportFile;
    },

    exportCheckpoint: ({ id }) => {
      const cp = store.loadCheckpoint(id);
      return { filename: `run-${cp.runId}-epoch-${cp.epoch}-iteration-${cp.iteration}.lenet-checkpoint`, mime: 'application/octet-stream', bytes: new Uint8Array(cp.data) };
    },
  };
}
