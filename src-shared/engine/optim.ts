// Optimisers: update rules with one signature, step(params, grads, lr), that also zero the
// gradients. State lives in flat Float32Arrays of the parameters' length, so it is one copy
// in a checkpoint. The formulas are PyTorch's (torch.optim.SGD and torch.optim.Adam, no weight
// decay), evaluated per element in float64 and stored as float32, flushed to zero below the
// float32 normal range (engine/ftz.ts: a deliberate departure from IEEE gradual underflow).
//
//   SGD:  v ← μ·v + g;  p ← p − lr·v            (μ = 0: p ← p − lr·g; PyTorch's first step v = g is the same)
//   Adam: t ← t + 1;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//         p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
//   Note the bias corrections DIVIDE (ConvNetJS multiplies by them: a bug since 2016).

import { flush32 } from './ftz';

export interface OptimizerState {
  /** 'sgd' or 'adam'. */
  name: 'sgd' | 'adam';
  /** Steps taken so far. */
  t: number;
  /** sgd with momentum: [velocity]; sgd without momentum: []; adam: [m, v]. */
  buffers: Float32Array[];
}

export interface Optimizer {
  readonly name: 'sgd' | 'adam';
  /** Steps taken so far. */
  readonly t: number;
  /** One update of params from grads at learning rate lr; then grads are zeroed. */
  step(params: Float32Array, grads: Float32Array, lr: number): void;
  /** The state (live views of the buffers: copy them to keep a snapshot). */
  state(): OptimizerState;
  /** Restores a state from state(); sizes and name must match. */
  setState(s: OptimizerState): void;
}

export interface SgdOptions { momentum: number }
export interface AdamOptions { beta1: number; beta2: number; epsilon: number }

function checkStep(size: number, params: Float32Array, grads: Float32Array, lr: number): void {
  if (params.length !== size || grads.length !== size) throw new Error(`Optimizer step: params and grads must both hold ${size} floats (got ${params.length} and ${grads.length}).`);
  checkLearningRate(lr);
}

/** Checks a state against an optimiser's name, size and number of buffers (a clear error otherwise). */
export function checkOptimizerState(name: 'sgd' | 'adam', size: number, nBuffers: number, s: OptimizerState): void {
  if (s.name !== name) throw new Error(`Optimizer state is for "${s.name}", not "${name}".`);
  if (!Number.isInteger(s.t) || s.t < 0) throw new Error(`Optimizer state: t must be a non-negative whole number (got ${s.t}).`);
  if (s.buffers.length !== nBuffers) throw new Error(`Optimizer state for ${name}: expected ${nBuffers} buffers (got ${s.buffers.length}).`);
  for (const b of s.buffers) if (!(b instanceof Float32Array) || b.length !== size) throw new Error(`Optimizer state for ${name}: each buffer must be a Float32Array of ${size} floats.`);
}

/** Checks SGD's settings (a clear error otherwise). */
export function checkSgdOptions(opts: SgdOptions): void {
  const mu = opts.momentum;
  if (!(Number.isFinite(mu) && mu >= 0 && mu < 1)) throw new Error(`SGD momentum must be in [0, 1) (got ${mu}).`);
}

/** Checks Adam's settings (a clear error otherwise). */
export function checkAdamOptions(opts: AdamOptions): void {
  const { beta1, beta2, epsilon } = opts;
  if (!(Number.isFinite(beta1) && beta1 >= 0 && beta1 < 1)) throw new Error(`Adam beta1 must be in [0, 1) (got ${beta1}).`);
  if (!(Number.isFinite(beta2) && beta2 >= 0 && beta2 < 1)) throw new Error(`Adam beta2 must be in [0, 1) (got ${beta2}).`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new Error(`Adam epsilon must be positive (got ${epsilon}).`);
}

/** Checks a learning rate: a positive finite number (a clear error otherwise). */
export function checkLearningRate(lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`Optimizer step: the learning rate must be a positive number (got ${lr}).`);
}

export function createSgd(size: number, opts: SgdOptions): Optimizer {
  checkSgdOptions(opts);
  const mu = opts.momentum;
  const velocity = mu > 0 ? new Float32Array(size) : null;
  let t = 0;
  return {
    name: 'sgd',
    get t() { return t; },
    step(params, grads, lr) {
      checkStep(size, params, grads, lr);
      if (velocity) {
        for (let i = 0; i < size; i++) {
          const v = flush32(mu * velocity[i] + grads[i]);
          velocity[i] = v;
          params[i] = flush32(params[i] - lr * v);
        }
      } else {
        for (let i = 0; i < size; i++) params[i] = flush32(params[i] - lr * grads[i]);
      }
      grads.fill(0);
      t++;
    },
    state() { return { name: 'sgd', t, buffers: velocity ? [velocity] : [] }; },
    setState(s) {
      checkOptimizerState('sgd', size, velocity ? 1 : 0, s);
      if (velocity) velocity.set(s.buffers[0]);
      t = s.t;
    },
  };
}

export function createAdam(size: number, opts: AdamOptions): Optimizer {
  checkAdamOptions(opts);
  const { beta1, beta2, epsilon } = opts;
  const m = new Float32Array(size);
  const v = new Float32Array(size);
  let t = 0;
  return {
    name: 'adam',
    get t() { return t; },
    step(params, grads, lr) {
      checkStep(size, params, grads, lr);
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const stepSize = lr / bc1;
      const bc2Sqrt = Math.sqrt(bc2);
      for (let i = 0; i < size; i++) {
        const g = grads[i];
        const mi = flush32(beta1 * m[i] + (1 - beta1) * g);
        const vi = flush32(beta2 * v[i] + (1 - beta2) * g * g);
        m[i] = mi;
        v[i] = vi;
        params[i] = flush32(params[i] - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + epsilon));
      }
      grads.fill(0);
    },
    state() { return { name: 'adam', t, buffers: [m, v] }; },
    setState(s) {
      checkOptimizerState('adam', size, 2, s);
      m.set(s.buffers[0]);
      v.set(s.buffers[1]);
      t = s.t;
    },
  };
}

export interface OptimizerConfig {
  optimizer: 'sgd' | 'adam';
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The optimiser a run config names. */
export function createOptimizer(size: number, cfg: OptimizerConfig): Optimizer {
  if (cfg.optimizer === 'adam') return createAdam(size, cfg);
  if (cfg.optimizer === 'sgd') return createSgd(size, cfg);
  throw new Error(`Unknown optimizer "${String(cfg.optimizer)}" (adam or sgd).`);
}
