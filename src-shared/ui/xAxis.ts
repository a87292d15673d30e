// The x-axis a view's charts share: iteration, epoch or training time. Iteration losses and epoch
// metrics are mapped onto the chosen axis here, so every chart of a view agrees (and the hover line
// one chart draws means the same x in the others).
//   iteration  global 1-based iteration; an epoch's metrics sit at its last iteration
//   epoch      fractional epochs: iteration i of a run with P iterations per epoch is at i / P
//   time       seconds of training (the sum of the epochs' durations: pauses and resumes do not
//              count); an iteration inside a finished epoch is placed in proportion, one in the epoch
//              still running has no time yet and is left out

import { totalIterations, type RunConfig } from '../config';
import type { Point } from './thin';

export const X_AXES = ['iteration', 'epoch', 'time'] as const;
export type XAxis = (typeof X_AXES)[number];

export const X_AXIS_TITLES: Record<XAxis, string> = { iteration: 'iteration', epoch: 'epoch', time: 'training time (s)' };

/** Iterations in one epoch of this config on a dataset with `trainCount` training images. */
export function itersPerEpochOf(cfg: Pick<RunConfig, 'batchSize' | 'validationSize' | 'trainSubset'>, trainCount: number): number {
  return totalIterations({ ...cfg, epochs: 1 }, trainCount);
}

/** Seconds of training at the end of each recorded epoch (epochs in order of their number). */
export function epochEndSeconds(epochs: readonly { epoch: number; durationMs: number }[]): Map<number, number> {
  const out = new Map<number, number>();
  let t = 0;
  for (const e of [...epochs].sort((a, b) => a.epoch - b.epoch)) {
    t += e.durationMs / 1000;
    out.set(e.epoch, t);
  }
  return out;
}

export interface AxisContext {
  /** Iterations per epoch; null when unknown (then only the iteration axis has data). */
  itersPerEpoch: number | null;
  epochs: readonly { epoch: number; durationMs: number }[];
}

/** The x of a global iteration on the axis, or null when the data cannot place it. */
export function iterationX(iteration: number, axis: XAxis, ctx: AxisContext, ends = epochEndSeconds(ctx.epochs)): number | null {
  if (axis === 'iteration') return iteration;
  const p = ctx.itersPerEpoch;
  if (!p) return null;
  if (axis === 'epoch') return iteration / p;
  const epoch = Math.ceil(iteration / p);
  const end = ends.get(epoch);
  if (end === undefined) return null;
  const start = ends.get(epoch - 1) ?? 0;
  return start + ((iteration - (epoch - 1) * p) / p) * (end - start);
}

/** The x of an epoch's metrics (taken at the epoch's end) on the axis, or null. */
export function epochX(epoch: number, axis: XAxis, ctx: AxisContext, ends = epochEndSeconds(ctx.epochs)): number | null {
  if (axis === 'epoch') return epoch;
  if (axis === 'time') return ends.get(epoch) ?? null;
  return ctx.itersPerEpoch ? epoch * ctx.itersPerEpoch : null;
}

/** Iteration numbers mapped onto the axis, with their values; points the axis cannot place are dropped. */
export function iterationsOnAxis(iterations: ArrayLike<number>, values: ArrayLike<number>, axis: XAxis, ctx: AxisContext): { xs: Float64Array; ys: Float64Array } {
  const ends = epochEndSeconds(ctx.epochs);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < iterations.length; i++) {
    const x = iterationX(iterations[i], axis, ctx, ends);
    if (x === null) continue;
    xs.push(x);
    ys.push(values[i]);
  }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
}

/** Per-epoch points on the axis: pick(row) at the epoch's x, skipping nulls and unplaceable epochs. */
export function epochPointsOnAxis<R extends { epoch: number; durationMs: number }>(rows: readonly R[], pick: (r: R) => number | null | undefined, axis: XAxis, ctx: AxisContext): Point[] {
  const ends = epochEndSeconds(ctx.epochs);
  const out: Point[] = [];
  for (const r of rows) {
    const y = pick(r);
    const x = epochX(r.epoch, axis, ctx, ends);
    if (y === null || y === undefined || x === null) continue;
    out.push({ x, y });
  }
  return out.sort((a, b) => a.x - b.x);
}
