// The WebAssembly SIMD fast path of the Backend interface (engine/backend.ts). The whole LeNet-5
// training step and inference run inside one wasm module (sources: ./assembly, built by
// scripts/build-wasm.mjs into ./kernels.generated.ts). Parameters, gradients and every activation
// live in the module's linear memory, laid out once for maxBatch images; memory never grows
// afterwards, so the Float32Array views handed out here stay valid for the backend's lifetime.
//
// Any architecture of engine/arch.ts (the report's model by default): the module lays its
// parameters out as engine/layout.ts does and swaps the variant kernels in (assembly/stages.ts).
//
// Tested against the plain TypeScript reference (engine/reference) in tests/engine/wasm*.test.ts.

import type { Backend } from '../backend';
import { DEFAULT_ARCHITECTURE, architectureCode, type Architecture } from '../arch';
import { layoutFor, INPUT_SIZE, NUM_CLASSES } from '../layout';
import { instantiateKernels, decodeBase64, prepareArchitecture } from './kernels';

export { decodeBase64 };

const IN = INPUT_SIZE * INPUT_SIZE;

/** The stages of a step, in execution order; each is one layer (conv layers fused with ReLU and pooling). */
export const FORWARD_STAGES = ['c1+s2', 'c3+s4', 'c5', 'f6', 'out', 'softmax'] as const;
export const BACKWARD_STAGES = ['softmax', 'out', 'f6', 'c5', 'c3+s4', 'c1+s2'] as const;
export type StageName = (typeof FORWARD_STAGES)[number];

export interface StageTiming {
  stage: StageName;
  pass: 'forward' | 'backward';
  ms: number;
}

export interface WasmBackend extends Backend {
  /**
   * A view of the module's input buffer (maxBatch, 1, 32, 32). A caller may write a batch here and
   * pass this same array as x: trainStep/predict then skip the copy.
   */
  readonly input: Float32Array;
  /** Bytes of linear memory in use (all buffers for maxBatch). */
  readonly memoryBytes: number;
  /**
   * One training step run stage by stage, timing each with `clock` (milliseconds). Same effect
   * as trainStep (gradients are ADDED); returns the loss and the timings in execution order.
   */
  profileStep(x: Float32Array, labels: Uint8Array, n: number, clock?: () => number): { loss: number; stages: StageTiming[] };
}

/** Creates a backend for the architecture (the report's model by default) whose buffers hold batches of up to maxBatch images. */
export function createWasmBackend(maxBatch: number, architecture: Architecture = DEFAULT_ARCHITECTURE): WasmBackend {
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 65536) {
    throw new Error(`maxBatch must be a whole number between 1 and 65536 (got ${maxBatch}).`);
  }
  const layout = layoutFor(architecture);
  const k = instantiateKernels();
  const memoryBytes = k.setup(maxBatch, architectureCode(architecture));
  if (memoryBytes === 0) throw new Error(`The wasm backend could not reserve memory for maxBatch ${maxBatch}.`);
  const buf = k.memory.buffer;
  prepareArchitecture(k, buf, k.archDataPtr() >>> 0, architecture);
  const params = new Float32Array(buf, k.paramsPtr() >>> 0, layout.count);
  const grads = new Float32Array(buf, k.gradsPtr() >>> 0, layout.count);
  const input = new Float32Array(buf, k.inputPtr() >>> 0, maxBatch * IN);
  const labelBuf = new Uint8Array(buf, k.labelsPtr() >>> 0, maxBatch);
  const probBuf = new Float32Array(buf, k.probsPtr() >>> 0, maxBatch * NUM_CLASSES);

  function checkBatch(x: Float32Array, n: number, what: string): void {
    if (!Number.isInteger(n) || n < 1 || n > maxBatch) throw new Error(`${what}: n must be a whole number between 1 and maxBatch ${maxBatch} (got ${n}).`);
    if (!(x instanceof Float32Array) || x.length < n * IN) throw new Error(`${what}: x must be a Float32Array of at least n·1024 = ${n * IN} floats (got ${x instanceof Float32Array ? x.length : typeof x}).`);
  }

  function checkLabels(labels: Uint8Array, n: number, what: string): void {
    if (!(labels instanceof Uint8Array) || labels.length < n) throw new Error(`${what}: labels must be a Uint8Array of at least n = ${n} entries.`);
    for (let i = 0; i < n; i++) if (labels[i] >= NUM_CLASSES) throw new Error(`${what}: label ${labels[i]} at position ${i} is not a class 0..9.`);
  }

  /** Validates, then copies the batch into wasm memory (unless it is already there). */
  function load(x: Float32Array, labels: Uint8Array | null, n: number, what: string): void {
    checkBatch(x, n, what);
    if (labels) checkLabels(labels, n, what);
    if (!(x.buffer === buf && x.byteOffset === input.byteOffset)) input.set(x.subarray(0, n * IN));
    if (labels) labelBuf.set(labels.subarray(0, n));
  }

  return {
    name: 'wasm-simd',
    maxBatch,
    layout,
    params,
    grads,
    input,
    memoryBytes,

    trainStep(x: Float32Array, labels: Uint8Array, n: number): number {
      load(x, labels, n, 'trainStep');
      return k.trainStep(n);
    },

    predict(x: Float32Array, n: number, probs: Float32Array): void {
      checkBatch(x, n, 'predict');
      if (!(probs instanceof Float32Array) || probs.length < n * NUM_CLASSES) throw new Error(`predict: probs must be a Float32Array of at least n·10 = ${n * NUM_CLASSES} floats.`);
      load(x, null, n, 'predict');
      k.predict(n);
      probs.set(probBuf.subarray(0, n * NUM_CLASSES));
    },

    profileStep(x: Float32Array, labels: Uint8Array, n: number, clock: () => number = () => performance.now()) {
      load(x, labels, n, 'profileStep');
      const stages: StageTiming[] = [];
      let loss = NaN;
      const time = (stage: StageName, pass: 'forward' | 'backward', fn: () => void): void => {
        const t0 = clock();
        fn();
        stages.push({ stage, pass, ms: clock() - t0 });
      };
      time('c1+s2', 'forward', () => k.c1Forward(n));
      time('c3+s4', 'forward', () => k.c3Forward(n));
      time('c5', 'forward', () => k.c5Forward(n));
      time('f6', 'forward', () => k.f6Forward(n));
      time('out', 'forward', () => k.outForward(n));
      time('softmax', 'forward', () => { loss = k.lossForward(n, 1); });
      time('softmax', 'backward', () => k.lossBackward(n));
      time('out', 'backward', () => k.outBackward(n));
      time('f6', 'backward', () => k.f6Backward(n));
      time('c5', 'backward', () => k.c5Backward(n));
      time('c3+s4', 'backward', () => k.c3Backward(n));
      time('c1+s2', 'backward', () => k.c1Backward(n));
      return { loss, stages };
    },
  };
}
