// Weight initialisation, driven by the seeded PRNG. Biases start at 0 in every scheme.
//   normal(σ): weights ~ N(0, σ²) — the report's choice with σ = 0.001
//   he:        weights ~ N(0, 2 / fan_in)                 (He et al. 2015, for ReLU)
//   xavier:    weights ~ N(0, 2 / (fan_in + fan_out))     (Glorot & Bengio 2010, normal form)
// Fans follow PyTorch: a conv weight (F, C, K, K) has fan_in = C·K·K and fan_out = F·K·K;
// an affine weight (out, in) has fan_in = in and fan_out = out.

import { PARAM_TABLE, PARAM_COUNT, type ParamEntry } from './layout';
import type { Prng } from './prng';

export type InitScheme = 'normal' | 'he' | 'xavier';

export function fans(e: ParamEntry): { fanIn: number; fanOut: number } {
  if (e.shape.length < 2) throw new Error(`${e.name} is not a weight tensor.`);
  const receptive = e.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: e.shape[1] * receptive, fanOut: e.shape[0] * receptive };
}

/** The standard deviation a scheme gives one weight tensor. */
export function initStd(e: ParamEntry, scheme: InitScheme, sigma: number): number {
  switch (scheme) {
    case 'normal':
      return sigma;
    case 'he':
      return Math.sqrt(2 / fans(e).fanIn);
    case 'xavier': {
      const f = fans(e);
      return Math.sqrt(2 / (f.fanIn + f.fanOut));
    }
  }
}

/** Fills params (engine/layout order) in place: weights from N(0, std²) in table order, biases 0. */
export function initParams(params: Float32Array, scheme: InitScheme, sigma: number, rng: Prng): void {
  if (params.length !== PARAM_COUNT) throw new Error(`initParams: expected ${PARAM_COUNT} parameters (got ${params.length}).`);
  if (scheme !== 'normal' && scheme !== 'he' && scheme !== 'xavier') throw new Error(`Unknown init scheme "${String(scheme)}" (normal, he or xavier).`);
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`initParams: sigma must be a positive number (got ${sigma}).`);
  for (const e of PARAM_TABLE) {
    const isBias = e.shape.length === 1;
    const std = isBias ? 0 : initStd(e, scheme, sigma);
    for (let i = 0; i < e.size; i++) params[e.offset + i] = isBias ? 0 : rng.normal() * std;
  }
}
