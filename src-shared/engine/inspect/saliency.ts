// Saliency (Simonyan et al. 2014): the gradient of a class score with respect to the 28×28 input
// pixels, through the padding and the run's normalisation, in units of score per pixel level
// (pixels are 0–255). Two scores:
//   'logit'    the pre-softmax logit z_k (the default: it measures evidence for class k alone)
//   'logprob'  log p_k = z_k − log Σ exp z (evidence for k against every other class)
// The difference map between two classes is d(z_a − z_b)/dpixel, which is the same for both
// scores (log p_a − log p_b = z_a − z_b): where ink would move the decision from b towards a.
// The padding border has no pixel behind it (it is constant), so its gradient is dropped.
// On real digits many max-pool windows hold ties (equal background values); there the gradient
// follows the first winner, as training does (engine/reference/maxpool): a valid one-sided slope.

import type { NormStats } from '../batch';
import type { Floats } from '../reference/conv';
import { cropInterior, pixelScale, type InputPrecision } from './input';
import { inputGradient, traceImage, type LayerTrace } from './trace';

export type ClassScore = 'logit' | 'logprob';

export interface SaliencyMap {
  /** (28, 28): d(score)/d(pixel value), row-major. */
  gradient: Float64Array;
  /** The score's value for this image. */
  score: number;
  trace: LayerTrace;
}

function checkClass(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 0 || k > 9) throw new Error(`${what} must be a class 0..9 (got ${k}).`);
}

/** d(score)/d(logits) for a class score. */
function scoreDirection(t: LayerTrace, k: number, score: ClassScore): { dlogits: Float64Array; value: number } {
  const d = new Float64Array(10);
  if (score === 'logit') {
    d[k] = 1;
    return { dlogits: d, value: t.logits[k] };
  }
  if (score !== 'logprob') throw new Error(`Unknown class score "${String(score)}" (logit or logprob).`);
  for (let j = 0; j < 10; j++) d[j] = (j === k ? 1 : 0) - t.probs[j];
  return { dlogits: d, value: Math.log(t.probs[k]) };
}

/** Saliency of class k for one 28×28 image (784 values 0–255) under the run's normalisation. */
export function saliency(params: Floats, pixels: ArrayLike<number>, stats: NormStats, k: number, score: ClassScore = 'logit', precision: InputPrecision = 'float32'): SaliencyMap {
  checkClass(k, 'saliency: the class');
  const t = traceImage(params, pixels, stats, 0, precision);
  const { dlogits, value } = scoreDirection(t, k, score);
  return { gradient: cropInterior(inputGradient(params, t, dlogits), 0, pixelScale(stats)), score: value, trace: t };
}

/**
 * d(z_a − z_b)/d(pixel) (28, 28): typically a = the true class and b = the predicted one of a
 * misclassified digit. Positive where more ink would favour a over b.
 */
export function saliencyDifference(params: Floats, pixels: ArrayLike<number>, stats: NormStats, a: number, b: number, precision: InputPrecision = 'float32'): SaliencyMap {
  checkClass(a, 'saliencyDifference: the first class');
  checkClass(b, 'saliencyDifference: the second class');
  const t = traceImage(params, pixels, stats, 0, precision);
  const d = new Float64Array(10);
  d[a] += 1;
  d[b] -= 1;
  return { gradient: cropInterior(inputGradient(params, t, d), 0, pixelScale(stats)), score: t.logits[a] - t.logits[b], trace: t };
}
