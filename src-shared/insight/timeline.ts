// The per-epoch evaluation timeline: what the worker records each epoch (a confusion matrix, and
// each evaluated image's predicted class as one byte) turned into view data: per-class learning
// curves, one image's history, the images that flipped between two epochs or two runs, and the
// confusion delta between two runs at an epoch. Pure functions; an epoch that was not recorded
// gives null ("not recorded for this run"), never an error.

import { confusionDifference, perClassMetrics, NUM_CLASSES } from '../metrics';

export interface EpochConfusion {
  /** 1-based epoch. */
  epoch: number;
  /** 10×10 counts, row = true label, column = predicted: confusion[t·10 + p]. */
  confusion: ArrayLike<number>;
}

export interface ClassCurve {
  label: number;
  name: string;
  epochs: number[];
  /** Per epoch: null where nothing was predicted as the class (precision) or it has no images (recall). */
  precision: (number | null)[];
  recall: (number | null)[];
  f1: (number | null)[];
}

function sortedByEpoch<T extends { epoch: number }>(rows: readonly T[]): T[] {
  const out = [...rows].sort((a, b) => a.epoch - b.epoch);
  for (let i = 1; i < out.length; i++) if (out[i].epoch === out[i - 1].epoch) throw new Error(`Epoch ${out[i].epoch} is recorded twice.`);
  return out;
}

/** Precision, recall and F1 of each class at each recorded epoch (epochs ascending). */
export function perClassCurves(timeline: readonly EpochConfusion[], classNames: readonly string[] = defaultClassNames()): ClassCurve[] {
  if (classNames.length !== NUM_CLASSES) throw new Error(`Expected ${NUM_CLASSES} class names (got ${classNames.length}).`);
  const rows = sortedByEpoch(timeline);
  const curves: ClassCurve[] = classNames.map((name, label) => ({ label, name, epochs: [], precision: [], recall: [], f1: [] }));
  for (const r of rows) {
    const m = perClassMetrics(r.confusion);
    for (const c of m) {
      const cv = curves[c.label];
      cv.epochs.push(r.epoch);
      cv.precision.push(c.precision);
      cv.recall.push(c.recall);
      cv.f1.push(c.f1);
    }
  }
  return curves;
}

/** "0" … "9": MNIST's class names. */
export function defaultClassNames(): string[] {
  return Array.from({ length: NUM_CLASSES }, (_, i) => String(i));
}

/**
 * "When did the model learn 8s?": the first epoch from which `metric` stays at or above
 * `threshold` for the rest of the recorded epochs; null if it never settles there.
 */
export function learnedAt(curve: ClassCurve, threshold: number, metric: 'recall' | 'precision' | 'f1' = 'recall'): number | null {
  const v = curve[metric];
  let from: number | null = null;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== null && x >= threshold) {
      if (from === null) from = curve.epochs[i];
    } else from = null;
  }
  return from;
}

/** The confusion matrix recorded at an epoch, or null when that epoch was not recorded. */
export function confusionAt(timeline: readonly EpochConfusion[], epoch: number): ArrayLike<number> | null {
  return timeline.find((r) => r.epoch === epoch)?.confusion ?? null;
}

export interface ConfusionDelta {
  /** Cell-wise A − B counts. */
  delta: number[];
  /** Cell-wise A − B of the row-normalised matrices (each row as fractions of its true class). */
  rateDelta: number[];
  /** Correct in A minus correct in B (the trace of delta). */
  netCorrect: number;
}

/** A − B of two confusion matrices (the Compare view's delta). */
export function confusionDelta(a: ArrayLike<number>, b: ArrayLike<number>): ConfusionDelta {
  const delta = confusionDifference(a, b);
  const rate = (m: ArrayLike<number>, t: number, p: number) => {
    let s = 0;
    for (let j = 0; j < NUM_CLASSES; j++) s += m[t * NUM_CLASSES + j];
    return s > 0 ? m[t * NUM_CLASSES + p] / s : 0;
  };
  const rateDelta = new Array<number>(NUM_CLASSES * NUM_CLASSES);
  let netCorrect = 0;
  for (let t = 0; t < NUM_CLASSES; t++) {
    netCorrect += delta[t * NUM_CLASSES + t];
    for (let p = 0; p < NUM_CLASSES; p++) rateDelta[t * NUM_CLASSES + p] = rate(a, t, p) - rate(b, t, p);
  }
  return { delta, rateDelta, netCorrect };
}

/** confusionDelta of two runs' timelines at one epoch; null when either run lacks that epoch. */
export function confusionDeltaAt(a: readonly EpochConfusion[], b: readonly EpochConfusion[], epoch: number): ConfusionDelta | null {
  const ca = confusionAt(a, epoch), cb = confusionAt(b, epoch);
  return ca && cb ? confusionDelta(ca, cb) : null;
}

/** 10×10 counts from labels and predicted classes (same length). */
export function confusionFromPredictions(labels: ArrayLike<number>, predicted: ArrayLike<number>): Int32Array {
  if (labels.length !== predicted.length) throw new Error(`labels (${labels.length}) and predictions (${predicted.length}) differ in length.`);
  const m = new Int32Array(NUM_CLASSES * NUM_CLASSES);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i], p = predicted[i];
    if (!(t >= 0 && t < NUM_CLASSES && p >= 0 && p < NUM_CLASSES && Number.isInteger(t) && Number.isInteger(p))) throw new Error(`Image ${i}: label ${t} or prediction ${p} is not a class 0..9.`);
    m[t * NUM_CLASSES + p]++;
  }
  return m;
}

/**
 * Each image's predicted class at each recorded epoch: one byte per image per epoch, epochs
 * ascending; row e holds epoch epochs[e]: predicted[e·count + i].
 */
export interface PredictionTimeline {
  epochs: number[];
  count: number;
  predicted: Uint8Array;
}

/** Packs per-epoch prediction rows (any order; all of the same length) into a timeline. */
export function packPredictions(rows: readonly { epoch: number; predicted: Uint8Array }[]): PredictionTimeline {
  const sorted = sortedByEpoch(rows);
  const count = sorted.length ? sorted[0].predicted.length : 0;
  const predicted = new Uint8Array(sorted.length * count);
  sorted.forEach((r, e) => {
    if (r.predicted.length !== count) throw new Error(`Epoch ${r.epoch} has ${r.predicted.length} predictions; epoch ${sorted[0].epoch} has ${count}.`);
    predicted.set(r.predicted, e * count);
  });
  return { epochs: sorted.map((r) => r.epoch), count, predicted };
}

/** One epoch's predictions (a view), or null when that epoch was not recorded. */
export function predictionsAt(t: PredictionTimeline, epoch: number): Uint8Array | null {
  const e = t.epochs.indexOf(epoch);
  return e < 0 ? null : t.predicted.subarray(e * t.count, (e + 1) * t.count);
}

export interface ImageHistory {
  index: number;
  label: number;
  epochs: number[];
  predicted: number[];
  correct: boolean[];
  /** How often the prediction changed from one recorded epoch to the next. */
  changes: number;
  /** The first epoch from which the image stays correctly classified; null if it ends wrong. */
  learnedAt: number | null;
}

/** The predicted class of image `index` at every recorded epoch. */
export function imageHistory(t: PredictionTimeline, labels: ArrayLike<number>, index: number): ImageHistory {
  if (labels.length !== t.count) throw new Error(`labels (${labels.length}) do not match the timeline's ${t.count} images.`);
  if (!Number.isInteger(index) || index < 0 || index >= t.count) throw new Error(`Image ${index} is outside 0..${t.count - 1}.`);
  const label = labels[index];
  const predicted = t.epochs.map((_, e) => t.predicted[e * t.count + index]);
  const correct = predicted.map((p) => p === label);
  let changes = 0;
  for (let e = 1; e < predicted.length; e++) if (predicted[e] !== predicted[e - 1]) changes++;
  let learned: number | null = null;
  for (let e = 0; e < correct.length; e++) {
    if (correct[e]) { if (learned === null) learned = t.epochs[e]; } else learned = null;
  }
  return { index, label, epochs: t.epochs.slice(), predicted, correct, changes, learnedAt: learned };
}

export interface Flips {
  /** Right before, wrong after. */
  rightToWrong: number[];
  /** Wrong before, right after. */
  wrongToRight: number[];
  /** Wrong in both, but predicted as a different class. */
  wrongChanged: number[];
  /** Wrong in both, as the same class. */
  wrongSame: number[];
}

/**
 * Images whose correctness changed between two prediction vectors of the same images (two epochs
 * of a run, or two runs at an epoch). Lists are ascending image indices.
 */
export function flips(labels: ArrayLike<number>, before: ArrayLike<number>, after: ArrayLike<number>): Flips {
  if (labels.length !== before.length || labels.length !== after.length) throw new Error(`labels (${labels.length}) and both predictions (${before.length}, ${after.length}) must cover the same images.`);
  const out: Flips = { rightToWrong: [], wrongToRight: [], wrongChanged: [], wrongSame: [] };
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i], a = before[i], b = after[i];
    if (a === y) { if (b !== y) out.rightToWrong.push(i); }
    else if (b === y) out.wrongToRight.push(i);
    else (a === b ? out.wrongSame : out.wrongChanged).push(i);
  }
  return out;
}

/** flips between two recorded epochs of one run; null when either epoch was not recorded. */
export function flipsBetweenEpochs(t: PredictionTimeline, labels: ArrayLike<number>, from: number, to: number): Flips | null {
  const a = predictionsAt(t, from), b = predictionsAt(t, to);
  return a && b ? flips(labels, a, b) : null;
}
