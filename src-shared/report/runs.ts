// Which recorded runs a claim may use. A run counts for a report preset when it trained on MNIST
// with that preset's settings (any seed, any number of epochs up to the preset's); a run the user
// assigned to a preset counts for it whatever its settings, still only on MNIST. Diverged,
// failed, stopped and interrupted runs count as missing, with that reason; a shortened run, or one
// still training, counts but makes the verdicts that use it provisional.

import { CONFIG_KEYS, presetConfig, presetsIn, totalIterations, type RunConfig } from '../config';
import type { RunStatus } from '../contract';
import type { EpochPoint } from './rules';

/** The dataset the report's claims are about (the bundled MNIST); runs on any other never count. */
export const REPORT_DATASET = 'mnist';
/** MNIST's training images before the validation split. */
export const MNIST_TRAIN_COUNT = 60_000;

/** A recorded run as the report reads it (what the API's RunRow, RunMetrics and EvaluationDetail hold). */
export interface ReportRun {
  id: number;
  status: RunStatus;
  config: RunConfig;
  /** Why it failed / diverged / was interrupted (the run's error text); null otherwise. */
  error: string | null;
  /** The report preset the user assigned this run to; null or absent: matched by its config. */
  preset?: string | null;
  /** Per-epoch metrics in epoch order (EpochRow fits). */
  epochs: readonly EpochPoint[];
  /** Every iteration's loss in order (RunMetrics.losses fits); null or absent: the rules fall back to epoch means. */
  iterationLosses?: ArrayLike<number> | null;
  /** The final test evaluation (accuracy 0..1, 10×10 confusion, row = true label); null before it exists. */
  test: { accuracy: number; confusion: ArrayLike<number> } | null;
}

/**
 * Settings that may differ from a preset's without making the run a different experiment: the
 * seed and length, and what does not change the numbers (the checkpoint interval, the threads,
 * whether the test set's timeline is recorded).
 */
export const FREE_KEYS: ReadonlySet<keyof RunConfig> = new Set(['dataset', 'seed', 'epochs', 'checkpointEvery', 'threads', 'testTimeline']);

/** The report preset whose settings `config` has (ignoring dataset, seed, epochs and checkpoint interval), or null. */
export function reportPresetOf(config: RunConfig): string | null {
  for (const p of presetsIn('report')) {
    const pc = presetConfig(p.id);
    if (config.epochs <= pc.epochs && CONFIG_KEYS.every((k) => FREE_KEYS.has(k) || pc[k] === config[k])) return p.id;
  }
  return null;
}

/** A run a claim can use: full length and finished, or provisional (shortened, or still training). */
export interface UsableRun {
  run: ReportRun;
  seed: number;
  /** Epochs with metrics so far. */
  epochsDone: number;
  /** The preset's epochs. */
  epochsWanted: number;
  /** True when the run is shorter than the preset or still training. */
  provisional: boolean;
  itersPerEpoch: number;
}

/** A run that does not count, and why (shown to the user). */
export interface ExcludedRun {
  runId: number;
  seed: number;
  reason: string;
}

/** The runs of one preset: the one used per seed (ascending seeds), and those left out. */
export interface PresetRuns {
  preset: string;
  used: UsableRun[];
  excluded: ExcludedRun[];
}

function statusReason(r: ReportRun): string | null {
  const at = r.epochs.length ? ` after epoch ${r.epochs[r.epochs.length - 1].epoch}` : ' before its first epoch';
  const why = r.error ? `: ${r.error}` : '';
  switch (r.status) {
    case 'completed':
      return r.epochs.length ? null : 'completed without any epoch recorded';
    case 'running':
      return r.epochs.length ? null : 'still in its first epoch';
    case 'queued':
      return 'queued, not started yet';
    case 'stopped':
      return `stopped${at}`;
    case 'interrupted':
      return `interrupted${at}${why}`;
    case 'failed':
      return `failed${at}${why}`;
    case 'diverged':
      return `diverged${at}${why}`;
  }
}

/** Why `run` cannot count for `preset`, or null when it can. */
export function exclusionReason(run: ReportRun, preset: string): string | null {
  if (run.config.dataset !== REPORT_DATASET) return `trained on dataset "${run.config.dataset}", not MNIST`;
  const wanted = presetConfig(preset).epochs;
  if (run.config.epochs > wanted) return `set to ${run.config.epochs} epochs, more than the preset's ${wanted}`;
  return statusReason(run);
}

function usable(run: ReportRun, preset: string): UsableRun {
  const epochsWanted = presetConfig(preset).epochs;
  const epochsDone = run.epochs.length;
  const provisional = run.status !== 'completed' || epochsDone < epochsWanted || run.test === null;
  const itersPerEpoch = totalIterations({ ...run.config, epochs: 1 }, MNIST_TRAIN_COUNT);
  return { run, seed: run.config.seed, epochsDone, epochsWanted, provisional, itersPerEpoch };
}

/** Ranks two usable runs of the same seed: full length first, then more epochs, then the newer run. */
function better(a: UsableRun, b: UsableRun): boolean {
  if (a.provisional !== b.provisional) return !a.provisional;
  if (a.epochsDone !== b.epochsDone) return a.epochsDone > b.epochsDone;
  return a.run.id > b.run.id;
}

/**
 * Groups runs by report preset (an assignment wins over the config match): per seed the best
 * usable run (full length, else the longest, else the newest), and every other run of the preset
 * that is not usable with its reason. Runs of no report preset are ignored.
 */
export function groupReportRuns(runs: readonly ReportRun[]): Map<string, PresetRuns> {
  const out = new Map<string, PresetRuns>();
  for (const p of presetsIn('report')) out.set(p.id, { preset: p.id, used: [], excluded: [] });
  for (const run of runs) {
    const preset = run.preset ?? reportPresetOf(run.config);
    const group = preset === null ? undefined : out.get(preset);
    if (!group || preset === null) continue;
    const reason = exclusionReason(run, preset);
    if (reason !== null) {
      group.excluded.push({ runId: run.id, seed: run.config.seed, reason });
      continue;
    }
    const u = usable(run, preset);
    const i = group.used.findIndex((x) => x.seed === u.seed);
    if (i < 0) group.used.push(u);
    else if (better(u, group.used[i])) group.used[i] = u;
  }
  for (const g of out.values()) {
    g.used.sort((a, b) => a.seed - b.seed);
    // A seed that has a usable run does not need its failed attempts listed as missing.
    const seeds = new Set(g.used.map((u) => u.seed));
    g.excluded = g.excluded.filter((x) => !seeds.has(x.seed)).sort((a, b) => a.seed - b.seed || a.runId - b.runId);
  }
  return out;
}
