// The data to redraw the report's figures from our runs: 4.2 loss per iteration, 4.3 train and
// validation accuracy per epoch, 4.4 the test confusion matrix. They come from one Table 1 run,
// the representative one: the median test accuracy among the seeds (the lower middle of an even
// count), or, before any has a test evaluation, the run with the most epochs.

import type { PresetRuns, UsableRun } from './runs';

export interface ReportFigures {
  /** The run drawn, its seed, and whether it is shortened or unfinished; null when no Table 1 run is usable. */
  runId: number | null;
  seed: number | null;
  provisional: boolean;
  /** Figure 4.2: the loss of iteration i + 1 at index i (null: the run's iteration losses were not given). */
  lossPerIteration: ArrayLike<number> | null;
  /** Figure 4.3: train and validation accuracy per epoch. */
  accuracyPerEpoch: { epoch: number; train: number | null; val: number | null }[];
  /** Figure 4.4: 10×10, row = true label, column = predicted (null before the test evaluation). */
  confusion: number[] | null;
}

/** The representative run of a preset's usable runs (see the file comment), or null. */
export function representativeRun(used: readonly UsableRun[]): UsableRun | null {
  const tested = used.filter((u) => u.run.test !== null).sort((a, b) => a.run.test!.accuracy - b.run.test!.accuracy || a.seed - b.seed);
  if (tested.length) return tested[Math.floor((tested.length - 1) / 2)];
  let best: UsableRun | null = null;
  for (const u of used) if (!best || u.epochsDone > best.epochsDone) best = u;
  return best;
}

/** The figures' data from the Table 1 runs (the 'report' group of groupReportRuns). */
export function reportFigures(table1: PresetRuns | undefined): ReportFigures {
  const r = table1 ? representativeRun(table1.used) : null;
  if (!r) return { runId: null, seed: null, provisional: false, lossPerIteration: null, accuracyPerEpoch: [], confusion: null };
  return {
    runId: r.run.id,
    seed: r.seed,
    provisional: r.provisional,
    lossPerIteration: r.run.iterationLosses ?? null,
    accuracyPerEpoch: r.run.epochs.map((e) => ({ epoch: e.epoch, train: e.trainAccuracy, val: e.valAccuracy })),
    confusion: r.run.test ? Array.from(r.run.test.confusion) : null,
  };
}
