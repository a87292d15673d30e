// Parsing the insight methods' params (issue 11): every parser turns unknown input into typed
// params or throws ApiError with a message for the user, like the rest of the contract's parsers
// (src-shared/params.ts, whose helpers these use). Part of the contract.
import { ApiError } from '../errors';
import { asObject, MAX_PAGE, onlyKeys, optEnum, optInt, reqEnum, reqId, reqInt, reqIntList } from '../params';
import { TIMELINE_SPLITS, type TimelineSplit } from './record';
import type { ImageRef, UnitLayer } from './rows';

/** An image as parsed: a dataset image, or drawn pixels as bytes. */
export type ImageInput = { split: 'train' | 'test'; index: number } | { pixels: Uint8Array };

export const DRAWING_PIXELS = 784;
/** At most this many checkpoints side by side (probabilities of a drawing). */
export const MAX_COMPARED_CHECKPOINTS = 8;
/** Top-activating images per unit, at most. */
export const MAX_TOP_IMAGES = 64;
export const UNIT_LAYERS: readonly UnitLayer[] = ['c1', 'c3', 'c5', 'f6', 'out'];
export const TOP_LAYERS = ['c1', 'c3', 'c5', 'f6'] as const;
/** Channels (C1, C3) or units (C5, F6, out) of each layer. */
export const LAYER_UNITS: Readonly<Record<UnitLayer, number>> = { c1: 6, c3: 16, c5: 120, f6: 84, out: 10 };
/** Side of a C1 / C3 feature map. */
export const MAP_SIDE = { c1: 28, c3: 10 } as const;

export function imageOf(v: unknown, key = 'image'): ImageInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ApiError(`${key} must be an object: {split, index} for a dataset image or {pixels} for a drawing (784 values 0–255).`);
  }
  const o = v as Record<string, unknown>;
  if (o.pixels !== undefined) {
    onlyKeys(o, ['pixels']);
    const p = o.pixels;
    if (!(p instanceof Uint8Array) && !Array.isArray(p)) throw new ApiError(`${key}.pixels must be a list of ${DRAWING_PIXELS} pixel values 0–255.`);
    if (p.length !== DRAWING_PIXELS) throw new ApiError(`${key}.pixels must hold ${DRAWING_PIXELS} values (28×28), not ${p.length}.`);
    if (p instanceof Uint8Array) return { pixels: Uint8Array.from(p) };
    const out = new Uint8Array(DRAWING_PIXELS);
    p.forEach((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) throw new ApiError(`${key}.pixels[${i}] must be a whole number 0–255.`);
      out[i] = x;
    });
    return { pixels: out };
  }
  onlyKeys(o, ['split', 'index']);
  return { split: reqEnum(o, 'split', ['train', 'test'] as const), index: reqInt(o, 'index', 0, 1e7) };
}

function splitOf(o: Record<string, unknown>): TimelineSplit {
  return reqEnum(o, 'split', TIMELINE_SPLITS);
}

export function parseRunId(input: unknown): { runId: number } {
  const o = asObject(input);
  onlyKeys(o, ['runId']);
  return { runId: reqId(o, 'runId') };
}

export function parseTimeline(input: unknown): { runId: number; split: TimelineSplit } {
  const o = asObject(input);
  onlyKeys(o, ['runId', 'split']);
  return { runId: reqId(o, 'runId'), split: splitOf(o) };
}

export interface TimelineImagesQuery {
  runId: number;
  split: TimelineSplit;
  epoch: number;
  /** True class 0..9. */
  label?: number;
  /** Predicted class 0..9. */
  predicted?: number;
  /** Default 0. */
  offset?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}
export type TimelineImagesFilter = TimelineImagesQuery & { offset: number; limit: number };

export function parseTimelineImages(input: unknown): TimelineImagesFilter {
  const o = asObject(input);
  onlyKeys(o, ['runId', 'split', 'epoch', 'label', 'predicted', 'offset', 'limit']);
  const out: TimelineImagesFilter = {
    runId: reqId(o, 'runId'), split: splitOf(o), epoch: reqInt(o, 'epoch', 1, 1000),
    offset: optInt(o, 'offset', 0, 0, 1e7), limit: optInt(o, 'limit', 100, 1, MAX_PAGE),
  };
  if (o.label !== undefined) out.label = reqInt(o, 'label', 0, 9);
  if (o.predicted !== undefined) out.predicted = reqInt(o, 'predicted', 0, 9);
  return out;
}

export function parseImageHistory(input: unknown): { runId: number; split: TimelineSplit; index: number } {
  const o = asObject(input);
  onlyKeys(o, ['runId', 'split', 'index']);
  return { runId: reqId(o, 'runId'), split: splitOf(o), index: reqInt(o, 'index', 0, 1e7) };
}

export interface FlipsParams {
  split: TimelineSplit;
  /** Two epochs of one run, or two runs (at the same or different epochs). */
  before: { runId: number; epoch: number };
  after: { runId: number; epoch: number };
}

function runEpochOf(v: unknown, key: string): { runId: number; epoch: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(`${key} must be an object {runId, epoch}.`);
  const o = v as Record<string, unknown>;
  onlyKeys(o, ['runId', 'epoch']);
  return { runId: reqId(o, 'runId'), epoch: reqInt(o, 'epoch', 1, 1000) };
}

export function parseFlips(input: unknown): FlipsParams {
  const o = asObject(input);
  onlyKeys(o, ['split', 'before', 'after']);
  const split = splitOf(o);
  if (o.before === undefined || o.after === undefined) throw new ApiError('before and after are required: {runId, epoch} each.');
  const before = runEpochOf(o.before, 'before'), after = runEpochOf(o.after, 'after');
  if (before.runId === after.runId && before.epoch === after.epoch) throw new ApiError('before and after are the same epoch of the same run: nothing can flip.');
  return { split, before, after };
}

export function parseCheckpointImage(input: unknown): { checkpointId: number; image: ImageInput } {
  const o = asObject(input);
  onlyKeys(o, ['checkpointId', 'image']);
  return { checkpointId: reqId(o, 'checkpointId'), image: imageOf(o.image) };
}

export interface ExplainParams {
  checkpointId: number;
  image: ImageRef;
  layer: UnitLayer;
  /** C1/C3: the feature map and the position in it. */
  channel?: number;
  y?: number;
  x?: number;
  /** C5/F6/out: the unit. */
  unit?: number;
}
export type ExplainParsed =
  | { checkpointId: number; image: ImageInput; layer: 'c1' | 'c3'; channel: number; y: number; x: number }
  | { checkpointId: number; image: ImageInput; layer: 'c5' | 'f6' | 'out'; unit: number };

export function parseExplain(input: unknown): ExplainParsed {
  const o = asObject(input);
  onlyKeys(o, ['checkpointId', 'image', 'layer', 'channel', 'y', 'x', 'unit']);
  const checkpointId = reqId(o, 'checkpointId');
  const image = imageOf(o.image);
  const layer = reqEnum(o, 'layer', UNIT_LAYERS);
  if (layer === 'c1' || layer === 'c3') {
    if (o.unit !== undefined) throw new ApiError(`${layer} units are picked by channel, y and x, not unit.`);
    const side = MAP_SIDE[layer];
    return { checkpointId, image, layer, channel: reqInt(o, 'channel', 0, LAYER_UNITS[layer] - 1), y: reqInt(o, 'y', 0, side - 1), x: reqInt(o, 'x', 0, side - 1) };
  }
  for (const k of ['channel', 'y', 'x']) if (o[k] !== undefined) throw new ApiError(`${layer} units are picked by unit, not ${k}.`);
  return { checkpointId, image, layer, unit: reqInt(o, 'unit', 0, LAYER_UNITS[layer] - 1) };
}

export interface TopActivatingParams {
  checkpointId: number;
  layer: (typeof TOP_LAYERS)[number];
  /** The channel (C1, C3) or unit (C5, F6). */
  unit: number;
  /** Default 16, at most MAX_TOP_IMAGES. */
  k?: number;
}

export function parseTopActivating(input: unknown): Required<TopActivatingParams> {
  const o = asObject(input);
  onlyKeys(o, ['checkpointId', 'layer', 'unit', 'k']);
  const layer = reqEnum(o, 'layer', TOP_LAYERS);
  return { checkpointId: reqId(o, 'checkpointId'), layer, unit: reqInt(o, 'unit', 0, LAYER_UNITS[layer] - 1), k: optInt(o, 'k', 16, 1, MAX_TOP_IMAGES) };
}

export function parseProbabilities(input: unknown): { checkpointIds: number[]; image: ImageInput } {
  const o = asObject(input);
  onlyKeys(o, ['checkpointIds', 'image']);
  return { checkpointIds: reqIntList(o, 'checkpointIds', 1, MAX_COMPARED_CHECKPOINTS, 1), image: imageOf(o.image) };
}

export interface SaliencyParams {
  checkpointId: number;
  image: ImageRef;
  /** The class explained (default: the predicted one). */
  target?: number;
  /** Explain target against this class: d(z_target − z_versus)/dpixel. */
  versus?: number;
  /** Default 'logit'. */
  score?: 'logit' | 'logprob';
}
export type SaliencyParsed = { checkpointId: number; image: ImageInput; target: number | null; versus: number | null; score: 'logit' | 'logprob' };

export function parseSaliency(input: unknown): SaliencyParsed {
  const o = asObject(input);
  onlyKeys(o, ['checkpointId', 'image', 'target', 'versus', 'score']);
  const out: SaliencyParsed = {
    checkpointId: reqId(o, 'checkpointId'), image: imageOf(o.image),
    target: o.target === undefined ? null : reqInt(o, 'target', 0, 9),
    versus: o.versus === undefined ? null : reqInt(o, 'versus', 0, 9),
    score: optEnum(o, 'score', ['logit', 'logprob'] as const, 'logit'),
  };
  if (out.versus !== null && out.target !== null && out.versus === out.target) throw new ApiError('versus must differ from target (their difference would be 0 everywhere).');
  if (out.versus !== null && out.score !== 'logit') throw new ApiError('A difference map (versus) is the same for both scores; leave score out.');
  return out;
}

export function parseCheckpointId(input: unknown): { checkpointId: number } {
  const o = asObject(input);
  onlyKeys(o, ['checkpointId']);
  return { checkpointId: reqId(o, 'checkpointId') };
}
