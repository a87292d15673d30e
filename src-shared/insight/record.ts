// What a run records about itself at the end of every epoch besides its metrics (issue 11): the
// training-health record, and each evaluated image's predicted class with the confusion matrix
// (the per-epoch timeline), for the validation set and, when the run's testTimeline setting lets
// it, the test set. The worker computes it (src-main/runs/insight.ts), the store keeps it in the
// epoch's own transaction, the API turns it into views. Plain data: typed arrays and JSON-safe
// numbers only, so it crosses worker threads and is stored as it is.

import type { EpochHealth } from '../engine/inspect/health';

/** Which images a timeline is about: the run's validation images, or the dataset's test set. */
export type TimelineSplit = 'validation' | 'test';
export const TIMELINE_SPLITS: readonly TimelineSplit[] = ['validation', 'test'];

export interface EpochTimeline {
  split: TimelineSplit;
  /** Images evaluated. */
  count: number;
  /** 10×10 counts, row = true label, column = predicted: confusion[t·10 + p]; sums to count. */
  confusion: Int32Array;
  /** One byte per image: its predicted class, in the split's image order. */
  predicted: Uint8Array;
}

/** What computing the record cost, in milliseconds, next to the epoch it was computed for. */
export interface InsightCost {
  healthMs: number;
  validationMs: number;
  /** null when the test timeline was not computed this epoch. */
  testMs: number | null;
  /** The epoch's own duration (training and its evaluation), for the share. */
  epochMs: number;
}

export interface EpochInsight {
  health: EpochHealth;
  /** The validation timeline, then the test one when it was recorded. */
  timelines: EpochTimeline[];
  cost: InsightCost;
  /** Why there is no test timeline for this epoch (the setting, or its measured cost); null when there is one. */
  testNote: string | null;
}
