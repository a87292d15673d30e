// The training loop behind the terminal trainer, reporting through callbacks so that other
// hosts (the SQLite store, a worker's message port) can hook into the same loop.

import type { EpochMetrics, Evaluation, ImageSet, IterationInfo, Trainer } from '../../src-shared/engine/types';

export interface LoopCallbacks {
  /** Every iteration, with its loss. */
  onIteration?(info: IterationInfo): void;
  /** After each epoch's evaluation on the training sample and validation set. */
  onEpoch?(metrics: EpochMetrics): void;
  /** Every `checkpointEvery` epochs, after the last one and at a stop (only called when given). */
  onCheckpoint?(epoch: number, iteration: number, bytes: Uint8Array): void;
}

export type LoopStatus = 'completed' | 'stopped' | 'diverged';

export interface LoopResult {
  status: LoopStatus;
  /** Completed epochs. */
  epoch: number;
  /** Completed iterations. */
  iteration: number;
  /** When diverged: the iteration info whose loss was not finite. */
  divergedAt?: IterationInfo;
  /** Test-set evaluation of the final weights (also after a stop; not after divergence). */
  test?: Evaluation;
}

export interface LoopOptions {
  /** Polled between minibatches; true = finish now (after the current batch). */
  shouldStop?: () => boolean;
  /** Evaluated at the end (and after a stop). */
  testSet?: ImageSet;
  /** Yield to the event loop at least this often (ms) so signals and I/O are handled; default 50. */
  yieldEveryMs?: number;
  now?: () => number;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs a trainer to its last epoch, a stop, or a non-finite loss. */
export async function runTrainingLoop(trainer: Trainer, callbacks: LoopCallbacks = {}, opts: LoopOptions = {}): Promise<LoopResult> {
  const now = opts.now ?? (() => performance.now());
  const yieldEvery = opts.yieldEveryMs ?? 50;
  const every = trainer.config.checkpointEvery;
  let lastYield = now();
  let status: LoopStatus = 'completed';
  let divergedAt: IterationInfo | undefined;
  await tick();
  while (!trainer.done) {
    if (opts.shouldStop?.()) {
      status = 'stopped';
      break;
    }
    const info = trainer.step();
    callbacks.onIteration?.(info);
    if (!Number.isFinite(info.loss)) {
      status = 'diverged';
      divergedAt = info;
      break;
    }
    if (info.epochEnd) {
      callbacks.onEpoch?.(info.epochEnd);
      const e = info.epochEnd.epoch;
      if (callbacks.onCheckpoint && (e % every === 0 || trainer.done)) callbacks.onCheckpoint(e, info.iteration, trainer.checkpoint());
    }
    if (now() - lastYield >= yieldEvery) {
      await tick();
      lastYield = now();
    }
  }
  // A stop mid-run still leaves a checkpoint, so the run can be continued exactly.
  if (status === 'stopped' && callbacks.onCheckpoint && trainer.iteration > 0) callbacks.onCheckpoint(trainer.epoch, trainer.iteration, trainer.checkpoint());
  const result: LoopResult = { status, epoch: trainer.epoch, iteration: trainer.iteration, divergedAt };
  if (status !== 'diverged' && opts.testSet) result.test = trainer.evaluate(opts.testSet);
  return result;
}
