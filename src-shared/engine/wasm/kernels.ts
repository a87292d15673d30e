// Loading the compiled kernels (./kernels.generated.ts, built from ./assembly by
// scripts/build-wasm.mjs): base64 → bytes → WebAssembly.Module (compiled once per thread) →
// a fresh instance, with its own memory (kernels) or on a given shared memory (shared kernels).
// Synchronous, no fs, no fetch: works in a worker, the renderer and tests alike.

import { KERNELS_BASE64, SHARED_KERNELS_BASE64 } from './kernels.generated';
import { c3Mask, architectureCode, type Architecture } from '../arch';
import { layoutFor } from '../layout';
import { RBF_PROTOTYPES } from '../rbf';

/** The wasm module's exports (see assembly/index.ts). Pointers are byte addresses; sizes in floats. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  /** code: engine/arch.ts architectureCode (0, or omitted, is the report's model). */
  setup(maxBatch: number, code?: number): number;
  /** Where the host writes the RBF prototypes (840 f32) and the C3 mask (96 u8) after setup. */
  archDataPtr(): number;
  paramCountOf(): number;
  updateChunks(): number;
  tensorOffset(k: number): number;
  paramsPtr(): number;
  gradsPtr(): number;
  inputPtr(): number;
  labelsPtr(): number;
  probsPtr(): number;
  /** Activations of the last step (views for tests and layer pictures). */
  s2Ptr(): number;
  s4Ptr(): number;
  h5Ptr(): number;
  h6Ptr(): number;
  logitsPtr(): number;
  trainStep(n: number): number;
  predict(n: number): void;
  c1Forward(n: number): void;
  c3Forward(n: number): void;
  c5Forward(n: number): void;
  f6Forward(n: number): void;
  outForward(n: number): void;
  lossForward(n: number, withLabels: number): number;
  lossBackward(n: number): void;
  outBackward(n: number): void;
  f6Backward(n: number): void;
  c5Backward(n: number): void;
  c3Backward(n: number): void;
  c1Backward(n: number): void;
  // Shared mode (assembly/index.ts, "shared mode"): constants, layout, job descriptors, work items.
  SHARD_COUNT: WebAssembly.Global;
  UPDATE_CHUNK: WebAssembly.Global;
  PROBE_SLOTS: WebAssembly.Global;
  JOB_TRAIN: WebAssembly.Global;
  JOB_PREDICT: WebAssembly.Global;
  JOB_UPDATE: WebAssembly.Global;
  JOB_PROBE: WebAssembly.Global;
  HEADER_PARAMS: WebAssembly.Global;
  HEADER_GRADS: WebAssembly.Global;
  HEADER_OPT_A: WebAssembly.Global;
  HEADER_OPT_B: WebAssembly.Global;
  HEADER_SHARD_GRADS: WebAssembly.Global;
  HEADER_SHARD_LOSS: WebAssembly.Global;
  HEADER_L2: WebAssembly.Global;
  HEADER_XS: WebAssembly.Global;
  HEADER_LABELS: WebAssembly.Global;
  HEADER_PROBS: WebAssembly.Global;
  HEADER_STAGE: WebAssembly.Global;
  HEADER_LUT: WebAssembly.Global;
  HEADER_MEAN: WebAssembly.Global;
  HEADER_PROBE: WebAssembly.Global;
  HEADER_END: WebAssembly.Global;
  HEADER_ARCH_DATA: WebAssembly.Global;
  sharedLayoutBytes(maxBatch: number, threads: number, code: number): number;
  setupShared(maxBatch: number, threads: number, code: number): number;
  attach(header: number, thread: number): number;
  headerWord(k: number): number;
  setBatch(n: number, fromBytes: number, useMean: number): void;
  setUpdate(mode: number, opt: number, lr: number, stepSize: number, c2: number, beta1: number, beta2: number, eps: number, mu: number, lambda: number): void;
  setProbe(spin: number, trap: number, hang: number): void;
  usedShards(n: number): number;
  runItem(job: number, item: number): void;
  // Kernel entry points (tests and micro-benchmarks).
  scratchPtr(): number;
  assembleImages(x: number, src: number, n: number, lut: number, mean: number): void;
  updateRange(lo: number, hi: number, mode: number, params: number, grads: number, shards: number, stride: number, used: number, opt: number, a: number, b: number, lr: number, stepSize: number, c2: number, beta1: number, beta2: number, eps: number, mu: number, lambda: number): number;
  flushBuffer(p: number, n: number): void;
  screenConv(out: number, w: number, F: number, C: number, KK: number, x: number, n: number, HW: number, maxes: number): number;
  screenAffine(out: number, w: number, OUT: number, IN: number, x: number, n: number, maxes: number): number;
  scaleUp(wOut: number, w: number, count: number, bOut: number, b: number, F: number): number;
  gemmNN(M: number, N: number, K: number, A: number, sai: number, sak: number, B: number, ldb: number, C: number, ldc: number, acc: number): void;
  gemmNT(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number): void;
  im2col(col: number, x: number, C: number, H: number, W: number, K: number): void;
  im2colT5(colT: number, x: number, C: number, H: number, W: number): void;
  col2imT5(dx: number, dcolT: number, C: number, H: number, W: number): void;
  reluPoolForward(out: number, arg: number, x: number, C: number, H: number, W: number): void;
  maxPoolForward(out: number, arg: number, x: number, C: number, H: number, W: number): void;
  avgPoolForward(out: number, x: number, C: number, H: number, W: number): void;
  avgPoolBackward(gz: number, gpool: number, y: number, C: number, H: number, W: number, act: number): void;
  subsampleForward(s: number, avg: number, k: number, b: number, C: number, P: number, act: number): void;
  subsampleBackward(gpool: number, dk: number, db: number, ds: number, s: number, avg: number, k: number, C: number, P: number, act: number): void;
  poolConvWeightGrad25(dw: number, db: number, x: number, W: number, dout: number, out: number, arg: number, F: number, OH: number, OW: number): void;
  poolConvBackward(dw: number, db: number, dcolT: number, w: number, colT: number, dout: number, out: number, arg: number, F: number, C: number, OH: number, OW: number): void;
  winnerWeightGrad25(dw: number, db: number, x: number, W: number, g: number, arg: number, F: number, OH: number, OW: number): void;
  winnerConvBackward(dw: number, db: number, dcolT: number, w: number, colT: number, g: number, arg: number, F: number, C: number, OH: number, OW: number): void;
  activateInPlace(p: number, n: number, act: number): void;
  activationGrad(dst: number, g: number, y: number, n: number, act: number): void;
  rbfForward(pen: number, x: number, w: number, n: number): void;
  rbfLoss(probs: number, q: number, pen: number, labels: number, n: number, j: number): number;
  rbfLossBackward(dpen: number, q: number, labels: number, n: number, inv: number): void;
  rbfBackward(dx: number, dpen: number, x: number, w: number, n: number): void;
  affineBackwardAct(dx: number, dw: number, db: number, dy: number, x: number, w: number, n: number, IN: number, OUT: number, overwrite: number, scratch: number, dxAct: number): void;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes standard base64 (with '=' padding, no whitespace) without Buffer or atob. */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (s.length % 4 !== 0) throw new Error(`base64 length must be a multiple of 4 (got ${s.length}).`);
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) lookup[B64.charCodeAt(i)] = i;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j);
      const isPad = ch === 61 && i + 4 === s.length && j >= 4 - pad;
      const d = isPad ? 0 : ch < 128 ? lookup[ch] : -1;
      if (d < 0) throw new Error(`Invalid base64 character at position ${i + j}.`);
      v = (v << 6) | d;
    }
    if (i + 4 === s.length && (pad === 2 ? v & 0xffff : pad === 1 ? v & 0xff : 0) !== 0) {
      throw new Error(`Invalid base64: non-zero padding bits at position ${i}.`);
    }
    out[o++] = (v >> 16) & 255;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

let compiled: WebAssembly.Module | null = null;
let compiledShared: WebAssembly.Module | null = null;

/** The compiled module, compiled once per thread and shared by every backend instance. */
function kernelsModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(decodeBase64(KERNELS_BASE64));
  return compiled;
}

/**
 * The shared-memory module, compiled once per thread. A WebAssembly.Module can be posted to
 * another thread (structured clone), so helper threads instantiate this same one.
 */
export function sharedKernelsModule(): WebAssembly.Module {
  if (!compiledShared) compiledShared = new WebAssembly.Module(decodeBase64(SHARED_KERNELS_BASE64));
  return compiledShared;
}

/** A fresh instance of the kernels module (its own linear memory; call setup before use). */
export function instantiateKernels(): KernelExports {
  return new WebAssembly.Instance(kernelsModule(), {}).exports as unknown as KernelExports;
}

/** An instance of the shared module on `memory` (a shared WebAssembly.Memory); call setupShared or attach before use. */
export function instantiateSharedKernels(memory: WebAssembly.Memory, module: WebAssembly.Module = sharedKernelsModule()): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

/** The tensors in the order of the module's tensorOffset(k). */
const MODULE_TENSORS = ['c1.w', 'c1.b', 's2.k', 's2.b', 'c3.w', 'c3.b', 's4.k', 's4.b', 'c5.w', 'c5.b', 'f6.w', 'f6.b', 'out.w', 'out.b'];

/**
 * After setup/setupShared for `arch`: checks that the module laid the parameters out as
 * engine/layout.ts does (the two must agree on every offset), and writes the architecture's data
 * (the RBF prototypes, the C3 mask: assembly/buffers.ts archData) at `at`.
 */
export function prepareArchitecture(k: KernelExports, buffer: ArrayBufferLike, at: number, arch: Architecture): void {
  const layout = layoutFor(arch);
  const offsets = MODULE_TENSORS.map((_, i) => k.tensorOffset(i));
  const expected = MODULE_TENSORS.map((name) => layout.table.find((e) => e.name === name)?.offset ?? -1);
  if (k.paramCountOf() !== layout.count || offsets.some((o, i) => o !== expected[i])) {
    throw new Error(`The wasm kernels lay out ${architectureCode(arch)} differently from engine/layout.ts: run \`npm run build:wasm\`.`);
  }
  new Float32Array(buffer, at, RBF_PROTOTYPES.length).set(RBF_PROTOTYPES);
  new Uint8Array(buffer, at + RBF_PROTOTYPES.length * 4, 96).set(c3Mask(arch));
}
