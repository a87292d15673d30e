// LeNet-5 on the plain TypeScript reference layers (spec.md, "The model"), for any architecture
// (engine/arch.ts). The report's model, the default:
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
// The switches change the pieces, not the shapes (engine/arch.ts says why max-pooling comes
// before a tanh or sigmoid):
//   activation  tanh or sigmoid wherever ReLU was (reference/activation.ts)
//   pooling     max:          c → maxpool → p → act → s        (ReLU: c → act → r → maxpool → s)
//               average:      c → act → r → avgpool → s
//               subsampling:  c → act → r → avgpool → a → ×k + b → p → act → s
//   c3 'lecun'  C3's gradient is zeroed on the unconnected kernels after each backward, so they
//               stay at the 0 they were initialised to (engine/layout.ts)
//   rbf         F6 → 10 RBF penalties (logits holds them) → the paper's loss (reference/rbf.ts);
//               probs = softmax(−penalties)
//
// Parameters and gradients live in one flat array each (engine/layout layoutFor). Every
// activation and activation-gradient buffer is allocated once, for maxBatch images: a training
// step allocates nothing (fresh memory is slow on this machine).

import type { Backend } from '../backend';
import { DEFAULT_ARCHITECTURE, c3Mask, type Architecture } from '../arch';
import { layoutFor, INPUT_SIZE, NUM_CLASSES, type ParamLayout } from '../layout';
import { RBF_J, RBF_PROTOTYPES } from '../rbf';
import { convForward, convBackward } from './conv';
import { reluForward, reluBackward } from './relu';
import { maxpoolForward, maxpoolBackward } from './maxpool';
import { affineForward, affineBackward } from './affine';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, softmaxForward } from './softmax';
import { activationForward, activationBackward } from './activation';
import { avgpoolForward, avgpoolBackward, channelScaleForward, channelScaleBackward } from './subsampling';
import { rbfForward, rbfBackward, rbfLossForward, rbfLossBackward, rbfProbabilities } from './rbf';

const IN = INPUT_SIZE * INPUT_SIZE; // 1024 floats per image
/** Per-image sizes of each activation. */
const SIZE = { c1: 6 * 28 * 28, s2: 6 * 14 * 14, c3: 16 * 10 * 10, s4: 16 * 5 * 5, c5: 120, f6: 84, out: NUM_CLASSES } as const;

export interface ReferenceBackendOptions {
  /** Also compute d(loss)/d(x) into `inputGrad` on every trainStep (gradient checks, saliency). */
  inputGradient?: boolean;
  /** The network's architecture (engine/arch.ts); the report's model when omitted. */
  architecture?: Architecture;
}

/**
 * c*: conv outputs before the activation; r*: after it (average and subsampling pool r1/r3);
 * p2/p4: the pooled values before the activation (max with tanh/sigmoid, subsampling after ×k + b);
 * a2/a4: subsampling's window means; s2/s4: the blocks' outputs; c5/f6 before and r5/r6 after the
 * activation; logits: the output layer (RBF: the penalties); probs.
 */
type ActivationName = 'c1' | 'r1' | 'p2' | 'a2' | 's2' | 'c3' | 'r3' | 'p4' | 'a4' | 's4' | 'c5' | 'r5' | 'f6' | 'r6' | 'logits' | 'probs';

/** The model over any float array type: Float32Array for training, Float64Array for gradient checks. */
export interface LeNetModel<T extends Float32Array | Float64Array> {
  readonly maxBatch: number;
  readonly layout: ParamLayout;
  readonly params: T;
  readonly grads: T;
  /** d(mean loss)/dx (maxBatch, 1, 32, 32) from the last trainStep, or null when not enabled. */
  readonly inputGrad: T | null;
  /**
   * The activations of the last trainStep/predict, each (maxBatch, …) in NCHW (ActivationName
   * says which is which; a buffer the architecture does not use stays 0). Views for layer
   * pictures; do not write.
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
  const arch = options.architecture ?? DEFAULT_ARCHITECTURE;
  const layout = layoutFor(arch);
  const params = new Arr(layout.count);
  const grads = new Arr(layout.count);
  const empty = new Arr(0);
  /** A tensor's view, or an empty array for one the architecture does not have. */
  const at = (buf: T, name: string): T => {
    const e = layout.table.find((p) => p.name === name);
    return (e ? buf.subarray(e.offset, e.offset + e.size) : empty) as T;
  };
  const P = {
    c1w: at(params, 'c1.w'), c1b: at(params, 'c1.b'), s2k: at(params, 's2.k'), s2b: at(params, 's2.b'),
    c3w: at(params, 'c3.w'), c3b: at(params, 'c3.b'), s4k: at(params, 's4.k'), s4b: at(params, 's4.b'),
    c5w: at(params, 'c5.w'), c5b: at(params, 'c5.b'), f6w: at(params, 'f6.w'), f6b: at(params, 'f6.b'),
    ow: at(params, 'out.w'), ob: at(params, 'out.b'),
  };
  const G = {
    c1w: at(grads, 'c1.w'), c1b: at(grads, 'c1.b'), s2k: at(grads, 's2.k'), s2b: at(grads, 's2.b'),
    c3w: at(grads, 'c3.w'), c3b: at(grads, 'c3.b'), s4k: at(grads, 's4.k'), s4b: at(grads, 's4.b'),
    c5w: at(grads, 'c5.w'), c5b: at(grads, 'c5.b'), f6w: at(grads, 'f6.w'), f6b: at(grads, 'f6.b'),
    ow: at(grads, 'out.w'), ob: at(grads, 'out.b'),
  };
  const act = arch.activation;
  /** The report's fused order: ReLU, then max-pool (the default path, kept call for call). */
  const reluMax = act === 'relu' && arch.pooling === 'max';
  const mask = arch.c3Connections === 'lecun' ? c3Mask(arch) : null;
  const protos = new Arr(RBF_PROTOTYPES.length);
  protos.set(RBF_PROTOTYPES);

  // Forward activations.
  const a: Record<ActivationName, T> = {
    c1: new Arr(B * SIZE.c1), r1: new Arr(B * SIZE.c1), p2: new Arr(B * SIZE.s2), a2: new Arr(B * SIZE.s2), s2: new Arr(B * SIZE.s2),
    c3: new Arr(B * SIZE.c3), r3: new Arr(B * SIZE.c3), p4: new Arr(B * SIZE.s4), a4: new Arr(B * SIZE.s4), s4: new Arr(B * SIZE.s4),
    c5: new Arr(B * SIZE.c5), r5: new Arr(B * SIZE.c5), f6: new Arr(B * SIZE.f6),
    r6: new Arr(B * SIZE.f6), logits: new Arr(B * SIZE.out), probs: new Arr(B * SIZE.out),
  };
  const am2 = new Int32Array(B * SIZE.s2); // S2 winners (indices into r1, or into c1 when pooling comes first)
  const am4 = new Int32Array(B * SIZE.s4); // S4 winners (indices into r3, or c3)
  const rbfQ = new Arr(B * SIZE.out); // the RBF loss's competition weights
  // Activation gradients (backward adds into them; zeroed at the start of each backward).
  const d = {
    c1: new Arr(B * SIZE.c1), r1: new Arr(B * SIZE.c1), p2: new Arr(B * SIZE.s2), a2: new Arr(B * SIZE.s2), s2: new Arr(B * SIZE.s2),
    c3: new Arr(B * SIZE.c3), r3: new Arr(B * SIZE.c3), p4: new Arr(B * SIZE.s4), a4: new Arr(B * SIZE.s4), s4: new Arr(B * SIZE.s4),
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

  /** One conv block's buffers: the forward activations, their gradients, its subsampling parameters. */
  type Block = {
    c: T; r: T; p: T; a: T; s: T; am: Int32Array; dc: T; dr: T; dp: T; da: T; ds: T;
    k: T; b: T; gk: T; gb: T; C: number; H: number;
  };
  const block1: Block = { c: a.c1, r: a.r1, p: a.p2, a: a.a2, s: a.s2, am: am2, dc: d.c1, dr: d.r1, dp: d.p2, da: d.a2, ds: d.s2, k: P.s2k, b: P.s2b, gk: G.s2k, gb: G.s2b, C: 6, H: 28 };
  const block3: Block = { c: a.c3, r: a.r3, p: a.p4, a: a.a4, s: a.s4, am: am4, dc: d.c3, dr: d.r3, dp: d.p4, da: d.a4, ds: d.s4, k: P.s4k, b: P.s4b, gk: G.s4k, gb: G.s4b, C: 16, H: 10 };

  /** A conv output c (n, C, H, H) → the block's output s (n, C, H/2, H/2): activation and pooling. */
  function poolForward(k: Block, n: number): void {
    const size = n * k.C * k.H * k.H, pooled = size >> 2;
    if (reluMax) {
      reluForward(k.r, k.c, size);
      maxpoolForward(k.s, k.am, k.r, n, k.C, k.H, k.H);
    } else if (arch.pooling === 'max') {
      maxpoolForward(k.p, k.am, k.c, n, k.C, k.H, k.H);
      activationForward(k.s, k.p, pooled, act);
    } else if (arch.pooling === 'average') {
      activationForward(k.r, k.c, size, act);
      avgpoolForward(k.s, k.r, n, k.C, k.H, k.H);
    } else {
      activationForward(k.r, k.c, size, act);
      avgpoolForward(k.a, k.r, n, k.C, k.H, k.H);
      channelScaleForward(k.p, k.a, k.k, k.b, n, k.C, (k.H * k.H) >> 2);
      activationForward(k.s, k.p, pooled, act);
    }
  }

  /** Backward of poolForward: ds (the block output's gradient) → dc (the conv output's), added into. */
  function poolBackward(k: Block, n: number): void {
    const size = n * k.C * k.H * k.H, pooled = size >> 2;
    if (reluMax) {
      maxpoolBackward(k.dr, k.ds, k.am, pooled);
      reluBackward(k.dc, k.dr, k.c, size);
    } else if (arch.pooling === 'max') {
      activationBackward(k.dp, k.ds, k.s, pooled, act);
      maxpoolBackward(k.dc, k.dp, k.am, pooled);
    } else if (arch.pooling === 'average') {
      avgpoolBackward(k.dr, k.ds, n, k.C, k.H, k.H);
      activationBackward(k.dc, k.dr, k.r, size, act);
    } else {
      activationBackward(k.dp, k.ds, k.s, pooled, act);
      channelScaleBackward(k.da, k.gk, k.gb, k.dp, k.a, k.k, n, k.C, (k.H * k.H) >> 2);
      avgpoolBackward(k.dr, k.da, n, k.C, k.H, k.H);
      activationBackward(k.dc, k.dr, k.r, size, act);
    }
  }

  /** The activation of C5 and F6: the report's ReLU calls, or activationForward. */
  function squash(out: T, x: T, size: number): void {
    if (act === 'relu') reluForward(out, x, size);
    else activationForward(out, x, size, act);
  }
  function squashBackward(dx: T, dout: T, x: T, y: T, size: number): void {
    if (act === 'relu') reluBackward(dx, dout, x, size);
    else activationBackward(dx, dout, y, size, act);
  }

  /** Forward through every layer up to the logits (RBF: the penalties). */
  function forward(x: T, n: number): void {
    convForward(a.c1, x, P.c1w, P.c1b, n, 1, 32, 32, 6, 5);
    poolForward(block1, n);
    convForward(a.c3, a.s2, P.c3w, P.c3b, n, 6, 14, 14, 16, 5);
    poolForward(block3, n);
    affineForward(a.c5, a.s4, P.c5w, P.c5b, n, 400, 120);
    squash(a.r5, a.c5, n * SIZE.c5);
    affineForward(a.f6, a.r5, P.f6w, P.f6b, n, 120, 84);
    squash(a.r6, a.f6, n * SIZE.f6);
    if (arch.output === 'rbf') rbfForward(a.logits, a.r6, protos, n, 84, 10);
    else affineForward(a.logits, a.r6, P.ow, P.ob, n, 84, 10);
  }

  return {
    maxBatch: B,
    layout,
    params,
    grads,
    inputGrad,
    activations: a,

    trainStep(x: T, labels: Uint8Array, n: number): number {
      checkBatch(x, n, 'trainStep');
      if (!(labels instanceof Uint8Array) || labels.length < n) throw new Error(`trainStep: labels must be a Uint8Array of at least n = ${n} entries.`);
      for (let i = 0; i < n; i++) if (labels[i] >= NUM_CLASSES) throw new Error(`trainStep: label ${labels[i]} at position ${i} is not a class 0..9.`);
      forward(x, n);
      let loss: number;
      if (arch.output === 'rbf') {
        loss = rbfLossForward(rbfQ, a.logits, labels, n, NUM_CLASSES, RBF_J);
        rbfProbabilities(a.probs, a.logits, n, NUM_CLASSES);
      } else {
        loss = softmaxCrossEntropyForward(a.probs, a.logits, labels, n, NUM_CLASSES);
      }

      for (const buf of dList) buf.fill(0, 0, (buf.length / B) * n);
      if (inputGrad) inputGrad.fill(0, 0, n * IN);

      if (arch.output === 'rbf') {
        rbfLossBackward(d.logits, rbfQ, labels, n, NUM_CLASSES);
        rbfBackward(d.r6, d.logits, a.r6, protos, n, 84, 10);
      } else {
        softmaxCrossEntropyBackward(d.logits, a.probs, labels, n, NUM_CLASSES);
        affineBackward(d.r6, G.ow, G.ob, d.logits, a.r6, P.ow, n, 84, 10);
      }
      squashBackward(d.f6, d.r6, a.f6, a.r6, n * SIZE.f6);
      affineBackward(d.r5, G.f6w, G.f6b, d.f6, a.r5, P.f6w, n, 120, 84);
      squashBackward(d.c5, d.r5, a.c5, a.r5, n * SIZE.c5);
      affineBackward(d.s4, G.c5w, G.c5b, d.c5, a.s4, P.c5w, n, 400, 120);
      poolBackward(block3, n);
      convBackward(d.s2, G.c3w, G.c3b, d.c3, a.s2, P.c3w, n, 6, 14, 14, 16, 5);
      if (mask) {
        // LeCun's table: the unconnected kernels get no gradient, so they stay at their 0.
        for (let f = 0; f < 96; f++) if (!mask[f]) G.c3w.fill(0, f * 25, f * 25 + 25);
      }
      poolBackward(block1, n);
      convBackward(inputGrad, G.c1w, G.c1b, d.c1, x, P.c1w, n, 1, 32, 32, 6, 5);
      return loss;
    },

    predict(x: T, n: number, probs: T): void {
      checkBatch(x, n, 'predict');
      if (!(probs instanceof Arr) || probs.length < n * NUM_CLASSES) throw new Error(`predict: probs must be a ${typeName} of at least n·10 = ${n * NUM_CLASSES} floats.`);
      forward(x, n);
      if (arch.output === 'rbf') rbfProbabilities(a.probs, a.logits, n, NUM_CLASSES);
      else softmaxForward(a.probs, a.logits, n, NUM_CLASSES);
      probs.set(a.probs.subarray(0, n * NUM_CLASSES));
    },
  };
}
