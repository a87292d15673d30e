// The report's LeNet-5 on the plain TypeScript reference layers (spec.md, "The model"):
//
//   x    (N, 1, 32, 32)
//   C1   conv 5×5 1→6 + ReLU      (N, 6, 28, 28)
//   S2   maxpool 2×2              (N, 6, 14, 14)
//   C3   conv 5×5 6→16 + ReLU     (N, 16, 10, 10)
//   S4   maxpool 2×2              (N, 16, 5, 5) = (N, 400) flattened C-H-W
//   C5   affine 400→120 + ReLU    (N, 120)
//   F6   affine 120→84 + ReLU     (N, 84)
//   out  affine 84→10             (N, 10) → softmax + mean cross-entropy
//
// Parameters and gradients live in one flat Float32Array each (engine/layout). Every activation
// and activation-gradient buffer is allocated once, for maxBatch images: a training step
// allocates nothing (fresh memory is slow on this machine).

import type { Backend } from '../backend';
import { PARAM_COUNT, paramEntry, INPUT_SIZE, NUM_CLASSES } from '../layout';
import { convForward, convBackward } from './conv';
import { reluForward, reluBackward } from './relu';
import { maxpoolForward, maxpoolBackward } from './maxpool';
import { affineForward, affineBackward } from './affine';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, softmaxForward } from './softmax';

const IN = INPUT_SIZE * INPUT_SIZE; // 1024 floats per image
/** Per-image sizes of each activation. */
const SIZE = { c1: 6 * 28 * 28, s2: 6 * 14 * 14, c3: 16 * 10 * 10, s4: 16 * 5 * 5, c5: 120, f6: 84, out: NUM_CLASSES } as const;

export interface ReferenceBackendOptions {
  /** Also compute d(loss)/d(x) into `inputGrad` on every trainStep (gradient checks, saliency). */
  inputGradient?: boolean;
}

type ActivationName = 'c1' | 'r1' | 's2' | 'c3' | 'r3' | 's4' | 'c5' | 'r5' | 'f6' | 'r6' | 'logits' | 'probs';

/** The model over any float array type: Float32Array for training, Float64Array for gradient checks. */
export interface LeNetModel<T extends Float32Array | Float64Array> {
  readonly maxBatch: number;
  readonly params: T;
  readonly grads: T;
  /** d(mean loss)/dx (maxBatch, 1, 32, 32) from the last trainStep, or null when not enabled. */
  readonly inputGrad: T | null;
  /**
   * The activations of the last trainStep/predict, each (maxBatch, …) in NCHW: c1, r1 (after ReLU),
   * s2, c3, r3, s4, c5, r5, f6, r6, logits, probs. Views for layer pictures; do not write.
   */
  readonly activations: Readonly<Record<ActivationName, T>>;
  trainStep(x: T, labels: Uint8Array, n: number): number;
  predict(x: T, n: number, probs: T): void;
}

export interface ReferenceBackend extends Backend, LeNetModel<Float32Array> {}

function checkMaxBatch(maxBatch: number): void {
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 65536) {
    throw new Error(`maxBatch must be a whole number between 1 and 65536 (got ${maxBatch}).`);
  }
}

/** The Backend used for training: float32 throughout. */
export function createReferenceBackend(maxBatch: number, options: ReferenceBackendOptions = {}): ReferenceBackend {
  checkMaxBatch(maxBatch);
  return { name: 'reference', ...buildLeNet(maxBatch, Float32Array, options) };
}

/** The same model in float64 (tests: finite-difference gradient checks of the whole network). */
export function createReferenceModel64(maxBatch: number, options: ReferenceBackendOptions = {}): LeNetModel<Float64Array> {
  checkMaxBatch(maxBatch);
  return buildLeNet(maxBatch, Float64Array, options);
}

function buildLeNet<T extends Float32Array | Float64Array>(B: number, Arr: new (n: number) => T, options: ReferenceBackendOptions): LeNetModel<T> {
  const params = new Arr(PARAM_COUNT);
  const grads = new Arr(PARAM_COUNT);
  const at = (buf: T, name: string): T => {
    const e = paramEntry(name);
    return buf.subarray(e.offset, e.offset + e.size) as T;
  };
  const P = {
    c1w: at(params, 'c1.w'), c1b: at(params, 'c1.b'), c3w: at(params, 'c3.w'), c3b: at(params, 'c3.b'),
    c5w: at(params, 'c5.w'), c5b: at(params, 'c5.b'), f6w: at(params, 'f6.w'), f6b: at(params, 'f6.b'),
    ow: at(params, 'out.w'), ob: at(params, 'out.b'),
  };
  const G = {
    c1w: at(grads, 'c1.w'), c1b: at(grads, 'c1.b'), c3w: at(grads, 'c3.w'), c3b: at(grads, 'c3.b'),
    c5w: at(grads, 'c5.w'), c5b: at(grads, 'c5.b'), f6w: at(grads, 'f6.w'), f6b: at(grads, 'f6.b'),
    ow: at(grads, 'out.w'), ob: at(grads, 'out.b'),
  };

  // Forward activations.
  const a: Record<ActivationName, T> = {
    c1: new Arr(B * SIZE.c1), r1: new Arr(B * SIZE.c1), s2: new Arr(B * SIZE.s2),
    c3: new Arr(B * SIZE.c3), r3: new Arr(B * SIZE.c3), s4: new Arr(B * SIZE.s4),
    c5: new Arr(B * SIZE.c5), r5: new Arr(B * SIZE.c5), f6: new Arr(B * SIZE.f6),
    r6: new Arr(B * SIZE.f6), logits: new Arr(B * SIZE.out), probs: new Arr(B * SIZE.out),
  };
  const am2 = new Int32Array(B * SIZE.s2); // S2 winners (indices into r1)
  const am4 = new Int32Array(B * SIZE.s4); // S4 winners (indices into r3)
  // Activation gradients (backward adds into them; zeroed at the start of each backward).
  const d = {
    c1: new Arr(B * SIZE.c1), r1: new Arr(B * SIZE.c1), s2: new Arr(B * SIZE.s2),
    c3: new Arr(B * SIZE.c3), r3: new Arr(B * SIZE.c3), s4: new Arr(B * SIZE.s4),
    c5: new Arr(B * SIZE.c5), r5: new Arr(B * SIZE.c5), f6: new Arr(B * SIZE.f6),
    r6: new Arr(B * SIZE.f6), logits: new Arr(B * SIZE.out),
  };
  const dList: T[] = Object.values(d); // fixed list, so zeroing allocates nothing per step
  const inputGrad = options.inputGradient ? new Arr(B * IN) : null;
  const typeName = Arr.name;

  function checkBatch(x: T, n: number, what: string): void {
    if (!Number.isInteger(n) || n < 1 || n > B) throw new Error(`${what}: n must be a whole number between 1 and maxBatch ${B} (got ${n}).`);
    if (!(x instanceof Arr) || x.length < n * IN) throw new Error(`${what}: x must be a ${typeName} of at least n·1024 = ${n * IN} floats (got ${x instanceof Arr ? `${x.length}` : 'another type'}).`);
  }

  /** Forward through every layer up to the logits. */
  function forward(x: T, n: number): void {
    convForward(a.c1, x, P.c1w, P.c1b, n, 1, 32, 32, 6, 5);
    reluForward(a.r1, a.c1, n * SIZE.c1);
    maxpoolForward(a.s2, am2, a.r1, n, 6, 28, 28);
    convForward(a.c3, a.s2, P.c3w, P.c3b, n, 6, 14, 14, 16, 5);
    reluForward(a.r3, a.c3, n * SIZE.c3);
    maxpoolForward(a.s4, am4, a.r3, n, 16, 10, 10);
    affineForward(a.c5, a.s4, P.c5w, P.c5b, n, 400, 120);
    reluForward(a.r5, a.c5, n * SIZE.c5);
    affineForward(a.f6, a.r5, P.f6w, P.f6b, n, 120, 84);
    reluForward(a.r6, a.f6, n * SIZE.f6);
    affineForward(a.logits, a.r6, P.ow, P.ob, n, 84, 10);
  }

  return {
    maxBatch: B,
    params,
    grads,
    inputGrad,
    activations: a,

    trainStep(x: T, labels: Uint8Array, n: number): number {
      checkBatch(x, n, 'trainStep');
      if (!(labels instanceof Uint8Array) || labels.length < n) throw new Error(`trainStep: labels must be a Uint8Array of at least n = ${n} entries.`);
      for (let i = 0; i < n; i++) if (labels[i] >= NUM_CLASSES) throw new Error(`trainStep: label ${labels[i]} at position ${i} is not a class 0..9.`);
      forward(x, n);
      const loss = softmaxCrossEntropyForward(a.probs, a.logits, labels, n, NUM_CLASSES);

      for (const buf of dList) buf.fill(0, 0, (buf.length / B) * n);
      if (inputGrad) inputGrad.fill(0, 0, n * IN);

      softmaxCrossEntropyBackward(d.logits, a.probs, labels, n, NUM_CLASSES);
      affineBackward(d.r6, G.ow, G.ob, d.logits, a.r6, P.ow, n, 84, 10);
      reluBackward(d.f6, d.r6, a.f6, n * SIZE.f6);
      affineBackward(d.r5, G.f6w, G.f6b, d.f6, a.r5, P.f6w, n, 120, 84);
      reluBackward(d.c5, d.r5, a.c5, n * SIZE.c5);
      affineBackward(d.s4, G.c5w, G.c5b, d.c5, a.s4, P.c5w, n, 400, 120);
      maxpoolBackward(d.r3, d.s4, am4, n * SIZE.s4);
      reluBackward(d.c3, d.r3, a.c3, n * SIZE.c3);
      convBackward(d.s2, G.c3w, G.c3b, d.c3, a.s2, P.c3w, n, 6, 14, 14, 16, 5);
      maxpoolBackward(d.r1, d.s2, am2, n * SIZE.s2);
      reluBackward(d.c1, d.r1, a.c1, n * SIZE.c1);
      convBackward(inputGrad, G.c1w, G.c1b, d.c1, x, P.c1w, n, 1, 32, 32, 6, 5);
      return loss;
    },

    predict(x: T, n: number, probs: T): void {
      checkBatch(x, n, 'predict');
      if (!(probs instanceof Arr) || probs.length < n * NUM_CLASSES) throw new Error(`predict: probs must be a ${typeName} of at least n·10 = ${n * NUM_CLASSES} floats.`);
      forward(x, n);
      softmaxForward(a.probs, a.logits, n, NUM_CLASSES);
      probs.set(a.probs.subarray(0, n * NUM_CLASSES));
    },
  };
}
