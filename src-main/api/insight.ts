// What a run recorded about itself at each epoch (issue 11), as views: its training health with
// the diagnosis rules' verdicts, and its per-epoch prediction timeline (confusion matrices,
// per-class curves, the images of a confusion cell, one image's history, the images that flipped
// between two epochs or two runs). Runs recorded before the workbench kept these get empty
// results with a sentence saying so, never an error: the views show "not recorded for this run".

import { ApiError } from '../../src-shared/errors';
import type { FlipSets, ImageHistoryRow, RunHealth, RunTimeline, TimelineImages } from '../../src-shared/contract';
import { trainingCount } from '../../src-shared/engine/split';
import { diagnose } from '../../src-shared/insight/diagnosis';
import type { TimelineSplit } from '../../src-shared/insight/record';
import { defaultClassNames, flips, imageHistory, packPredictions, perClassCurves } from '../../src-shared/insight/timeline';
import { confusionAccuracy } from '../../src-shared/metrics';
import type { EpochTimelineRecord, RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';

/**
 * The class names of a dataset, in label order. IDX files carry none, so every dataset the
 * workbench can hold is named by its digits; this is the one place a dataset's own names would
 * come from.
 */
export function classNamesOf(_datasetId: string): string[] {
  return defaultClassNames();
}

/** Where the images of a run's timeline live in its dataset. */
export function timelineImages(ctx: WorkbenchContext, run: RunRecord, split: TimelineSplit): TimelineImages {
  const d = ctx.store.getDataset(run.datasetId);
  if (split === 'test') return { dataset: run.datasetId, split: 'test', first: 0, count: d.testSize };
  return { dataset: run.datasetId, split: 'train', first: d.trainSize - run.config.validationSize, count: run.config.validationSize };
}

/** The labels of a timeline's images, in timeline order. */
function labelsOf(ctx: WorkbenchContext, images: TimelineImages): Uint8Array {
  const set = ctx.datasets.load(images.dataset)[images.split];
  return set.labels.subarray(images.first, images.first + images.count);
}

const SPLIT_WORDS: Record<TimelineSplit, string> = { validation: 'validation', test: 'test-set' };

/** Why a run's timeline is missing (or partly missing), in a sentence; null when every trained epoch has one. */
function timelineNote(ctx: WorkbenchContext, run: RunRecord, split: TimelineSplit, rows: readonly EpochTimelineRecord[]): string | null {
  const trained = run.progress.epoch;
  if (trained === 0) return 'No epoch has finished yet.';
  if (rows.length === trained) return null;
  const health = ctx.store.getEpochHealth(run.id);
  if (health.length === 0) return `Not recorded for this run: it was trained before the workbench recorded per-epoch ${SPLIT_WORDS[split]} predictions.`;
  const note = split === 'test' ? health.find((h) => h.testNote !== null)?.testNote ?? null : null;
  if (rows.length === 0) return note ?? `Not recorded for this run.`;
  const shown = rows.map((r) => r.epoch);
  return `Recorded for epochs ${shown[0]}–${shown[shown.length - 1]} of ${trained} only${note ? `. ${note}` : '.'}`;
}

function rowAt(rows: readonly EpochTimelineRecord[], run: RunRecord, split: TimelineSplit, epoch: number): EpochTimelineRecord {
  const r = rows.find((x) => x.epoch === epoch);
  if (!r) throw new ApiError(`Run ${run.id} has no ${SPLIT_WORDS[split]} predictions recorded for epoch ${epoch} (recorded: ${rows.length ? rows.map((x) => x.epoch).join(', ') : 'none'}).`);
  return r;
}

function checkIndex(images: TimelineImages, index: number): number {
  const i = index - images.first;
  if (i < 0 || i >= images.count) {
    throw new ApiError(`Image ${index} is not in this timeline: it covers ${images.split} images ${images.first} to ${images.first + images.count - 1}.`);
  }
  return i;
}

export function insightMethods(ctx: WorkbenchContext): Methods<'getHealth' | 'getTimeline' | 'listTimelineImages' | 'getImageHistory' | 'getFlips'> {
  const { store } = ctx;
  return {
    getHealth: ({ runId }) => {
      const run = store.getRun(runId);
      const epochs = store.getEpochHealth(runId);
      const losses = store.getIterationLosses(runId).losses;
      let itersPerEpoch = 0;
      try {
        itersPerEpoch = Math.ceil(trainingCount(run.config, store.getDataset(run.datasetId).trainSize) / run.config.batchSize);
      } catch {
        // A config that no longer fits its dataset trained nothing: the stalled rule then waits its minimum.
      }
      const { learningRate, weightDecay, init, initStd } = run.config;
      const diagnoses = diagnose({
        losses, itersPerEpoch,
        health: epochs.map((e) => ({ epoch: e.epoch, health: e.health })),
        config: { learningRate, weightDecay, init, initStd },
        numClasses: 10,
      });
      const out: RunHealth = { runId, epochs, diagnoses, itersPerEpoch };
      return out;
    },

    getTimeline: ({ runId, split }) => {
      const run = store.getRun(runId);
      const rows = store.getEpochTimeline(runId, split);
      const classNames = classNamesOf(run.datasetId);
      const confusions = rows.map((r) => Array.from(r.confusion));
      const out: RunTimeline = {
        runId, split, classNames,
        images: timelineImages(ctx, run, split),
        epochs: rows.map((r) => r.epoch),
        confusions,
        accuracy: confusions.map((c) => confusionAccuracy(c) ?? 0),
        curves: perClassCurves(rows.map((r) => ({ epoch: r.epoch, confusion: r.confusion })), classNames),
        note: timelineNote(ctx, run, split, rows),
      };
      return out;
    },

    listTimelineImages: (q) => {
      const run = store.getRun(q.runId);
      const row = rowAt(store.getEpochTimeline(q.runId, q.split), run, q.split, q.epoch);
      const images = timelineImages(ctx, run, q.split);
      if (row.count !== images.count) throw new ApiError(`Run ${run.id}'s recorded ${SPLIT_WORDS[q.split]} predictions cover ${row.count} images, its dataset now ${images.count}.`);
      const labels = labelsOf(ctx, images);
      const match: number[] = [];
      for (let i = 0; i < row.count; i++) {
        if ((q.label === undefined || labels[i] === q.label) && (q.predicted === undefined || row.predicted[i] === q.predicted)) match.push(i);
      }
      return {
        total: match.length,
        rows: match.slice(q.offset, q.offset + q.limit).map((i) => ({ index: images.first + i, label: labels[i], predicted: row.predicted[i] })),
      };
    },

    getImageHistory: ({ runId, split, index }) => {
      const run = store.getRun(runId);
      const images = timelineImages(ctx, run, split);
      const i = checkIndex(images, index);
      const labels = labelsOf(ctx, images);
      const rows = store.getEpochTimeline(runId, split).filter((r) => r.count === images.count);
      const base = { runId, split, images, classNames: classNamesOf(run.datasetId) };
      if (rows.length === 0) {
        const out: ImageHistoryRow = { ...base, index, label: labels[i], epochs: [], predicted: [], correct: [], changes: 0, learnedAt: null };
        return out;
      }
      const h = imageHistory(packPredictions(rows), labels, i);
      const out: ImageHistoryRow = { ...base, ...h, index };
      return out;
    },

    getFlips: ({ split, before, after }) => {
      const runA = store.getRun(before.runId), runB = store.getRun(after.runId);
      const images = timelineImages(ctx, runA, split), other = timelineImages(ctx, runB, split);
      if (images.dataset !== other.dataset || images.first !== other.first || images.count !== other.count) {
        throw new ApiError(`Runs ${runA.id} and ${runB.id} were not evaluated on the same ${SPLIT_WORDS[split]} images (different datasets or validation sizes), so their predictions cannot be compared image by image.`);
      }
      const a = rowAt(store.getEpochTimeline(runA.id, split), runA, split, before.epoch);
      const b = rowAt(store.getEpochTimeline(runB.id, split), runB, split, after.epoch);
      const f = flips(labelsOf(ctx, images), a.predicted, b.predicted);
      const shift = (list: number[]) => list.map((i) => i + images.first);
      const out: FlipSets = {
        images, before, after,
        rightToWrong: shift(f.rightToWrong), wrongToRight: shift(f.wrongToRight), wrongChanged: shift(f.wrongChanged), wrongSame: shift(f.wrongSame),
      };
      return out;
    },
  };
}
