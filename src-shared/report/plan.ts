// Which runs the report needs, and which of them the database does not hold yet: what "Reproduce
// the report" and `npm run report` queue. A claim that needs several seeds (claims.ts) gets seeds
// 1..K of its preset; every other preset gets seed 1.

import { presetConfig, presetsIn, type RunConfig } from '../config';
import { CLAIMS } from './claims';
import { REPORT_DATASET, reportPresetOf, type ReportRun } from './runs';

export interface PlannedRun {
  preset: string;
  seed: number;
  /** The preset's config with this seed (and the epochs asked for, if shortened). */
  config: RunConfig;
}

/** Presets some claim wants over several seeds. */
export function multiSeedPresets(): Set<string> {
  return new Set(CLAIMS.flatMap((c) => c.needs.filter((n) => n.seeds > 1).map((n) => n.preset)));
}

/** Refuses a seed count below 1 (the planners' one check of their own). */
function checkSeeds(seeds: number): void {
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new Error(`seeds must be a whole number ≥ 1 (got ${seeds}).`);
}

/**
 * Seeds 1..n of each preset, in the order given, each `epochs` long (default: the preset's own;
 * refused above it).
 */
export function presetRuns(presets: readonly { preset: string; seeds: number }[], epochs?: number): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const { preset, seeds } of presets) {
    const base = presetConfig(preset);
    const n = epochs ?? base.epochs;
    if (!(Number.isInteger(n) && n >= 1 && n <= base.epochs)) throw new Error(`epochs must be a whole number 1..${base.epochs} (got ${epochs}).`);
    for (let seed = 1; seed <= seeds; seed++) out.push({ preset, seed, config: { ...base, seed, epochs: n } });
  }
  return out;
}

/**
 * The report's runs, in preset order: seeds 1..`seeds` of the multi-seed presets, seed 1 of the
 * others; `epochs` shortens every run (a quick look; its verdicts are provisional).
 */
export function plannedRuns(opts: { seeds: number; epochs?: number }): PlannedRun[] {
  checkSeeds(opts.seeds);
  const multi = multiSeedPresets();
  return presetRuns(presetsIn('report').map((p) => ({ preset: p.id, seeds: multi.has(p.id) ? opts.seeds : 1 })), opts.epochs);
}

/** Seeds 1..`seeds` of each of `presets`, each `epochs` long: another plan (improved vs original) on the same checks. */
export function plannedPresetRuns(presets: readonly string[], opts: { seeds: number; epochs?: number }): PlannedRun[] {
  checkSeeds(opts.seeds);
  return presetRuns(presets.map((preset) => ({ preset, seeds: opts.seeds })), opts.epochs);
}

/** Statuses of a run that will still produce (or has produced) its results: such a run is not queued again. */
export const LIVE: ReadonlySet<string> = new Set(['queued', 'running', 'completed']);

/**
 * The planned runs the database lacks: no run on MNIST of that preset (matched by config or
 * assigned), seed and number of epochs that is queued, running or completed. Diverged, failed,
 * stopped and interrupted runs do not count, so their seeds are planned again.
 */
export function missingRuns(runs: readonly ReportRun[], opts: { seeds: number; epochs?: number }): PlannedRun[] {
  const have = new Set<string>();
  for (const r of runs) {
    if (r.config.dataset !== REPORT_DATASET || !LIVE.has(r.status)) continue;
    const preset = r.preset ?? reportPresetOf(r.config);
    if (preset !== null) have.add(`${preset}/${r.config.seed}/${r.config.epochs}`);
  }
  return plannedRuns(opts).filter((p) => !have.has(`${p.preset}/${p.seed}/${p.config.epochs}`));
}
