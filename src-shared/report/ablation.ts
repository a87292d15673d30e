// "Improved vs original": what each of the report's changes to LeCun et al. 1998's LeNet-5 buys,
// computed from recorded runs (issue 14). A pure function of runs and their epoch metrics, so the
// Report page, the CLI and tests compute the same table.
//
// The changes (spec.md): ReLU instead of LeCun's squashing function, max-pooling instead of
// trainable subsampling, a full C3 instead of LeCun's connection table, softmax instead of the RBF
// output (the four architecture switches of engine/arch.ts), and Adam instead of plain SGD (the
// report's own comparison, preset 'report-sgd'). Each change is measured by undoing it alone:
//
//   improved  the report's model (every change made: the baseline)
//   original  the same recipe with that one change undone
//
// and one more row compares the baseline with all four architecture changes undone (LeCun's
// network, preset 'lenet1998'). Runs are paired when everything but the switch is equal — the
// "recipe": every setting except the switches, the seed, and settings that do not change the
// numbers (threads, the checkpoint interval). Runs of the same recipe with several seeds are
// paired seed by seed and the table shows means over the paired seeds. Only completed runs with
// a test evaluation count; of two runs with the same recipe, seed and switches the later (higher
// id) counts.
//
// Effect on accuracy: improved − original test accuracy (a fraction; +0.004 = +0.4 points).
// Effect on convergence: epochs to reach 98% validation accuracy (the first epoch at or above
// it), original − improved (positive: the change converges that many epochs sooner); a run that
// never reaches 98% within its epochs has no such epoch, and the row says so.

import { CONFIG_KEYS, type RunConfig } from '../config';
import { DEFAULT_ARCHITECTURE, LENET1998_ARCHITECTURE } from '../engine/arch';
import { LIVE, plannedPresetRuns, type PlannedRun } from './plan';
import { FREE_KEYS } from './runs';

/** A validation accuracy of 98%: the convergence mark (the report's runs pass it in a few epochs). */
export const CONVERGENCE_THRESHOLD = 0.98;

/** What the function reads of a run (RunRow satisfies it) and of its epochs (EpochRow). */
export interface AblationRunInput {
  run: { id: number; status: string; config: RunConfig; testAccuracy: number | null };
  epochs: readonly { epoch: number; valAccuracy: number | null }[];
}

export type AblationChange = 'activation' | 'pooling' | 'c3Connections' | 'output' | 'optimizer' | 'all';

interface Switch {
  change: Exclude<AblationChange, 'all'>;
  /** What the report did, and what LeCun et al. 1998 did. */
  title: string;
  improved: string;
  original: string;
}

/** The report's five changes, in the spec's order. */
export const ABLATION_SWITCHES: readonly Switch[] = [
  { change: 'activation', title: "ReLU instead of LeCun's tanh", improved: DEFAULT_ARCHITECTURE.activation, original: LENET1998_ARCHITECTURE.activation },
  { change: 'pooling', title: 'Max-pooling instead of trainable subsampling', improved: DEFAULT_ARCHITECTURE.pooling, original: LENET1998_ARCHITECTURE.pooling },
  { change: 'c3Connections', title: "A full C3 instead of LeCun's connection table", improved: DEFAULT_ARCHITECTURE.c3Connections, original: LENET1998_ARCHITECTURE.c3Connections },
  { change: 'output', title: 'Softmax instead of RBF output units', improved: DEFAULT_ARCHITECTURE.output, original: LENET1998_ARCHITECTURE.output },
  { change: 'optimizer', title: 'Adam instead of plain SGD', improved: 'adam', original: 'sgd' },
];

const SWITCH_KEYS = ['activation', 'pooling', 'c3Connections', 'output', 'optimizer'] as const;
/** Settings that never change a run's numbers (or are the pairing itself): left out of the recipe. */
const NOT_RECIPE: readonly (keyof RunConfig)[] = [...SWITCH_KEYS, 'seed', 'threads', 'checkpointEvery'];

/** One side of a row: means over the paired seeds. */
export interface AblationSide {
  runIds: number[];
  /** Mean test accuracy. */
  testAccuracy: number;
  /** Mean epochs to 98% validation accuracy over the runs that reached it; null if none did. */
  epochsToThreshold: number | null;
  /** How many of the runs reached 98% validation accuracy (of runIds.length). */
  reached: number;
}

export interface AblationRow {
  change: AblationChange;
  title: string;
  /** The paired seeds. */
  seeds: number[];
  improved: AblationSide;
  original: AblationSide;
  /** Mean over the seeds of improved − original test accuracy (fraction). */
  testAccuracyGain: number;
  /**
   * Mean over the seeds where both reached 98% of original − improved epochs (positive: the
   * change converges sooner); null when no seed has both.
   */
  epochsSaved: number | null;
  /** Why a figure is missing or partial (a run that never reached 98%), for the reader. */
  note: string | null;
}

export interface AblationTable {
  /** The recipe the table is about: the baseline's config (its first seed's run). */
  baseline: RunConfig | null;
  /** The epochs of the baseline recipe. */
  epochs: number | null;
  rows: AblationRow[];
  /** The changes with no paired runs in that recipe (for "run these presets" hints). */
  missing: AblationChange[];
}

/** The first epoch whose validation accuracy is at least `threshold`, or null if none is. */
export function epochsToAccuracy(epochs: readonly { epoch: number; valAccuracy: number | null }[], threshold = CONVERGENCE_THRESHOLD): number | null {
  let first: number | null = null;
  for (const e of epochs) if (e.valAccuracy !== null && e.valAccuracy >= threshold && (first === null || e.epoch < first)) first = e.epoch;
  return first;
}

/** The switches' values of a config as one key (e.g. "relu/max/full/softmax/adam"). */
function switchesOf(c: RunConfig): string {
  return SWITCH_KEYS.map((k) => c[k]).join('/');
}

function recipeOf(c: RunConfig): string {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(c).sort()) if (!(NOT_RECIPE as readonly string[]).includes(k)) rest[k] = c[k as keyof RunConfig];
  return JSON.stringify(rest);
}

const IMPROVED = switchesOf({ ...DEFAULT_ARCHITECTURE, optimizer: 'adam' } as RunConfig);
/** The switches of a run with one change undone, or all four architecture changes. */
function undone(change: AblationChange): string {
  if (change === 'all') return switchesOf({ ...LENET1998_ARCHITECTURE, optimizer: 'adam' } as RunConfig);
  const s = ABLATION_SWITCHES.find((x) => x.change === change)!;
  return switchesOf({ ...DEFAULT_ARCHITECTURE, optimizer: 'adam', [change]: s.original } as RunConfig);
}

interface Measured { id: number; seed: number; config: RunConfig; test: number; toThreshold: number | null }

function side(ms: readonly Measured[]): AblationSide {
  const reached = ms.filter((m) => m.toThreshold !== null);
  return {
    runIds: ms.map((m) => m.id),
    testAccuracy: ms.reduce((s, m) => s + m.test, 0) / ms.length,
    epochsToThreshold: reached.length ? reached.reduce((s, m) => s + (m.toThreshold as number), 0) / reached.length : null,
    reached: reached.length,
  };
}

/**
 * The improved-vs-original table from recorded runs: one row per change that has paired runs (in
 * ABLATION_SWITCHES order, then 'all'), for the recipe with the most such rows (ties: the most
 * recent baseline run). Empty rows, a null baseline and every change missing when no completed
 * run of the report's model is among the runs.
 */
export function ablationTable(runs: readonly AblationRunInput[], threshold = CONVERGENCE_THRESHOLD): AblationTable {
  const changes: AblationChange[] = [...ABLATION_SWITCHES.map((s) => s.change), 'all'];
  // recipe → switches → seed → the latest completed run.
  const byRecipe = new Map<string, Map<string, Map<number, Measured>>>();
  for (const { run, epochs } of runs) {
    if (run.status !== 'completed' || run.testAccuracy === null || !Number.isFinite(run.testAccuracy)) continue;
    const recipe = recipeOf(run.config), sw = switchesOf(run.config);
    if (!byRecipe.has(recipe)) byRecipe.set(recipe, new Map());
    const bySwitch = byRecipe.get(recipe)!;
    if (!bySwitch.has(sw)) bySwitch.set(sw, new Map());
    const bySeed = bySwitch.get(sw)!;
    const prev = bySeed.get(run.config.seed);
    if (!prev || prev.id < run.id) bySeed.set(run.config.seed, { id: run.id, seed: run.config.seed, config: run.config, test: run.testAccuracy, toThreshold: epochsToAccuracy(epochs, threshold) });
  }

  let best: { rows: AblationRow[]; baseline: Measured; latest: number } | null = null;
  for (const bySwitch of byRecipe.values()) {
    const base = bySwitch.get(IMPROVED);
    if (!base) continue;
    const rows: AblationRow[] = [];
    for (const change of changes) {
      const other = bySwitch.get(undone(change));
      if (!other) continue;
      const seeds = [...base.keys()].filter((s) => other.has(s)).sort((a, b) => a - b);
      if (!seeds.length) continue;
      const imp = seeds.map((s) => base.get(s)!), orig = seeds.map((s) => other.get(s)!);
      const both = seeds.filter((s) => base.get(s)!.toThreshold !== null && other.get(s)!.toThreshold !== null);
      const improved = side(imp), original = side(orig);
      const gaps: string[] = [];
      if (improved.reached < seeds.length) gaps.push(`the report's model reached ${pct(threshold)} validation accuracy in ${improved.reached} of ${seeds.length} runs`);
      if (original.reached < seeds.length) gaps.push(`the original reached ${pct(threshold)} validation accuracy in ${original.reached} of ${seeds.length} runs`);
      rows.push({
        change,
        title: change === 'all' ? 'All four architecture changes (LeCun\'s 1998 network vs the report\'s)' : ABLATION_SWITCHES.find((s) => s.change === change)!.title,
        seeds,
        improved,
        original,
        testAccuracyGain: seeds.reduce((s, seed) => s + base.get(seed)!.test - other.get(seed)!.test, 0) / seeds.length,
        epochsSaved: both.length ? both.reduce((s, seed) => s + (other.get(seed)!.toThreshold as number) - (base.get(seed)!.toThreshold as number), 0) / both.length : null,
        note: gaps.length ? `${gaps.join('; ')} (within ${imp[0].config.epochs} epochs).` : null,
      });
    }
    const first = [...base.values()].sort((a, b) => a.seed - b.seed)[0];
    const latest = Math.max(...[...base.values()].map((m) => m.id));
    if (!best || rows.length > best.rows.length || (rows.length === best.rows.length && latest > best.latest)) best = { rows, baseline: first, latest };
  }
  if (!best) return { baseline: null, epochs: null, rows: [], missing: changes };
  const have = new Set(best.rows.map((r) => r.change));
  return { baseline: best.baseline.config, epochs: best.baseline.config.epochs, rows: best.rows, missing: changes.filter((c) => !have.has(c)) };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** The preset that records each change's "original" side (src-shared/config.ts), for hints about missing rows. */
export const ABLATION_PRESET: Readonly<Record<AblationChange, string>> = {
  activation: 'ablation-tanh', pooling: 'ablation-subsampling', c3Connections: 'ablation-lecun-c3', output: 'ablation-rbf', optimizer: 'report-sgd', all: 'lenet1998',
};

/** The presets the improved-vs-original table needs: the baseline, every change's original, LeCun's network. */
export const ABLATION_PLAN_PRESETS: readonly string[] = ['report', ...ABLATION_SWITCHES.map((s) => ABLATION_PRESET[s.change]), ABLATION_PRESET.all];

/**
 * The planned runs no recorded run covers: a queued, running or completed run with the planned
 * config (up to the seed's bookkeeping settings), seed and epochs. Failed, diverged, stopped and
 * interrupted runs do not count, so they are planned again.
 */
export function missingAblationRuns(runs: readonly { status: string; config: RunConfig }[], opts: { seeds: number; epochs?: number }): PlannedRun[] {
  const live = runs.filter((r) => LIVE.has(r.status));
  const same = (a: RunConfig, b: RunConfig): boolean =>
    a.seed === b.seed && a.epochs === b.epochs && a.dataset === b.dataset && CONFIG_KEYS.every((k) => FREE_KEYS.has(k) || a[k] === b[k]);
  return plannedPresetRuns(ABLATION_PLAN_PRESETS, opts).filter((p) => !live.some((r) => same(r.config, p.config)));
}
