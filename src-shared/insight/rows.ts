// What the insight methods of the contract return (issue 11): a run's training health and
// diagnoses, its per-epoch prediction timeline, layer traces, unit explanations, top-activating
// images, probabilities of several checkpoints, saliency. Plain data, like every API row
// (typed arrays travel as they are over IPC and encoded over HTTP). Part of the contract
// (contract.ts re-exports it).
import type { EpochHealth } from '../engine/inspect/health';
import type { Diagnosis } from './diagnosis';
import type { InsightCost, TimelineSplit } from './record';
import type { ClassCurve, ImageHistory } from './timeline';

export type { Diagnosis, EpochHealth, InsightCost, TimelineSplit, ClassCurve, ImageHistory };

/** Where a timeline's images live: getImages({ dataset, split, indices }) fetches them. */
export interface TimelineImages {
  dataset: string;
  /** The dataset split holding them: 'train' for the validation images, 'test' for the test set. */
  split: 'train' | 'test';
  /** Index (in that split) of the timeline's first image; the timeline covers [first, first + count). */
  first: number;
  count: number;
}

export interface RunHealth {
  runId: number;
  /** One entry per epoch with a health record, ascending; empty for runs recorded before health was. */
  epochs: { epoch: number; health: EpochHealth; cost: InsightCost; testNote: string | null }[];
  /** What the diagnosis rules found (from the losses, and the health when there is some), most severe first. */
  diagnoses: Diagnosis[];
  /** Iterations per epoch of the run (the losses' epoch boundaries). */
  itersPerEpoch: number;
}

export interface RunTimeline {
  runId: number;
  split: TimelineSplit;
  /** The dataset's class names, in label order (digits when the dataset has none). */
  classNames: string[];
  images: TimelineImages;
  /** Recorded epochs, ascending (empty: not recorded for this run). */
  epochs: number[];
  /** Per recorded epoch: 100 counts, [true · 10 + predicted]. */
  confusions: number[][];
  /** Per recorded epoch: the fraction predicted right. */
  accuracy: number[];
  /** Precision / recall / F1 of each class at each recorded epoch. */
  curves: ClassCurve[];
  /** Why nothing (or not every epoch) was recorded, in a sentence; null when every trained epoch was. */
  note: string | null;
}

export interface TimelineImageRow {
  /** Index of the image in its dataset split (TimelineImages.split). */
  index: number;
  label: number;
  predicted: number;
}

export interface TimelineImagePage {
  total: number;
  rows: TimelineImageRow[];
}

export interface ImageHistoryRow extends ImageHistory {
  runId: number;
  split: TimelineSplit;
  images: TimelineImages;
  classNames: string[];
}

/** Images whose correctness changed between two prediction vectors (dataset indices, ascending). */
export interface FlipSets {
  images: TimelineImages;
  before: { runId: number; epoch: number };
  after: { runId: number; epoch: number };
  rightToWrong: number[];
  wrongToRight: number[];
  wrongChanged: number[];
  wrongSame: number[];
}

/** An image for the layer views: one of the run's dataset images, or drawn pixels (784 values 0–255, MNIST-preprocessed). */
export type ImageRef = { split: 'train' | 'test'; index: number } | { pixels: number[] | Uint8Array };

/** The checkpoint a view result is about. */
export interface CheckpointRef {
  checkpointId: number;
  runId: number;
  runName: string;
  epoch: number;
  iteration: number;
}

export interface LayerTraceRow extends CheckpointRef {
  classNames: string[];
  /** The image's true label (a dataset image), null for a drawing. */
  label: number | null;
  /** The 28×28 pixels traced (0–255). */
  pixels: Uint8Array;
  predicted: number;
  probabilities: number[];
  /** Each layer's output after its ReLU (logits: before the softmax), NCHW per image: shapes in `shapes`. */
  layers: { input: Float32Array; c1: Float32Array; s2: Float32Array; c3: Float32Array; s4: Float32Array; c5: Float32Array; f6: Float32Array; logits: Float32Array };
  shapes: Record<'input' | 'c1' | 's2' | 'c3' | 's4' | 'c5' | 'f6' | 'logits', number[]>;
  /** The C1 (6, 1, 5, 5) and C3 (16, 6, 5, 5) kernels, with each layer's max |w| for a shared colour scale. */
  kernels: { c1: Float32Array; c3: Float32Array; c1AbsMax: number; c3AbsMax: number };
}

export type UnitLayer = 'c1' | 'c3' | 'c5' | 'f6' | 'out';

/** How one unit was computed from the previous layer, for an image (CNN Explainer's detail view). */
export type UnitExplanation =
  | {
    kind: 'conv';
    layer: 'c1' | 'c3';
    channel: number;
    y: number;
    x: number;
    /** Input maps under the kernel: 1 (the padded input) for C1, 6 (S2's maps) for C3. */
    inputChannels: number;
    /** (inputChannels, 5, 5) each: the input window, the kernel and their products. */
    window: number[];
    kernel: number[];
    products: number[];
    perChannel: number[];
    bias: number;
    preActivation: number;
    activation: number;
  }
  | {
    kind: 'affine';
    layer: 'c5' | 'f6' | 'out';
    unit: number;
    /** The inputs with the largest |input · weight|, largest first (at most 25). */
    top: { input: number; value: number; weight: number; product: number }[];
    inputCount: number;
    /** Σ of all products (not only the top ones). */
    sum: number;
    bias: number;
    preActivation: number;
    activation: number;
  };

export interface TopActivatingRow extends CheckpointRef {
  layer: 'c1' | 'c3' | 'c5' | 'f6';
  unit: number;
  /** Where the images are (the run's dataset, test split). */
  dataset: string;
  /** Images ranked (the whole test set). */
  ranked: number;
  /** Best first: test-set index, label, activation (a feature map's maximum, or the unit's output). */
  images: { index: number; label: number; activation: number }[];
}

export interface CheckpointProbabilities extends CheckpointRef {
  predicted: number;
  probabilities: number[];
}

export interface ProbabilitiesRow {
  classNames: string[];
  /** The true label of a dataset image; null for a drawing. */
  label: number | null;
  rows: CheckpointProbabilities[];
}

export interface SaliencyRow extends CheckpointRef {
  classNames: string[];
  label: number | null;
  predicted: number;
  /** The class whose score is explained. */
  target: number;
  /** With `versus`: the map is d(z_target − z_versus)/dpixel. */
  versus: number | null;
  score: 'logit' | 'logprob';
  /** The score's value for this image. */
  value: number;
  /** (28, 28): d(score)/d(pixel value), pixels 0–255. */
  gradient: Float32Array;
  pixels: Uint8Array;
}
