// Looking inside a checkpoint (issue 11): layer traces of one image (a dataset image or a
// drawing), how a unit was computed, the test images that activate a unit most, the
// probabilities of several checkpoints side by side, saliency, and the ONNX export. All of it is
// engine/inspect on the checkpoint's parameters and its run's normalisation, computed here in
// main: a trace is about a millisecond; ranking the test set for top-activating images takes
// seconds, so it runs in chunks that yield to the event loop and is cached per checkpoint.

import { ApiError } from '../../src-shared/errors';
import type { CheckpointRef, ImageInput, LayerTraceRow, TopActivatingRow, UnitExplanation } from '../../src-shared/contract';
import { IMAGE_SIZE } from '../../src-shared/engine/layout';
import {
  classifyPixels, explainAffineUnit, explainConvUnit, inspectableError, isInspectable, kernelImages, modelFromCheckpoint, saliency as saliencyMap,
  saliencyDifference, topActivating, traceImage, TRACE_SHAPES, type CheckpointModel, type RankedImage, type UnitRef,
} from '../../src-shared/engine/inspect/index';
import type { NormStats } from '../../src-shared/engine/batch';
import { exportOnnx, OnnxExportError } from '../../src-shared/onnx/export';
import { LAYER_UNITS, MAX_TOP_IMAGES, TOP_LAYERS } from '../../src-shared/insight/params';
import type { RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { slug } from './datasets';
import { classNamesOf } from './insight';
import { APP_VERSION, ENGINE_VERSION } from './versions';

const PX = IMAGE_SIZE * IMAGE_SIZE;
/** Decoded checkpoints kept (61,706 floats each). */
const MODEL_CACHE = 16;
/** Checkpoints whose test-set ranking is kept (226 units × 64 images each). */
const RANKING_CACHE = 4;
/** Test images ranked between two yields to the event loop (~0.3 ms each on an idle core, so ~150 ms between yields). */
const RANK_CHUNK = 500;

interface Model extends CheckpointModel {
  ref: CheckpointRef;
  run: RunRecord;
}

/** A small least-recently-used map. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly size: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value as K);
  }
  delete(k: K): void {
    this.map.delete(k);
  }
}

const ALL_UNITS: UnitRef[] = TOP_LAYERS.flatMap((layer) =>
  Array.from({ length: LAYER_UNITS[layer] }, (_, i): UnitRef => (layer === 'c1' || layer === 'c3' ? { layer, channel: i } : { layer, unit: i })),
);

function f32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

export function inspectMethods(ctx: WorkbenchContext): Methods<'traceImage' | 'explainUnit' | 'topActivating' | 'predictImage' | 'saliency' | 'exportOnnx'> {
  const { store } = ctx;
  const models = new Lru<number, Model>(MODEL_CACHE);
  const rankings = new Lru<number, Promise<RankedImage[][]>>(RANKING_CACHE);

  /** The checkpoint's parameters and normalisation, decoded once (a checkpoint's bytes never change). */
  function model(checkpointId: number): Model {
    const hit = models.get(checkpointId);
    if (hit) return hit;
    const cp = store.loadCheckpoint(checkpointId);
    const run = store.getRun(cp.runId);
    let m: CheckpointModel;
    try {
      m = modelFromCheckpoint(cp.data);
    } catch (e) {
      throw new ApiError(`Checkpoint ${checkpointId} cannot be read: ${(e as Error).message}`);
    }
    const out: Model = { ...m, run, ref: { checkpointId, runId: run.id, runName: run.name, epoch: cp.epoch, iteration: cp.iteration } };
    models.set(checkpointId, out);
    return out;
  }

  /** The 784 pixels of an image (of `run`'s dataset, or drawn) and its label (null for a drawing). */
  function pixelsOf(run: RunRecord, image: ImageInput): { pixels: Uint8Array; label: number | null } {
    if ('pixels' in image) return { pixels: image.pixels, label: null };
    const set = ctx.datasets.load(run.datasetId)[image.split];
    if (image.index >= set.count) throw new ApiError(`Image index ${image.index} is out of range: the ${image.split} split of "${run.datasetId}" has ${set.count} images (0 to ${set.count - 1}).`);
    // A copy as a plain Uint8Array: the loaded set may be a Node Buffer, which the wire does not carry.
    return { pixels: new Uint8Array(set.pixels.subarray(image.index * PX, (image.index + 1) * PX)), label: set.labels[image.index] };
  }

  /** Every unit's best MAX_TOP_IMAGES test images, computed in chunks so the host stays responsive. */
  async function rank(checkpointId: number, m: Model): Promise<RankedImage[][]> {
    const set = ctx.datasets.load(m.run.datasetId).test;
    const best: RankedImage[][] = ALL_UNITS.map(() => []);
    const indices = new Uint32Array(RANK_CHUNK);
    for (let c = 0; c < set.count; c += RANK_CHUNK) {
      const n = Math.min(RANK_CHUNK, set.count - c);
      for (let i = 0; i < n; i++) indices[i] = c + i;
      const part = topActivating(m.params, set, m.normalization, ALL_UNITS, MAX_TOP_IMAGES, indices.subarray(0, n));
      part.forEach((list, u) => {
        // Chunks come in index order, so on equal activations the earlier entries keep the lower indices.
        best[u] = [...best[u], ...list].sort((a, b) => (b.activation > a.activation ? 1 : b.activation < a.activation ? -1 : a.index - b.index)).slice(0, MAX_TOP_IMAGES);
      });
      await new Promise<void>((r) => setImmediate(r));
      // Its run may have been deleted meanwhile: stop with the store's "no checkpoint" message.
      store.getCheckpoint(checkpointId);
    }
    return best;
  }

  /** A checkpoint whose layers the views can show (the report's model), or the reason it is not one. */
  function viewable(checkpointId: number): Model {
    const m = model(checkpointId);
    if (!isInspectable(m)) throw new ApiError(`Checkpoint ${checkpointId} (run ${m.run.id}): ${inspectableError(m)}`);
    return m;
  }

  const trace = (m: Model, pixels: Uint8Array) => traceImage(m.params, pixels, m.normalization);

  return {
    traceImage: ({ checkpointId, image }) => {
      const m = viewable(checkpointId);
      const { pixels, label } = pixelsOf(m.run, image);
      const t = trace(m, pixels);
      const k1 = kernelImages(m.params, 'c1'), k3 = kernelImages(m.params, 'c3');
      const out: LayerTraceRow = {
        ...m.ref, classNames: classNamesOf(m.run.datasetId), label, pixels, predicted: t.predicted, probabilities: Array.from(t.probs),
        layers: { input: f32(t.input), c1: f32(t.c1), s2: f32(t.s2), c3: f32(t.c3), s4: f32(t.s4), c5: f32(t.c5), f6: f32(t.f6), logits: f32(t.logits) },
        shapes: {
          input: [...TRACE_SHAPES.input], c1: [...TRACE_SHAPES.c1], s2: [...TRACE_SHAPES.s2], c3: [...TRACE_SHAPES.c3],
          s4: [...TRACE_SHAPES.s4], c5: [...TRACE_SHAPES.c5], f6: [...TRACE_SHAPES.f6], logits: [...TRACE_SHAPES.logits],
        },
        kernels: { c1: f32(k1.data), c3: f32(k3.data), c1AbsMax: k1.absMax, c3AbsMax: k3.absMax },
      };
      return out;
    },

    explainUnit: (p) => {
      const m = viewable(p.checkpointId);
      const t = trace(m, pixelsOf(m.run, p.image).pixels);
      if (!('unit' in p)) {
        const e = explainConvUnit(m.params, t, p.layer, p.channel, p.y, p.x);
        const out: UnitExplanation = {
          kind: 'conv', layer: e.layer, channel: e.channel, y: e.y, x: e.x, inputChannels: e.inputChannels,
          window: Array.from(e.window), kernel: Array.from(e.kernel), products: Array.from(e.products), perChannel: Array.from(e.perChannel),
          bias: e.bias, preActivation: e.preActivation, activation: e.activation,
        };
        return out;
      }
      const e = explainAffineUnit(m.params, t, p.layer, p.unit);
      let sum = 0;
      for (const v of e.products) sum += v;
      const out: UnitExplanation = {
        kind: 'affine', layer: e.layer, unit: e.unit, inputCount: e.inputs.length, sum,
        top: e.order.slice(0, 25).map((i) => ({ input: i, value: e.inputs[i], weight: e.weights[i], product: e.products[i] })),
        bias: e.bias, preActivation: e.preActivation, activation: e.activation,
      };
      return out;
    },

    topActivating: async ({ checkpointId, layer, unit, k }) => {
      const m = viewable(checkpointId);
      let pending = rankings.get(checkpointId);
      if (!pending) {
        pending = rank(checkpointId, m);
        rankings.set(checkpointId, pending);
        // A failed ranking is not kept: the next request tries again.
        pending.catch(() => rankings.delete(checkpointId));
      }
      const all = await pending;
      const u = ALL_UNITS.findIndex((x) => x.layer === layer && ('channel' in x ? x.channel : x.unit) === unit);
      const labels = ctx.datasets.load(m.run.datasetId).test.labels;
      const out: TopActivatingRow = {
        ...m.ref, layer, unit, dataset: m.run.datasetId, ranked: labels.length,
        images: all[u].slice(0, k).map((r) => ({ index: r.index, label: labels[r.index], activation: r.activation })),
      };
      return out;
    },

    predictImage: ({ checkpointIds, image }) => {
      const ms = checkpointIds.map(model);
      // A dataset image is one of the first checkpoint's run's dataset; every checkpoint classifies those pixels.
      const { pixels, label } = pixelsOf(ms[0].run, image);
      return {
        classNames: classNamesOf(ms[0].run.datasetId), label,
        rows: ms.map((m) => {
          // Any architecture classifies; the report's model through its trace (the views' numbers).
          const t = isInspectable(m) ? trace(m, pixels) : classifyPixels(m, pixels);
          return { ...m.ref, predicted: t.predicted, probabilities: Array.from(t.probs) };
        }),
      };
    },

    saliency: ({ checkpointId, image, target, versus, score }) => {
      const m = viewable(checkpointId);
      const { pixels, label } = pixelsOf(m.run, image);
      const predicted = trace(m, pixels).predicted;
      const k = target ?? predicted;
      if (versus !== null && versus === k) throw new ApiError(`versus must differ from the explained class (${k}, the ${target === null ? 'predicted' : 'target'} class): their difference would be 0 everywhere.`);
      const s = versus === null ? saliencyMap(m.params, pixels, m.normalization, k, score) : saliencyDifference(m.params, pixels, m.normalization, k, versus);
      return {
        ...m.ref, classNames: classNamesOf(m.run.datasetId), label, predicted, target: k, versus, score, value: s.score,
        gradient: f32(s.gradient), pixels,
      };
    },

    exportOnnx: ({ checkpointId }) => {
      const m = model(checkpointId);
      const norm: NormStats = m.normalization;
      const d = store.getDataset(m.run.datasetId);
      let bytes: Uint8Array;
      try {
        bytes = exportOnnx(m.params, norm, {
          runId: String(m.run.id), dataset: m.run.datasetId, classNames: classNamesOf(m.run.datasetId), appVersion: APP_VERSION,
          extra: {
            run_name: m.run.name, checkpoint_id: String(checkpointId), epoch: String(m.ref.epoch), iteration: String(m.ref.iteration),
            dataset_sha256: d.contentHash, engine_version: ENGINE_VERSION,
          },
        }, m.architecture);
      } catch (e) {
        if (e instanceof OnnxExportError) throw new ApiError(`Checkpoint ${checkpointId} (run ${m.run.id}, epoch ${m.ref.epoch}) cannot be exported: ${e.message}`);
        throw e;
      }
      return { filename: `run-${m.run.id}-${slug(m.run.name)}-epoch-${m.ref.epoch}.onnx`, mime: 'application/octet-stream', bytes };
    },
  };
}
