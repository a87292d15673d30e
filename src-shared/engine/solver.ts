// The solver (the report's Solver class): minibatch training of the LeNet-5 on a Backend, one
// step at a time, so a worker can report progress, stop and checkpoint between any two steps.
//
// Sampling (nTrain training images, batch B, itersPerEpoch = ceil(nTrain / B) in every mode):
//   sequential  every epoch walks images 0 .. nTrain−1 in order; the last batch of an epoch is
//               smaller when B does not divide nTrain (it is included, so every image is seen)
//   shuffle     the same, through a new permutation drawn at the start of each epoch
//   bootstrap   each batch is B images drawn uniformly with replacement (always B images)
// Learning rate: epoch e (1-based) trains at learningRate · decayFactor^max(0, e − decayStart).
// L2 regularisation (weightDecay λ) acts in epochs e > weightDecayStart (0: in every epoch).
//
// Timing: durationMs counts the time spent inside step() during the epoch (batch assembly,
// forward/backward, optimiser, and the end-of-epoch evaluation), not the caller's time between
// steps; imagesPerSecond is training images over training time only (evaluation excluded).
//
// Determinism: everything random comes from the seeded PRNG streams (engine/split STREAM), and a
// checkpoint holds all the state the next step reads, so restoring at any step and continuing
// gives bit-identical parameters to never having stopped. A backend that trains on several
// threads (engine/wasm/parallel.ts) splits every batch into fixed shards (engine/shards.ts), so
// the thread count never changes a bit either: a run may be resumed on any number of threads.
//
// The step itself (batch assembly, forward, backward, L2, optimiser) is the backend's own when it
// has one (Backend.createStep), else composed from the pieces (engine/step.ts composedStep).
//
// Architecture (engine/arch.ts): a run's config names its network, the backend must have been
// built for that network (createTrainer and restoreTrainer refuse another, naming both), and a
// checkpoint records it (format version 2; a version-1 checkpoint is the report's model).

import type { Backend } from './backend';
import type { EpochMetrics, Evaluation, ImageSet, IterationInfo, TrainConfig, Trainer } from './types';
import { Prng } from './prng';
import { NUM_CLASSES, layoutFor, type ParamLayout } from './layout';
import { architectureOf, describeArchitecture, sameArchitecture, type Architecture } from './arch';
import { initParams } from './init';
import { normStats, type NormStats } from './batch';
import { composedStep, type BatchRef, type TrainingStep } from './step';
import { learningRateAt } from './schedule';
import { checkTrainConfig } from './trainConfig';
import { checkImageSet, fingerprint, splitTrainSet, STREAM, type Split } from './split';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointBuffer } from './checkpoint';
import { readIdentity } from './checkpoint-model';

export { checkpointModel, type CheckpointModel } from './checkpoint-model';

/**
 * Bumped when a change to the engine changes the numbers a run produces.
 * 2.0.0: gradients summed over 8 fixed shards per batch (engine/shards.ts) instead of one pass over
 * the batch; flush-to-zero of subnormal parameters, moments, activations and gradients (engine/ftz.ts).
 */
export const ENGINE_VERSION = '2.0.0';

/** −log p is computed with p clamped to the smallest positive float32, so one image's loss is at most ≈103.3. */
const MIN_PROB = 1.401298464324817e-45;

export interface TrainerOptions {
  /** Milliseconds clock (default: performance.now). Only timing metrics read it. */
  now?: () => number;
}

/** What the solver adds beyond the Trainer interface (still satisfied structurally by Trainer users). */
export interface SolverTrainer extends Trainer {
  /** Iterations done in the current epoch (0 at an epoch boundary). */
  readonly iterationInEpoch: number;
  /** The input normalisation of this run (mean/std of the training pixels, or scale01). */
  readonly normalization: NormStats;
  /** How the training set is divided (training count, validation range, train-eval sample). */
  readonly split: Readonly<Split>;
  readonly backend: Backend;
  /** The network's parameter layout (its architecture is the config's). */
  readonly layout: ParamLayout;
  /**
   * Each validation image's predicted class and the confusion matrix (row = true label) at the
   * last epoch end, from the same predictions as that epoch's valAccuracy; null before the first.
   * Fresh arrays at every epoch end, so a caller may transfer their buffers.
   */
  readonly lastValidation: ValidationPredictions | null;
}

/** A split's per-image predictions: count images, predicted[i] their classes, confusion[true·10 + predicted]. */
export interface ValidationPredictions {
  count: number;
  predicted: Uint8Array;
  confusion: Int32Array;
}

interface State {
  epoch: number; // completed epochs
  iteration: number; // global
  pos: number; // iterations done in the current epoch
  lossSum: number; // over the current epoch's iterations
  images: number; // trained in the current epoch
  trainMs: number; // in the current epoch
  evalMs: number;
}

function defaultNow(): number {
  return globalThis.performance.now();
}

/** JSON cannot hold NaN or ±Infinity: keep them as strings so a diverged sum survives a checkpoint. */
function numToJson(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}
function numFromJson(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`Corrupt checkpoint: ${what} is not a number.`);
}

class SolverImpl implements SolverTrainer {
  readonly config: TrainConfig;
  readonly itersPerEpoch: number;
  readonly split: Split;
  readonly normalization: NormStats;
  readonly backend: Backend;
  readonly layout: ParamLayout;
  lastValidation: ValidationPredictions | null = null;
  private readonly train: ImageSet;
  private readonly trainPrint: string;
  private readonly runner: TrainingStep;
  private readonly rng: Prng;
  private readonly perm: Uint32Array; // shuffle: this epoch's order of training images
  private readonly draws: Uint32Array; // bootstrap: this batch's images
  private readonly probs: Float32Array; // evaluation chunk output (maxBatch, 10)
  private readonly now: () => number;
  private s: State = { epoch: 0, iteration: 0, pos: 0, lossSum: 0, images: 0, trainMs: 0, evalMs: 0 };

  constructor(config: TrainConfig, train: ImageSet, backend: Backend, options: TrainerOptions, norm: NormStats | null, trainPrint: string | null) {
    this.config = config;
    this.train = train;
    this.backend = backend;
    this.layout = layoutFor(config);
    checkBackendArchitecture(backend, config, 'This run');
    const count = this.layout.count;
    if (!(backend.params instanceof Float32Array) || backend.params.length !== count || !(backend.grads instanceof Float32Array) || backend.grads.length !== count) {
      throw new Error(`The backend must hold ${count} parameters and gradients (engine/layout).`);
    }
    if (config.batchSize > backend.maxBatch) throw new Error(`batchSize (${config.batchSize}) exceeds the backend's maxBatch (${backend.maxBatch}).`);
    this.split = splitTrainSet(config, train);
    this.itersPerEpoch = Math.ceil(this.split.nTrain / config.batchSize);
    this.normalization = norm ?? normStats(config.normalization, train, this.split.nTrain);
    this.trainPrint = trainPrint ?? fingerprint(train);
    const stepConfig = { ...config, normalization: this.normalization };
    this.runner = backend.createStep ? backend.createStep(stepConfig) : composedStep(backend, stepConfig);
    this.rng = new Prng(config.seed, STREAM.sampling);
    this.perm = new Uint32Array(config.sampling === 'shuffle' ? this.split.nTrain : 0);
    this.draws = new Uint32Array(config.sampling === 'bootstrap' ? config.batchSize : 0);
    this.probs = new Float32Array(backend.maxBatch * NUM_CLASSES);
    this.now = options.now ?? defaultNow;
  }

  get epoch(): number { return this.s.epoch; }
  get iteration(): number { return this.s.iteration; }
  get iterationInEpoch(): number { return this.s.pos; }
  get done(): boolean { return this.s.epoch >= this.config.epochs; }
  get params(): Float32Array { return this.backend.params; }

  /** Fresh run: initialise the parameters from the seed. */
  initialise(): void {
    initParams(this.backend.params, this.config.init, this.config.initStd, new Prng(this.config.seed, STREAM.init), this.layout);
    this.backend.grads.fill(0);
  }

  step(): IterationInfo & { epochEnd?: EpochMetrics } {
    if (this.done) throw new Error(`Training is finished: all ${this.config.epochs} epochs are done.`);
    const t0 = this.now();
    const s = this.s, cfg = this.config, B = cfg.batchSize, nTrain = this.split.nTrain;
    const e = s.epoch + 1;
    if (s.pos === 0) {
      if (cfg.sampling === 'shuffle') this.rng.permutation(this.perm, nTrain);
      s.lossSum = 0; s.images = 0; s.trainMs = 0; s.evalMs = 0;
    }
    const lr = learningRateAt(cfg, e);
    let batch: BatchRef;
    if (cfg.sampling === 'bootstrap') {
      for (let i = 0; i < B; i++) this.draws[i] = this.rng.below(nTrain);
      batch = { set: this.train, indices: this.draws, start: 0, n: B };
    } else {
      const start = s.pos * B;
      batch = { set: this.train, indices: cfg.sampling === 'shuffle' ? this.perm : null, start, n: Math.min(B, nTrain - start) };
    }
    const n = batch.n;
    // With L2 regularisation the iteration loss is data + ½λ‖W‖², as the report's code reports it.
    // L2 may start after the first epochs: with the report's N(0, 0.001²) init, λW outweighs the
    // data gradient at first and Adam can shrink the weights to nothing (docs/results.md).
    const loss = this.runner.train(batch, lr, e > cfg.weightDecayStart ? cfg.weightDecay : 0);
    s.lossSum += loss;
    s.images += n;
    s.pos++;
    s.iteration++;
    const info: IterationInfo & { epochEnd?: EpochMetrics } = {
      epoch: e, iteration: s.iteration, iterationInEpoch: s.pos, itersPerEpoch: this.itersPerEpoch, loss, learningRate: lr,
    };
    const t1 = this.now();
    s.trainMs += t1 - t0;
    if (s.pos === this.itersPerEpoch) {
      const tr = this.score(this.split.trainEval, 0, this.split.trainEval.length);
      const val: ValidationPredictions = { count: this.split.valCount, predicted: new Uint8Array(this.split.valCount), confusion: new Int32Array(NUM_CLASSES * NUM_CLASSES) };
      const va = this.score(null, this.split.valStart, this.split.valCount, val);
      this.lastValidation = val;
      s.evalMs += this.now() - t1;
      info.epochEnd = {
        epoch: e,
        trainAccuracy: tr.accuracy,
        trainLoss: tr.loss,
        valAccuracy: va.accuracy,
        valLoss: va.loss,
        learningRate: lr,
        meanIterationLoss: s.lossSum / s.pos,
        durationMs: s.trainMs + s.evalMs,
        imagesPerSecond: s.trainMs > 0 ? (s.images * 1000) / s.trainMs : 0,
      };
      s.epoch++;
      s.pos = 0;
    }
    return info;
  }

  /**
   * Accuracy and mean loss on training images (the listed indices, or the range [first, first +
   * count)); with `keep`, each image's predicted class and the confusion matrix too.
   */
  private score(indices: Uint32Array | null, first: number, count: number, keep?: ValidationPredictions): { accuracy: number; loss: number } {
    const M = this.backend.maxBatch;
    let correct = 0, lossSum = 0;
    for (let c = 0; c < count; c += M) {
      const n = Math.min(M, count - c);
      this.runner.predict({ set: this.train, indices, start: indices ? c : first + c, n }, this.probs);
      for (let i = 0; i < n; i++) {
        const y = this.train.labels[indices ? indices[c + i] : first + c + i];
        const k = argmax(this.probs, i * NUM_CLASSES);
        if (keep) {
          keep.predicted[c + i] = k;
          keep.confusion[y * NUM_CLASSES + k]++;
        }
        if (k === y) correct++;
        lossSum -= Math.log(Math.max(this.probs[i * NUM_CLASSES + y], MIN_PROB));
      }
    }
    return { accuracy: correct / count, loss: lossSum / count };
  }

  evaluate(set: ImageSet): Evaluation {
    checkImageSet(set, 'evaluation');
    const M = this.backend.maxBatch, count = set.count;
    const confusion = new Int32Array(NUM_CLASSES * NUM_CLASSES);
    const predicted = new Uint8Array(count);
    const probabilities = new Float32Array(count * NUM_CLASSES);
    let correct = 0, lossSum = 0;
    for (let c = 0; c < count; c += M) {
      const n = Math.min(M, count - c);
      const out = probabilities.subarray(c * NUM_CLASSES, (c + n) * NUM_CLASSES);
      this.runner.predict({ set, indices: null, start: c, n }, out);
      for (let i = 0; i < n; i++) {
        const y = set.labels[c + i];
        const k = argmax(out, i * NUM_CLASSES);
        predicted[c + i] = k;
        confusion[y * NUM_CLASSES + k]++;
        if (k === y) correct++;
        lossSum -= Math.log(Math.max(out[i * NUM_CLASSES + y], MIN_PROB));
      }
    }
    return { accuracy: correct / count, loss: lossSum / count, count, confusion, predicted, probabilities };
  }

  checkpoint(): Uint8Array {
    const s = this.s, opt = this.runner.optimizerState();
    const header = {
      kind: 'lenet5-trainer',
      engineVersion: ENGINE_VERSION,
      architecture: architectureOf(this.config),
      config: this.config,
      train: { count: this.train.count, fingerprint: this.trainPrint },
      epoch: s.epoch,
      iteration: s.iteration,
      iterationInEpoch: s.pos,
      epochLossSum: numToJson(s.lossSum),
      epochImages: s.images,
      epochTrainMs: s.trainMs,
      epochEvalMs: s.evalMs,
      rng: this.rng.getState(),
      normalization: this.normalization,
      optimizer: { name: opt.name, t: opt.t },
    };
    const buffers: { name: string; data: CheckpointBuffer }[] = [{ name: 'params', data: this.backend.params }];
    if (opt.name === 'adam') buffers.push({ name: 'adam.m', data: opt.buffers[0] }, { name: 'adam.v', data: opt.buffers[1] });
    else if (opt.buffers.length) buffers.push({ name: 'sgd.velocity', data: opt.buffers[0] });
    if (this.config.sampling === 'shuffle') buffers.push({ name: 'permutation', data: this.perm });
    return encodeCheckpoint(header, buffers);
  }

  /** Loads the state of a decoded checkpoint (already checked against this trainer's config). */
  load(h: Record<string, unknown>, buffers: Map<string, CheckpointBuffer>): void {
    const intField = (k: string, max: number): number => {
      const v = h[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Error(`Corrupt checkpoint: ${k} must be a whole number 0..${max} (got ${JSON.stringify(v)}).`);
      return v;
    };
    const epoch = intField('epoch', this.config.epochs);
    const pos = intField('iterationInEpoch', this.itersPerEpoch - 1);
    const iteration = intField('iteration', Number.MAX_SAFE_INTEGER);
    if (iteration !== epoch * this.itersPerEpoch + pos) throw new Error(`Corrupt checkpoint: iteration ${iteration} does not match epoch ${epoch} and position ${pos} (${this.itersPerEpoch} iterations per epoch).`);
    const images = intField('epochImages', Number.MAX_SAFE_INTEGER);
    const trainMs = numFromJson(h.epochTrainMs, 'epochTrainMs');
    const evalMs = numFromJson(h.epochEvalMs, 'epochEvalMs');
    const lossSum = numFromJson(h.epochLossSum, 'epochLossSum');

    const f32 = (name: string, length: number): Float32Array => {
      const b = buffers.get(name);
      if (!(b instanceof Float32Array) || b.length !== length) throw new Error(`Corrupt checkpoint: buffer "${name}" must hold ${length} float32 values.`);
      return b;
    };
    const count = this.layout.count;
    const params = f32('params', count);

    const o = h.optimizer as { name?: unknown; t?: unknown } | null;
    if (!o || typeof o !== 'object' || o.name !== this.config.optimizer) throw new Error(`Corrupt checkpoint: its optimizer state is not for "${this.config.optimizer}".`);
    if (typeof o.t !== 'number' || !Number.isInteger(o.t) || o.t !== iteration) throw new Error(`Corrupt checkpoint: optimizer step count ${JSON.stringify(o.t)} does not match iteration ${iteration}.`);
    const optBuffers = this.config.optimizer === 'adam' ? [f32('adam.m', count), f32('adam.v', count)] : this.config.momentum > 0 ? [f32('sgd.velocity', count)] : [];

    let perm: Uint32Array | null = null;
    if (this.config.sampling === 'shuffle') {
      const b = buffers.get('permutation');
      if (!(b instanceof Uint32Array) || b.length !== this.split.nTrain) throw new Error(`Corrupt checkpoint: buffer "permutation" must hold ${this.split.nTrain} uint32 values.`);
      const seen = new Uint8Array(this.split.nTrain);
      for (let i = 0; i < b.length; i++) {
        if (b[i] >= this.split.nTrain || seen[b[i]]) throw new Error('Corrupt checkpoint: "permutation" is not a permutation of the training images.');
        seen[b[i]] = 1;
      }
      perm = b;
    }
    const rng = h.rng;
    if (!Array.isArray(rng)) throw new Error('Corrupt checkpoint: the PRNG state is missing.');
    try {
      this.rng.setState(rng);
    } catch (e) {
      throw new Error(`Corrupt checkpoint: ${(e as Error).message}`);
    }
    // Every check passed: now change state.
    this.runner.setOptimizerState({ name: this.config.optimizer, t: o.t, buffers: optBuffers });
    this.backend.params.set(params);
    this.backend.grads.fill(0);
    if (perm) this.perm.set(perm);
    this.s = { epoch, iteration, pos, lossSum, images, trainMs, evalMs };
  }
}

/** The first index of the largest of p[at .. at+10) (ties → the lower class). */
function argmax(p: Float32Array, at: number): number {
  let k = 0;
  for (let j = 1; j < NUM_CLASSES; j++) if (p[at + j] > p[at + k]) k = j;
  return k;
}

/**
 * Refuses a backend built for another network than the config's, naming both (a resumed or
 * evaluated checkpoint must run on the architecture it was trained with).
 */
function checkBackendArchitecture(backend: Backend, want: Architecture, what: string): void {
  const have = backend?.layout?.architecture;
  if (!have) throw new Error('The backend does not say which network it computes (engine/backend.ts Backend.layout).');
  if (!sameArchitecture(have, want)) {
    throw new Error(`${what} is a LeNet-5 with ${describeArchitecture(want)}, but the backend was built for ${describeArchitecture(have)}. Train, resume or evaluate it with the architecture settings it was made with.`);
  }
}

/** A fresh run: checks the config and the set, initialises the backend's parameters from the seed. */
export function createTrainer(config: TrainConfig, train: ImageSet, backend: Backend, options: TrainerOptions = {}): SolverTrainer {
  const cfg = checkTrainConfig(config);
  checkImageSet(train, 'training');
  const t = new SolverImpl(cfg, train, backend, options, null, null);
  t.initialise();
  return t;
}

/**
 * Continues a run from checkpoint() bytes on the same training set: refuses wrong magic, unknown
 * versions, truncated or corrupt data, a different training set and a backend built for another
 * architecture, each with a clear message, before touching the backend.
 */
export function restoreTrainer(checkpoint: Uint8Array, train: ImageSet, backend: Backend, options: TrainerOptions = {}): SolverTrainer {
  const { version, header: h, buffers } = decodeCheckpoint(checkpoint);
  const { config: cfg, architecture, normalization } = readIdentity(version, h);
  checkBackendArchitecture(backend, architecture, 'This checkpoint');
  checkImageSet(train, 'training');
  const ti = h.train as { count?: unknown; fingerprint?: unknown } | null;
  if (!ti || typeof ti !== 'object' || typeof ti.count !== 'number' || typeof ti.fingerprint !== 'string') throw new Error('Corrupt checkpoint: the training-set identity is missing.');
  if (ti.count !== train.count) throw new Error(`This checkpoint was made with a training set of ${ti.count} images; the one given has ${train.count}.`);
  const print = fingerprint(train);
  if (ti.fingerprint !== print) throw new Error(`This checkpoint was made with a different training set of the same size (fingerprint ${ti.fingerprint}, this set ${print}).`);
  const t = new SolverImpl(cfg, train, backend, options, normalization, print);
  t.load(h, buffers);
  return t;
}
