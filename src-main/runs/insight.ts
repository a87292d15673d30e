// The per-epoch insight record (src-shared/insight/record.ts), computed in the run worker right
// after an epoch's last step, before the epoch message is posted, so it is stored in the epoch's
// own transaction:
//   health      engine/inspect's health monitor on a fixed sample (the first HEALTH_SAMPLE images
//               of the run's train-accuracy sample, normalised once), with the parameters of the
//               previous epoch's end for the update ratios, and the gradient norms of the mean
//               data loss over that sample at the epoch's end parameters (the monitor's own
//               backend computes it: the trainer's optimiser has already zeroed its gradient
//               buffer, and the trainer's state is left alone).
//   validation  every validation image's predicted class and the confusion matrix: the trainer's
//               own, from the predictions behind the epoch's validation accuracy (not predicted again)
//   test        the same for the test set, by the run's testTimeline setting: 'on', 'off', or
//               'auto': recorded when the whole record (health, validation and test) costs under
//               INSIGHT_BUDGET of the epoch, as measured at the first epoch this worker trains.
// None of it changes training: evaluation draws nothing from the run's random streams and leaves
// the parameters as they were.

import type { TestTimeline } from '../../src-shared/config';
import { createHealthMonitor, type HealthMonitor } from '../../src-shared/engine/inspect/index';
import type { SolverTrainer, ValidationPredictions } from '../../src-shared/engine/solver';
import type { Dataset, EpochMetrics } from '../../src-shared/engine/types';
import type { EpochInsight, EpochTimeline, TimelineSplit } from '../../src-shared/insight/record';

/** Images of the health sample (about 55–65 ms on an idle core: engine/inspect/README.md). */
export const HEALTH_SAMPLE = 200;
/** 'auto' records the test timeline when the whole record costs less than this share of an epoch. */
export const INSIGHT_BUDGET = 0.1;

export interface EpochInsightMaker {
  /** The record for the epoch that just ended (metrics: its metrics, for the cost share). */
  measure(metrics: EpochMetrics): EpochInsight;
}

function timeline(split: TimelineSplit, ev: ValidationPredictions): EpochTimeline {
  return { split, count: ev.count, confusion: ev.confusion, predicted: ev.predicted };
}

export function createEpochInsight(trainer: SolverTrainer, dataset: Dataset, mode: TestTimeline, now: () => number = () => performance.now()): EpochInsightMaker {
  const sample = trainer.split.trainEval.subarray(0, Math.min(HEALTH_SAMPLE, trainer.split.trainEval.length));
  const monitor: HealthMonitor = createHealthMonitor(dataset.train, sample, trainer.normalization, trainer.layout);
  // One untimed pass first: the probe's first call pays ~0.2–0.5 s of JIT warm-up, which would
  // otherwise land in the first epoch's record and tilt the 'auto' decision taken on it.
  monitor.relus(trainer.params);
  monitor.gradient(trainer.params);
  // The parameters at the previous epoch's end. A worker that starts mid-epoch (a resume from a
  // stop checkpoint) has none, and its first record has no update ratios.
  let prev: Float32Array | null = trainer.iterationInEpoch === 0 ? trainer.params.slice() : null;
  let test: 'record' | 'skip' | 'decide' = mode === 'on' ? 'record' : mode === 'off' ? 'skip' : 'decide';
  let skipNote: string | null = mode === 'off' ? 'The run\'s testTimeline setting is off.' : null;

  return {
    measure(metrics: EpochMetrics): EpochInsight {
      const t0 = now();
      const health = monitor.measure(trainer.params, prev);
      const t1 = now();
      const val = trainer.lastValidation;
      if (!val) throw new Error('The insight record is measured at an epoch\'s end, after the trainer\'s validation.');
      const timelines = [timeline('validation', val)];
      const t2 = now();
      let testMs: number | null = null;
      if (test !== 'skip') {
        const ev = trainer.evaluate(dataset.test);
        testMs = now() - t2;
        const share = (t2 - t0 + testMs) / Math.max(metrics.durationMs, 1e-9);
        if (test === 'decide') {
          test = share < INSIGHT_BUDGET ? 'record' : 'skip';
          if (test === 'skip') {
            skipNote = `Not recorded: with the test set the epoch's insight record cost ${Math.round(share * 100)}% of epoch ${metrics.epoch} ` +
              `(testTimeline 'auto' records it under ${Math.round(INSIGHT_BUDGET * 100)}%; set it to 'on' to record it anyway).`;
          }
        }
        if (test === 'record') timelines.push(timeline('test', ev));
      }
      if (prev) prev.set(trainer.params);
      else prev = trainer.params.slice();
      return {
        health,
        timelines,
        cost: { healthMs: t1 - t0, validationMs: t2 - t1, testMs, epochMs: metrics.durationMs },
        testNote: test === 'record' ? null : skipNote,
      };
    },
  };
}

/** The record's buffers, to transfer with the epoch message (they are fresh each epoch). */
export function insightTransfer(i: EpochInsight): ArrayBuffer[] {
  return i.timelines.flatMap((t) => [t.confusion.buffer, t.predicted.buffer] as ArrayBuffer[]);
}
