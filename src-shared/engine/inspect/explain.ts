// "How was this unit computed" (CNN Explainer's detail view) for a traced image: for a conv unit,
// the input window, the kernel and their elementwise products; for an affine unit, its inputs,
// weights and products. The products plus the bias sum to the pre-activation (tested).

import type { Floats } from '../reference/conv';
import { tensor, type LayerTrace } from './trace';

export interface ConvExplanation {
  layer: 'c1' | 'c3';
  channel: number;
  y: number;
  x: number;
  /** Input maps the kernel sees: 1 for C1 (the padded input), 6 for C3 (S2's maps). */
  inputChannels: number;
  /** Top-left corner of the window in the input map (32×32 for C1, 14×14 for C3). */
  windowOrigin: { y: number; x: number };
  /** (inputChannels, 5, 5): the input values under the kernel. */
  window: Float64Array;
  /** (inputChannels, 5, 5): the kernel weights. */
  kernel: Float64Array;
  /** (inputChannels, 5, 5): window · kernel, elementwise. */
  products: Float64Array;
  /** (inputChannels): the sum of the products per input map. */
  perChannel: Float64Array;
  bias: number;
  /** bias + Σ products: the unit before ReLU. */
  preActivation: number;
  /** After ReLU: the value shown in the feature map. */
  activation: number;
}

const CONV = {
  c1: { C: 1, H: 32, F: 6, O: 28, input: (t: LayerTrace) => t.input, pre: (t: LayerTrace) => t.c1Pre, post: (t: LayerTrace) => t.c1 },
  c3: { C: 6, H: 14, F: 16, O: 10, input: (t: LayerTrace) => t.s2, pre: (t: LayerTrace) => t.c3Pre, post: (t: LayerTrace) => t.c3 },
} as const;

function checkIndex(v: number, n: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`${what} must be a whole number 0..${n - 1} (got ${v}).`);
}

/** The computation of conv unit (channel, y, x) of C1 or C3 in a trace. */
export function explainConvUnit(params: Floats, t: LayerTrace, layer: 'c1' | 'c3', channel: number, y: number, x: number): ConvExplanation {
  const L = CONV[layer];
  if (!L) throw new Error(`explainConvUnit: layer must be c1 or c3 (got ${String(layer)}).`);
  checkIndex(channel, L.F, `${layer} channel`);
  checkIndex(y, L.O, 'y');
  checkIndex(x, L.O, 'x');
  const w = tensor(params, `${layer}.w`), b = tensor(params, `${layer}.b`);
  const input = L.input(t);
  const n = L.C * 25;
  const window = new Float64Array(n), kernel = new Float64Array(n), products = new Float64Array(n), perChannel = new Float64Array(L.C);
  for (let c = 0; c < L.C; c++) {
    for (let ki = 0; ki < 5; ki++) {
      for (let kj = 0; kj < 5; kj++) {
        const j = c * 25 + ki * 5 + kj;
        window[j] = input[c * L.H * L.H + (y + ki) * L.H + (x + kj)];
        kernel[j] = w[channel * n + j];
        products[j] = window[j] * kernel[j];
        perChannel[c] += products[j];
      }
    }
  }
  const o = channel * L.O * L.O + y * L.O + x;
  return {
    layer, channel, y, x, inputChannels: L.C, windowOrigin: { y, x }, window, kernel, products, perChannel,
    bias: b[channel], preActivation: L.pre(t)[o], activation: L.post(t)[o],
  };
}

export interface AffineExplanation {
  layer: 'c5' | 'f6' | 'out';
  unit: number;
  /** The layer's inputs: S4 flattened (400), C5 (120) or F6 (84). */
  inputs: Float64Array;
  /** The unit's weight row, same length. */
  weights: Float64Array;
  /** inputs · weights, elementwise. */
  products: Float64Array;
  /** Input indices by |product|, largest first (ties: lower index first). */
  order: number[];
  bias: number;
  preActivation: number;
  /** After ReLU (C5, F6); the logit itself for out. */
  activation: number;
}

const AFFINE = {
  c5: { IN: 400, OUT: 120, input: (t: LayerTrace) => t.s4, pre: (t: LayerTrace) => t.c5Pre, post: (t: LayerTrace) => t.c5 },
  f6: { IN: 120, OUT: 84, input: (t: LayerTrace) => t.c5, pre: (t: LayerTrace) => t.f6Pre, post: (t: LayerTrace) => t.f6 },
  out: { IN: 84, OUT: 10, input: (t: LayerTrace) => t.f6, pre: (t: LayerTrace) => t.logits, post: (t: LayerTrace) => t.logits },
} as const;

/** The computation of unit `unit` of C5, F6 or the output layer in a trace. */
export function explainAffineUnit(params: Floats, t: LayerTrace, layer: 'c5' | 'f6' | 'out', unit: number): AffineExplanation {
  const L = AFFINE[layer];
  if (!L) throw new Error(`explainAffineUnit: layer must be c5, f6 or out (got ${String(layer)}).`);
  checkIndex(unit, L.OUT, `${layer} unit`);
  const w = tensor(params, `${layer}.w`), b = tensor(params, `${layer}.b`);
  const inputs = Float64Array.from(L.input(t));
  const weights = Float64Array.from(w.subarray(unit * L.IN, (unit + 1) * L.IN));
  const products = inputs.map((v, i) => v * weights[i]);
  const order = Array.from({ length: L.IN }, (_, i) => i).sort((i, j) => Math.abs(products[j]) - Math.abs(products[i]) || i - j);
  return { layer, unit, inputs, weights, products, order, bias: b[unit], preActivation: L.pre(t)[unit], activation: L.post(t)[unit] };
}

export interface KernelImages {
  layer: 'c1' | 'c3';
  /** [F, C, 5, 5]. */
  shape: [number, number, number, number];
  /** The weights, (F, C, 5, 5) row-major (a copy). */
  data: Float64Array;
  /** max |w| over the layer: a symmetric colour scale shared by all its kernels. */
  absMax: number;
}

/** The C1 (6×1×5×5) or C3 (16×6×5×5) kernels for drawing as small images. */
export function kernelImages(params: Floats, layer: 'c1' | 'c3'): KernelImages {
  const L = CONV[layer];
  if (!L) throw new Error(`kernelImages: layer must be c1 or c3 (got ${String(layer)}).`);
  const data = Float64Array.from(tensor(params, `${layer}.w`));
  let absMax = 0;
  for (const v of data) if (Math.abs(v) > absMax) absMax = Math.abs(v);
  return { layer, shape: [L.F, L.C, 5, 5], data, absMax };
}
