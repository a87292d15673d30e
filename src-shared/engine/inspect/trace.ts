// Layer views of one image on the reference layers (engine/reference), in float64: every
// activation of the network for one input, the backward pass from any output direction to the
// input (saliency), and "how was this unit computed" (the window, kernel and products behind a
// unit). One image costs about 1 ms forward; nothing here runs in the training loop.
//
//   input  (1, 32, 32)   padded, normalised (engine/inspect/input)
//   c1     (6, 28, 28)   after ReLU; c1Pre before it
//   s2     (6, 14, 14)   2×2 max; s2Argmax: each winner's flat index into c1
//   c3     (16, 10, 10)  after ReLU; c3Pre before it
//   s4     (16, 5, 5)    = the 400 inputs of C5 (C-H-W); s4Argmax into c3
//   c5     (120), f6 (84) after ReLU; c5Pre, f6Pre before it
//   logits (10), probs (10) softmax(logits)

import type { NormStats } from '../batch';
import { PARAM_COUNT, paramEntry } from '../layout';
import { convForward, convBackward, type Floats } from '../reference/conv';
import { reluForward, reluBackward } from '../reference/relu';
import { maxpoolForward, maxpoolBackward } from '../reference/maxpool';
import { affineForward, affineBackward } from '../reference/affine';
import { softmaxForward } from '../reference/softmax';
import { writeInput, INPUT_PIXELS, type InputPrecision } from './input';

export interface LayerTrace {
  input: Float64Array;
  c1Pre: Float64Array; c1: Float64Array; s2: Float64Array; s2Argmax: Int32Array;
  c3Pre: Float64Array; c3: Float64Array; s4: Float64Array; s4Argmax: Int32Array;
  c5Pre: Float64Array; c5: Float64Array; f6Pre: Float64Array; f6: Float64Array;
  logits: Float64Array; probs: Float64Array;
  /** argmax of probs (first of equal values). */
  predicted: number;
}

/** Shapes of the traced layers (per image), for views that draw them. */
export const TRACE_SHAPES = {
  input: [1, 32, 32], c1: [6, 28, 28], s2: [6, 14, 14], c3: [16, 10, 10], s4: [16, 5, 5], c5: [120], f6: [84], logits: [10], probs: [10],
} as const;

function checkParams(params: Floats): void {
  if (params.length !== PARAM_COUNT) throw new Error(`Expected ${PARAM_COUNT} parameters (got ${params.length}).`);
}

/** A parameter tensor as a view (no copy). */
export function tensor(params: Floats, name: string): Floats {
  const e = paramEntry(name);
  return params.subarray(e.offset, e.offset + e.size);
}

/** Every layer's output for one network input x (1, 1, 32, 32), already padded and normalised. */
export function traceInput(params: Floats, x: ArrayLike<number>): LayerTrace {
  checkParams(params);
  if (x.length !== INPUT_PIXELS) throw new Error(`traceInput: x must hold ${INPUT_PIXELS} values (1, 1, 32, 32) (got ${x.length}).`);
  const input = Float64Array.from(x);
  const t: LayerTrace = {
    input,
    c1Pre: new Float64Array(4704), c1: new Float64Array(4704), s2: new Float64Array(1176), s2Argmax: new Int32Array(1176),
    c3Pre: new Float64Array(1600), c3: new Float64Array(1600), s4: new Float64Array(400), s4Argmax: new Int32Array(400),
    c5Pre: new Float64Array(120), c5: new Float64Array(120), f6Pre: new Float64Array(84), f6: new Float64Array(84),
    logits: new Float64Array(10), probs: new Float64Array(10), predicted: 0,
  };
  const P = (n: string) => tensor(params, n);
  convForward(t.c1Pre, input, P('c1.w'), P('c1.b'), 1, 1, 32, 32, 6, 5);
  reluForward(t.c1, t.c1Pre, 4704);
  maxpoolForward(t.s2, t.s2Argmax, t.c1, 1, 6, 28, 28);
  convForward(t.c3Pre, t.s2, P('c3.w'), P('c3.b'), 1, 6, 14, 14, 16, 5);
  reluForward(t.c3, t.c3Pre, 1600);
  maxpoolForward(t.s4, t.s4Argmax, t.c3, 1, 16, 10, 10);
  affineForward(t.c5Pre, t.s4, P('c5.w'), P('c5.b'), 1, 400, 120);
  reluForward(t.c5, t.c5Pre, 120);
  affineForward(t.f6Pre, t.c5, P('f6.w'), P('f6.b'), 1, 120, 84);
  reluForward(t.f6, t.f6Pre, 84);
  affineForward(t.logits, t.f6, P('out.w'), P('out.b'), 1, 84, 10);
  softmaxForward(t.probs, t.logits, 1, 10);
  let k = 0;
  for (let j = 1; j < 10; j++) if (t.probs[j] > t.probs[k]) k = j;
  t.predicted = k;
  return t;
}

/** traceInput of a 28×28 image (784 pixel values 0–255, row-major) under a run's normalisation. */
export function traceImage(params: Floats, pixels: ArrayLike<number>, stats: NormStats, pixelOffset = 0, precision: InputPrecision = 'float32'): LayerTrace {
  const x = new Float64Array(INPUT_PIXELS);
  writeInput(x, 0, pixels, stats, pixelOffset, precision);
  return traceInput(params, x);
}

/**
 * Backward from the logits to the input: given dlogits (10) = d(score)/d(logits), returns
 * d(score)/d(input) (1, 1, 32, 32), through the ReLUs and max-pool winners of the trace.
 */
export function inputGradient(params: Floats, t: LayerTrace, dlogits: ArrayLike<number>): Float64Array {
  checkParams(params);
  if (dlogits.length !== 10) throw new Error(`inputGradient: dlogits must hold 10 values (got ${dlogits.length}).`);
  const P = (n: string) => tensor(params, n);
  // Parameter gradients are computed by the reference layers as a side effect; they are scratch.
  const g = new Float64Array(PARAM_COUNT);
  const G = (n: string) => tensor(g, n);
  const dl = Float64Array.from(dlogits);
  const df6r = new Float64Array(84), df6 = new Float64Array(84);
  const dc5r = new Float64Array(120), dc5 = new Float64Array(120);
  const ds4 = new Float64Array(400), dc3r = new Float64Array(1600), dc3 = new Float64Array(1600);
  const ds2 = new Float64Array(1176), dc1r = new Float64Array(4704), dc1 = new Float64Array(4704);
  const dx = new Float64Array(INPUT_PIXELS);
  affineBackward(df6r, G('out.w'), G('out.b'), dl, t.f6, P('out.w'), 1, 84, 10);
  reluBackward(df6, df6r, t.f6Pre, 84);
  affineBackward(dc5r, G('f6.w'), G('f6.b'), df6, t.c5, P('f6.w'), 1, 120, 84);
  reluBackward(dc5, dc5r, t.c5Pre, 120);
  affineBackward(ds4, G('c5.w'), G('c5.b'), dc5, t.s4, P('c5.w'), 1, 400, 120);
  maxpoolBackward(dc3r, ds4, t.s4Argmax, 400);
  reluBackward(dc3, dc3r, t.c3Pre, 1600);
  convBackward(ds2, G('c3.w'), G('c3.b'), dc3, t.s2, P('c3.w'), 1, 6, 14, 14, 16, 5);
  maxpoolBackward(dc1r, ds2, t.s2Argmax, 1176);
  reluBackward(dc1, dc1r, t.c1Pre, 4704);
  convBackward(dx, G('c1.w'), G('c1.b'), dc1, t.input, P('c1.w'), 1, 1, 32, 32, 6, 5);
  return dx;
}
