// Loading the compiled kernels (./kernels.generated.ts, built from ./assembly by
// scripts/build-wasm.mjs): base64 → bytes → WebAssembly.Module (compiled once per thread) →
// a fresh instance with its own memory. Synchronous, no fs, no fetch: works in a worker, the
// renderer and tests alike.

import { KERNELS_BASE64 } from './kernels.generated';

/** The wasm module's exports (see assembly/index.ts). Pointers are byte addresses; sizes in floats. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  setup(maxBatch: number): number;
  paramsPtr(): number;
  gradsPtr(): number;
  inputPtr(): number;
  labelsPtr(): number;
  probsPtr(): number;
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
  // Kernel entry points (tests and micro-benchmarks).
  scratchPtr(): number;
  gemmNN(M: number, N: number, K: number, A: number, sai: number, sak: number, B: number, ldb: number, C: number, ldc: number, acc: number): void;
  gemmNT(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number): void;
  im2col(col: number, x: number, C: number, H: number, W: number, K: number): void;
  im2colT5(colT: number, x: number, C: number, H: number, W: number): void;
  col2imT5(dx: number, dcolT: number, C: number, H: number, W: number): void;
  reluPoolForward(out: number, arg: number, x: number, C: number, H: number, W: number): void;
  poolConvWeightGrad25(dw: number, db: number, colT: number, dout: number, out: number, arg: number, F: number, OH: number, OW: number): void;
  poolConvBackward(dw: number, db: number, dcolT: number, w: number, colT: number, dout: number, out: number, arg: number, F: number, C: number, OH: number, OW: number): void;
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

/** The compiled module, compiled once per thread and shared by every backend instance. */
function kernelsModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(decodeBase64(KERNELS_BASE64));
  return compiled;
}


/** A fresh instance of the kernels module (its own linear memory; call setup before use). */
export function instantiateKernels(): KernelExports {
  return new WebAssembly.Instance(kernelsModule(), {}).exports as unknown as KernelExports;
}
