// Weight initialisation, driven by the seeded PRNG. Biases start at 0 in every scheme.
//   normal(σ): weights ~ N(0, σ²) — the report's choice with σ = 0.001
//   he:        weights ~ N(0, 2 / fan_in)                 (He et al. 2015, for ReLU)
//   xavier:    weights ~ N(0, 2 / (fan_in + fan_out))     (Glorot & Bengio 2010, normal form)
// Fans follow PyTorch: a conv weight (F, C, K, K) has fan_in = C·K·K and fan_out = F·K·K;
// an affine weight (out, in) has fan_in = in and fan_out = out.
//
// Architecture variants (engine/arch.ts): subsampling's coefficients start at 1 (the layer starts
// as a plain average followed by the activation) and draw nothing; LeCun's C3 table draws every
// C3 weight as the full C3 does and then zeroes the unconnected kernels, and its fans count the
// connected maps only (a C3 map reading 3 maps has fan_in 75). So for a given seed, every tensor
// that two architectures share starts from the same random numbers.

import { DEFAULT_LAYOUT, type ParamEntry, type ParamLayout } from './layout';
import { c3Mask } from './arch';
import type { Prng } from './prng';

export type InitScheme = 'normal' | 'he' | 'xavier';

export function fans(e: ParamEntry): { fanIn: number; fanOut: number } {
  if (e.shape.length < 2) throw new Error(`${e.name} is not a weight tensor.`);
  const receptive = e.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: e.shape[1] * receptive, fanOut: e.shape[0] * receptive };
}

/** The standard deviation a scheme gives a weight with these fans. */
function stdFor(scheme: InitScheme, sigma: number, f: { fanIn: number; fanOut: number }): number {
  switch (scheme) {
    case 'normal':
      return sigma;
    case 'he':
      return Math.sqrt(2 / f.fanIn);
    case 'xavier':
      return Math.sqrt(2 / (f.fanIn + f.fanOut));
  }
}

/** The standard deviation a scheme gives one (fully connected) weight tensor. */
export function initStd(e: ParamEntry, scheme: InitScheme, sigma: number): number {
  return stdFor(scheme, sigma, scheme === 'normal' ? { fanIn: 0, fanOut: 0 } : fans(e));
}

/**
 * Fills params (the layout's order) in place: weights from N(0, std²) in table order, biases 0,
 * coefficients 1; with LeCun's C3 table the unconnected C3 kernels 0.
 */
export function initParams(params: Float32Array, scheme: InitScheme, sigma: number, rng: Prng, layout: ParamLayout = DEFAULT_LAYOUT): void {
  if (params.length !== layout.count) throw new Error(`initParams: expected ${layout.count} parameters (got ${params.length}).`);
  if (scheme !== 'normal' && scheme !== 'he' && scheme !== 'xavier') throw new Error(`Unknown init scheme "${String(scheme)}" (normal, he or xavier).`);
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`initParams: sigma must be a positive number (got ${sigma}).`);
  const mask = layout.architecture.c3Connections === 'lecun' ? c3Mask(layout.architecture) : null;
  for (const e of layout.table) {
    if (e.kind !== 'weight') {
      params.fill(e.kind === 'coefficient' ? 1 : 0, e.offset, e.offset + e.size);
      continue;
    }
    if (mask && e.name === 'c3.w') {
      initMaskedC3(params.subarray(e.offset, e.offset + e.size), mask, scheme, sigma, rng);
      continue;
    }
    const std = initStd(e, scheme, sigma);
    for (let i = 0; i < e.size; i++) params[e.offset + i] = rng.normal() * std;
  }
}

/** C3 (16, 6, 5, 5) under a connection mask (16 × 6): the full tensor's draws, unconnected kernels 0. */
function initMaskedC3(w: Float32Array, mask: Uint8Array, scheme: InitScheme, sigma: number, rng: Prng): void {
  const inputs = (f: number): number => mask.subarray(f * 6, f * 6 + 6).reduce((s, v) => s + v, 0);
  const outputs = (c: number): number => { let s = 0; for (let f = 0; f < 16; f++) s += mask[f * 6 + c]; return s; };
  for (let f = 0; f < 16; f++) {
    for (let c = 0; c < 6; c++) {
      const std = stdFor(scheme, sigma, { fanIn: inputs(f) * 25, fanOut: outputs(c) * 25 });
      for (let k = 0; k < 25; k++) {
        const v = rng.normal() * std;
        w[(f * 6 + c) * 25 + k] = mask[f * 6 + c] ? v : 0;
      }
    }
  }
}
