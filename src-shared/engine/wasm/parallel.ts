// The data-parallel WebAssembly backend: one training step on T threads, with results that never
// depend on T (engine/shards.ts).
//
// All threads share one WebAssembly.Memory (shared, i.e. a SharedArrayBuffer). Each thread has
// its own instance of the shared kernels module on that memory, pointed by attach() at the
// buffers every thread shares (parameters, gradients, optimiser state, one gradient buffer per
// shard, the batch) and at its own activation region. A step is two jobs of work items:
//
//   JOB_TRAIN   8 shards of the batch: build the images from their bytes, forward, backward into
//               the shard's gradient buffer, the shard's summed loss
//   JOB_UPDATE  16 chunks of the parameters: sum the shard gradients in shard order, L2, the
//               optimiser (Adam or SGD) — engine/wasm/assembly/optim.ts
//
// Nothing is allocated or posted per step: the caller writes the batch's bytes and the step's
// scalars into shared memory and runs each job through a ShardPool. This file stays pure (it
// imports nothing but the engine): the pool that runs items on other threads is injected. With
// one thread the caller runs every item itself (inlinePool); src-main/runs/pool.ts implements
// ShardPool with worker_threads and Atomics.wait/notify. The compute function each thread runs is
// the module's runItem(job, item).
//
// The network is any architecture of engine/arch.ts (options.architecture): its code goes into
// the layout header, so every thread's instance configures the same kernels and parameter layout
// (engine/layout.ts, checked against the module's by prepareArchitecture), and the RBF
// prototypes and the C3 mask are written into shared memory before any helper attaches.
//
// Tested against the reference pieces (engine/step.ts composedStep, engine/optim.ts,
// engine/batch.ts) in tests/engine/parallel.test.ts; on real threads in threads.test.ts; every
// architecture in wasm-arch.test.ts and arch-torch.test.ts.

import type { Backend } from '../backend';
import type { BatchRef, StepConfig, TrainingStep } from '../step';
import type { ImageSet } from '../types';
import { layoutFor, INPUT_SIZE, IMAGE_SIZE, NUM_CLASSES } from '../layout';
import { DEFAULT_ARCHITECTURE, architectureCode, type Architecture } from '../arch';
import { lookupTable } from '../batch';
import { SHARD_COUNT, UPDATE_CHUNK, checkThreads } from '../shards';
import { checkAdamOptions, checkLearningRate, checkOptimizerState, checkSgdOptions, type OptimizerState } from '../optim';
import { instantiateKernels, instantiateSharedKernels, prepareArchitecture, sharedKernelsModule, type KernelExports } from './kernels';

const IN = INPUT_SIZE * INPUT_SIZE;
const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** optim.ts modes and optimisers (assembly/optim.ts). */
const MODE_REDUCE = 0, MODE_FROM_SHARDS = 1, MODE_FROM_GRADS = 2;
const OPT_SGD = 0, OPT_MOMENTUM = 1, OPT_ADAM = 2;

/** Runs work items on threads. The engine defines it; a host implements it (src-main/runs/pool.ts). */
export interface ShardPool {
  /** Threads that compute, the caller's included. */
  readonly threads: number;
  /**
   * Runs items 0 … count−1 of `job` (each one call of the module's runItem(job, item), on some
   * thread) and returns when all are done. Throws, naming the thread and its error, if any item
   * failed; the pool is then unusable.
   */
  run(job: number, count: number): void;
  /** Lets the other threads go (idempotent). */
  close(): void;
}

/** What a helper thread needs to compute items: the module, the memory, the layout, its index. */
export interface SharedKernels {
  readonly module: WebAssembly.Module;
  /** Shared: its buffer is a SharedArrayBuffer, and it can be posted to another thread. */
  readonly memory: WebAssembly.Memory;
  /** The layout header's address: a helper calls attach(header, thread) on its own instance. */
  readonly header: number;
  /** Threads in all; helpers take thread indices 1 … threads−1 (the caller is thread 0). */
  readonly threads: number;
}

/**
 * Builds the pool for a backend: `runLocal(job, item)` runs an item on the calling thread.
 * Called once, synchronously, by createParallelBackend.
 */
export type PoolFactory = (shared: SharedKernels, runLocal: (job: number, item: number) => void) => ShardPool;

export interface ParallelBackendOptions {
  /** Threads to compute on, 1 … MAX_THREADS (default 1); at most SHARD_COUNT are used. */
  threads?: number;
  /** Required when threads > 1. */
  pool?: PoolFactory;
  /** The network (engine/arch.ts); the report's model when omitted. */
  architecture?: Architecture;
}

export interface ParallelBackend extends Backend {
  /** Threads that compute: min(requested, SHARD_COUNT). */
  readonly threads: number;
  /** Bytes of shared memory (every buffer, every thread's region). */
  readonly memoryBytes: number;
  /** The optimiser state buffers in shared memory (Adam m and v, or the SGD velocity in optA). */
  readonly optA: Float32Array;
  readonly optB: Float32Array;
  /** The backend's own step: everything on the module's threads (one trainer at a time per backend). */
  createStep(cfg: StepConfig): TrainingStep;
  /**
   * One optimiser update from `grads` (L2 first if cfg.weightDecay > 0; grads zeroed after): the
   * module's version of engine/regularize.ts addL2 + engine/optim.ts Optimizer.step, on the state
   * in optA/optB, t being the step's number (1 for the first). Returns ½λ‖W‖². The step of
   * createStep does the same, fused with the sum of the shard gradients.
   */
  optimizerStep(cfg: StepConfig, t: number, lr: number): number;
  /**
   * Diagnostics: runs `count` items of the probe job, each spinning `spin` rounds, and returns
   * which thread ran each one. In thread `trap` an item traps, in thread `hang` it never ends
   * (−1: none); tests use these to fail a helper thread mid-job.
   */
  probe(count: number, spin: number, trap?: number, hang?: number): Int32Array;
  /** Lets the pool's threads go; the backend is unusable afterwards. */
  close(): void;
}

/** A pool of one: the caller runs every item. */
export function inlinePool(runLocal: (job: number, item: number) => void): ShardPool {
  let closed = false;
  return {
    threads: 1,
    run(job, count) {
      if (closed) throw new Error('The compute pool is closed.');
      for (let i = 0; i < count; i++) runLocal(job, i);
    },
    close() {
      closed = true;
    },
  };
}

/** Global values exported by the module (constants of assembly/layout.ts, buffers.ts and index.ts). */
function constant(k: KernelExports, name: keyof KernelExports): number {
  return (k[name] as WebAssembly.Global).value as number;
}

/** Creates the backend for batches of up to maxBatch images on `threads` threads. */
export function createParallelBackend(maxBatch: number, options: ParallelBackendOptions = {}): ParallelBackend {
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 65536) {
    throw new Error(`maxBatch must be a whole number between 1 and 65536 (got ${maxBatch}).`);
  }
  const requested = checkThreads(options.threads ?? 1);
  const threads = Math.min(requested, SHARD_COUNT);
  if (threads > 1 && !options.pool) throw new Error(`${threads} threads need a pool to run on (src-main/runs/pool.ts); without one, use threads: 1.`);

  const architecture = options.architecture ?? DEFAULT_ARCHITECTURE;
  const layout = layoutFor(architecture);
  const code = architectureCode(architecture);
  const bytes = instantiateKernels().sharedLayoutBytes(maxBatch, threads, code);
  const pages = Math.ceil(bytes / 65536);
  if (!(bytes > 0) || pages > 65536) throw new Error(`The parallel backend cannot lay out memory for maxBatch ${maxBatch} on ${threads} threads (${bytes} bytes).`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const module = sharedKernelsModule();
  const k = instantiateSharedKernels(memory, module);
  if (constant(k, 'SHARD_COUNT') !== SHARD_COUNT || constant(k, 'UPDATE_CHUNK') !== UPDATE_CHUNK) {
    throw new Error('The wasm kernels were built with another shard split than engine/shards.ts: run `npm run build:wasm`.');
  }
  const header = k.setupShared(maxBatch, threads, code) >>> 0;
  if (header === 0 || !k.attach(header, 0)) throw new Error(`The parallel backend could not reserve memory for maxBatch ${maxBatch}.`);
  const chunks = k.updateChunks();
  const jobTrain = constant(k, 'JOB_TRAIN'), jobPredict = constant(k, 'JOB_PREDICT'), jobUpdate = constant(k, 'JOB_UPDATE'), jobProbe = constant(k, 'JOB_PROBE');

  const buf = memory.buffer;
  const at = (name: keyof KernelExports): number => k.headerWord(constant(k, name)) >>> 0;
  // The prototypes and the C3 mask go in before any helper thread attaches.
  prepareArchitecture(k, buf, at('HEADER_ARCH_DATA'), architecture);
  const params = new Float32Array(buf, at('HEADER_PARAMS'), layout.count);
  const grads = new Float32Array(buf, at('HEADER_GRADS'), layout.count);
  const optA = new Float32Array(buf, at('HEADER_OPT_A'), layout.count);
  const optB = new Float32Array(buf, at('HEADER_OPT_B'), layout.count);
  const shardLoss = new Float64Array(buf, at('HEADER_SHARD_LOSS'), SHARD_COUNT);
  const l2Sums = new Float64Array(buf, at('HEADER_L2'), chunks);
  const input = new Float32Array(buf, at('HEADER_XS'), maxBatch * IN);
  const labelBuf = new Uint8Array(buf, at('HEADER_LABELS'), maxBatch);
  const probBuf = new Float32Array(buf, at('HEADER_PROBS'), maxBatch * NUM_CLASSES);
  const stage = new Uint8Array(buf, at('HEADER_STAGE'), maxBatch * PIXELS);
  const lutBuf = new Float32Array(buf, at('HEADER_LUT'), 256);
  const meanBuf = new Float32Array(buf, at('HEADER_MEAN'), PIXELS);
  const probeBuf = new Int32Array(buf, at('HEADER_PROBE'), constant(k, 'PROBE_SLOTS'));

  const runLocal = (job: number, item: number): void => k.runItem(job, item);
  const pool = threads > 1 ? options.pool!({ module, memory, header, threads }, runLocal) : inlinePool(runLocal);
  if (pool.threads !== threads) throw new Error(`The pool runs ${pool.threads} threads, not the ${threads} asked for.`);

  // After a failed item the shared buffers are half-written: refuse to go on.
  let failure: Error | null = null;
  let closed = false;
  function run(job: number, count: number): void {
    if (closed) throw new Error('This backend is closed.');
    if (failure) throw new Error(`This backend failed earlier and cannot continue: ${failure.message}`);
    try {
      pool.run(job, count);
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
      throw failure;
    }
  }

  /** The data loss of the last JOB_TRAIN: its shards' summed losses in shard order, over n. */
  function dataLoss(n: number): number {
    const used = k.usedShards(n);
    let total = 0;
    for (let s = 0; s < SHARD_COUNT; s++) if (used & (1 << s)) total += shardLoss[s];
    return total / n;
  }

  /** ½λ Σ w² of the last JOB_UPDATE, its chunks' sums in chunk order. */
  function l2Loss(lambda: number): number {
    let sum = 0;
    for (let c = 0; c < chunks; c++) sum += l2Sums[c];
    return 0.5 * lambda * sum;
  }

  function checkBatch(x: Float32Array, n: number, what: string): void {
    if (!Number.isInteger(n) || n < 1 || n > maxBatch) throw new Error(`${what}: n must be a whole number between 1 and maxBatch ${maxBatch} (got ${n}).`);
    if (!(x instanceof Float32Array) || x.length < n * IN) throw new Error(`${what}: x must be a Float32Array of at least n·1024 = ${n * IN} floats (got ${x instanceof Float32Array ? x.length : typeof x}).`);
  }

  function checkLabels(labels: ArrayLike<number>, n: number, what: string): void {
    for (let i = 0; i < n; i++) if (!(labels[i] < NUM_CLASSES)) throw new Error(`${what}: label ${labels[i]} at position ${i} is not a class 0..9.`);
  }

  /** Copies a float batch into shared memory (unless it is already there). */
  function loadFloats(x: Float32Array, n: number): void {
    if (!(x.buffer === buf && x.byteOffset === input.byteOffset)) input.set(x.subarray(0, n * IN));
  }

  /**
   * Copies the bytes (and labels) of a batch of images into shared memory, checking every index
   * as engine/batch.ts BatchWriter does. The module builds the floats from them.
   */
  function stageImages(b: BatchRef, withLabels: boolean, what: string): void {
    const { set, indices, start, n } = b;
    if (!Number.isInteger(n) || n < 1 || n > maxBatch) throw new Error(`${what}: ${n} images do not fit the batch buffer of ${maxBatch}.`);
    if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new Error(`Images must be ${IMAGE_SIZE}×${IMAGE_SIZE} (got ${set.rows}×${set.cols}).`);
    if (indices) {
      for (let i = 0; i < n; i++) {
        const index = indices[start + i];
        checkIndex(set, index);
        stage.set(set.pixels.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
        if (withLabels) labelBuf[i] = set.labels[index];
      }
    } else {
      checkIndex(set, start);
      checkIndex(set, start + n - 1);
      if (!Number.isInteger(start)) throw new Error(`Image index ${start} is outside the set of ${set.count}.`);
      stage.set(set.pixels.subarray(start * PIXELS, (start + n) * PIXELS));
      if (withLabels) labelBuf.set(set.labels.subarray(start, start + n));
    }
    if (withLabels) checkLabels(labelBuf, n, what);
  }

  /** Writes the descriptor of a JOB_UPDATE: Adam's bias corrections computed as engine/optim.ts does (in JavaScript, so both agree). */
  function describeUpdate(mode: number, cfg: StepConfig, kind: number, t: number, lr: number, lambda: number): void {
    const stepSize = kind === OPT_ADAM ? lr / (1 - Math.pow(cfg.beta1, t)) : 0;
    const c2 = kind === OPT_ADAM ? Math.sqrt(1 - Math.pow(cfg.beta2, t)) : 0;
    k.setUpdate(mode, kind, lr, stepSize, c2, cfg.beta1, cfg.beta2, cfg.epsilon, cfg.momentum, lambda);
  }

  let stepActive = false;

  const backend: ParallelBackend = {
    name: 'wasm-simd',
    maxBatch,
    layout,
    threads,
    params,
    grads,
    optA,
    optB,
    memoryBytes: buf.byteLength,

    trainStep(x: Float32Array, labels: Uint8Array, n: number): number {
      checkBatch(x, n, 'trainStep');
      if (!(labels instanceof Uint8Array) || labels.length < n) throw new Error(`trainStep: labels must be a Uint8Array of at least n = ${n} entries.`);
      checkLabels(labels, n, 'trainStep');
      loadFloats(x, n);
      labelBuf.set(labels.subarray(0, n));
      k.setBatch(n, 0, 0);
      run(jobTrain, SHARD_COUNT);
      k.setUpdate(MODE_REDUCE, OPT_SGD, 0, 0, 0, 0, 0, 0, 0, 0);
      run(jobUpdate, chunks);
      return dataLoss(n);
    },

    predict(x: Float32Array, n: number, probs: Float32Array): void {
      checkBatch(x, n, 'predict');
      if (!(probs instanceof Float32Array) || probs.length < n * NUM_CLASSES) throw new Error(`predict: probs must be a Float32Array of at least n·10 = ${n * NUM_CLASSES} floats.`);
      loadFloats(x, n);
      k.setBatch(n, 0, 0);
      run(jobPredict, SHARD_COUNT);
      probs.set(probBuf.subarray(0, n * NUM_CLASSES));
    },

    createStep(cfg: StepConfig): TrainingStep {
      if (stepActive) throw new Error('This backend already runs a training step: use one backend per trainer.');
      const opt = cfg.optimizer;
      const lambda = checkWeightDecay(cfg.weightDecay);
      const kind = optimizerKind(cfg);
      const nBuffers = kind === OPT_ADAM ? 2 : kind === OPT_MOMENTUM ? 1 : 0;
      const stateBuffers = [optA, optB].slice(0, nBuffers);
      lutBuf.set(lookupTable(cfg.normalization));
      const mean = cfg.normalization.meanImage;
      if (mean && mean.length !== PIXELS) throw new Error(`The mean image must have ${PIXELS} pixels.`);
      if (mean) meanBuf.set(mean);
      const useMean = mean ? 1 : 0;
      optA.fill(0);
      optB.fill(0);
      let t = 0;
      stepActive = true;

      return {
        train(b: BatchRef, lr: number, weightDecay?: number): number {
          checkLearningRate(lr);
          const stepLambda = weightDecay === undefined ? lambda : checkWeightDecay(weightDecay);
          stageImages(b, true, 'train');
          const n = b.n;
          k.setBatch(n, 1, useMean);
          run(jobTrain, SHARD_COUNT);
          describeUpdate(MODE_FROM_SHARDS, cfg, kind, t + 1, lr, stepLambda);
          run(jobUpdate, chunks);
          t++;
          const data = dataLoss(n);
          return stepLambda > 0 ? data + l2Loss(stepLambda) : data;
        },
        predict(b: BatchRef, probs: Float32Array): void {
          const n = b.n;
          if (!(probs instanceof Float32Array) || probs.length < n * NUM_CLASSES) throw new Error(`predict: probs must be a Float32Array of at least n·10 = ${n * NUM_CLASSES} floats.`);
          stageImages(b, false, 'predict');
          k.setBatch(n, 1, useMean);
          run(jobPredict, SHARD_COUNT);
          probs.set(probBuf.subarray(0, n * NUM_CLASSES));
        },
        optimizerState(): OptimizerState {
          return { name: opt, t, buffers: stateBuffers };
        },
        setOptimizerState(s: OptimizerState): void {
          checkOptimizerState(opt, layout.count, nBuffers, s);
          s.buffers.forEach((src, i) => stateBuffers[i].set(src));
          t = s.t;
        },
      };
    },

    optimizerStep(cfg: StepConfig, t: number, lr: number): number {
      checkLearningRate(lr);
      if (!Number.isInteger(t) || t < 1) throw new Error(`optimizerStep: t must be a whole number ≥ 1 (got ${t}).`);
      const lambda = checkWeightDecay(cfg.weightDecay);
      describeUpdate(MODE_FROM_GRADS, cfg, optimizerKind(cfg), t, lr, lambda);
      run(jobUpdate, chunks);
      return lambda > 0 ? l2Loss(lambda) : 0;
    },

    probe(count: number, spin: number, trap = -1, hang = -1): Int32Array {
      if (!Number.isInteger(count) || count < 1 || count > probeBuf.length) throw new Error(`probe: count must be 1..${probeBuf.length}.`);
      k.setProbe(spin, trap, hang);
      run(jobProbe, count);
      return probeBuf.slice(0, count);
    },

    close(): void {
      if (closed) return;
      closed = true;
      pool.close();
    },
  };
  return backend;
}

/** The module's optimiser number for a config (checked as engine/optim.ts checks it). */
function optimizerKind(cfg: StepConfig): number {
  if (cfg.optimizer === 'adam') {
    checkAdamOptions(cfg);
    return OPT_ADAM;
  }
  if (cfg.optimizer === 'sgd') {
    checkSgdOptions(cfg);
    return cfg.momentum > 0 ? OPT_MOMENTUM : OPT_SGD;
  }
  throw new Error(`Unknown optimizer "${String(cfg.optimizer)}" (adam or sgd).`);
}

function checkWeightDecay(lambda: number): number {
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new Error(`weightDecay must be a non-negative number (got ${lambda}).`);
  return lambda;
}

/** The images a BatchRef names are in the set (the message of engine/batch.ts BatchWriter). */
function checkIndex(set: ImageSet, index: number): void {
  if (!(index >= 0 && index < set.count)) throw new Error(`Image index ${index} is outside the set of ${set.count}.`);
}
