// Synthetic run data for the report's rules: a run of any preset, seed, status and length, with
// epoch curves, iteration losses and a test evaluation chosen by the test.

import { presetConfig, type RunConfig } from '../../src-shared/config';
import type { RunStatus } from '../../src-shared/contract';
import type { EpochPoint, ReportRun } from '../../src-shared/report';

export interface Curve {
  train: number;
  val: number;
  loss: number;
}

/** Epochs 1..n from a function of the epoch. */
export function curve(n: number, f: (epoch: number) => Curve): EpochPoint[] {
  const out: EpochPoint[] = [];
  for (let e = 1; e <= n; e++) {
    const c = f(e);
    out.push({ epoch: e, trainAccuracy: c.train, valAccuracy: c.val, meanIterationLoss: c.loss });
  }
  return out;
}

/** A 10×10 confusion matrix: 1,000 correct per class, plus the given (true, predicted, count) cells. */
export function confusion(cells: readonly [number, number, number][] = []): number[] {
  const m = new Array<number>(100).fill(0);
  for (let c = 0; c < 10; c++) m[c * 10 + c] = 1000;
  for (const [t, p, n] of cells) m[t * 10 + p] += n;
  return m;
}

/** The report's confusions: 4/9 (11), 3/5 (6), 7/1 (5), and a few smaller ones. */
export const REPORT_CONFUSION = confusion([[4, 9, 7], [9, 4, 4], [3, 5, 4], [5, 3, 2], [7, 1, 5], [2, 7, 2], [8, 9, 1]]);

/** A Table 1-like curve: learns in epoch 1 (train 97.5%, val 96.5%), converges at epoch 30 (train 99.99%, val 99.2%, loss 0.016). */
export function table1Curve(epoch: number): Curve {
  if (epoch >= 30) return { train: 0.9999, val: 0.992, loss: 0.016 };
  const early = [0.965, 0.975, 0.98, 0.982, 0.984];
  const val = epoch <= 5 ? early[epoch - 1] : 0.985 + epoch * 0.0002;
  const train = epoch === 1 ? 0.975 : 0.98 + epoch * 0.0005;
  return { train, val, loss: 0.2 / epoch };
}

let nextId = 1;

export interface RunSpec {
  preset: string;
  seed?: number;
  status?: RunStatus;
  /** Epochs trained (default: the config's). */
  done?: number;
  config?: Partial<RunConfig>;
  curve?: (epoch: number) => Curve;
  test?: number | null;
  confusion?: number[];
  error?: string | null;
  iterationLosses?: ArrayLike<number> | null;
  assign?: string | null;
  id?: number;
}

/** A run of `preset` (its config, with overrides), trained for `done` epochs along `curve`. */
export function run(spec: RunSpec): ReportRun {
  const config: RunConfig = { ...presetConfig(spec.preset), seed: spec.seed ?? 1, ...spec.config };
  const done = spec.done ?? config.epochs;
  const status = spec.status ?? 'completed';
  const test = spec.test === undefined ? (status === 'completed' ? 0.9922 : null) : spec.test;
  return {
    id: spec.id ?? nextId++,
    status,
    config,
    error: spec.error ?? null,
    preset: spec.assign,
    epochs: curve(done, spec.curve ?? table1Curve),
    iterationLosses: spec.iterationLosses,
    test: test === null ? null : { accuracy: test, confusion: spec.confusion ?? REPORT_CONFUSION },
  };
}
