// Training health, measured once per epoch by the worker (the parameters at the epoch's end):
//   per parameter tensor  norm, gradient norm, update-to-weight ratio, subnormal and zero fractions
//                         (the gradient: of the mean data loss over the sample, without the L2
//                         term, as PyTorch's .grad with weight decay in the optimiser; computed on
//                         a backend of the monitor's own, so the trainer's state is untouched)
//   per ReLU layer        dead units (zero for every image of a fixed sample), silent images
//   the NaN/Inf guard     non-finite parameters, gradients and activations
// Everything is plain data of finite numbers (JSON-safe for the store): norms are taken over the
// finite elements only, and the non-finite ones are counted instead.
//
// Cost (measured, tests/insight/health.test.ts prints it): the parameter statistics read 61,706
// floats three times (< 1 ms); the ReLU statistics run the sample through engine/inspect/probe,
// about 55–65 ms for 200 images on this machine, 1.2–1.5% of a 4.5 s training epoch; the sample's
// gradient is one forward and backward pass over it (19–26 ms for 200 images).
//
// Other architectures (engine/arch.ts): the tensor statistics cover their layout (subsampling's
// coefficients included); the per-layer statistics are about ReLUs and the probe computes the
// report's model, so they are left out (relus: []) and the NaN/Inf guard counts the non-finite
// class probabilities of the sample instead (the network's own forward pass, engine/select.ts).

import { PARAM_COUNT, IMAGE_SIZE, DEFAULT_LAYOUT, type ParamLayout } from '../layout';
import type { NormStats } from '../batch';
import type { ImageSet } from '../types';
import { createProbe, type Probe } from './probe';
import { isDefaultArchitecture } from '../arch';
import { createBackend } from '../select';
import type { Backend } from '../backend';
import { writeInput, INPUT_PIXELS } from './input';

/** float32's smallest normal magnitude, 2⁻¹²⁶: below it (and above 0) a value is subnormal. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

export type LayerName = 'c1' | 's2' | 'c3' | 's4' | 'c5' | 'f6' | 'out';
export type ReluLayer = 'c1' | 'c3' | 'c5' | 'f6';
export const RELU_LAYERS: readonly ReluLayer[] = ['c1', 'c3', 'c5', 'f6'];

export interface TensorHealth {
  /** engine/layout name: c1.w, c1.b, …, out.b. */
  name: string;
  layer: LayerName;
  /** engine/layout ParamKind (a coefficient: subsampling's trainable per-map factor). */
  kind: 'weight' | 'bias' | 'coefficient';
  size: number;
  /** ‖θ‖₂ over the finite elements. */
  norm: number;
  /** ‖g‖₂ of the gradient given to measure (finite elements); null when none was given. */
  gradNorm: number | null;
  /** ‖θ − θ_prev‖₂ since the previous snapshot (finite elements); null without one. */
  updateNorm: number | null;
  /** updateNorm / ‖θ_prev‖₂; null without a snapshot or when ‖θ_prev‖ is 0. Per snapshot interval (an epoch), not per step. */
  updateRatio: number | null;
  /** Elements with 0 < |θ| < 2⁻¹²⁶ (float32 subnormals), and their fraction of size. */
  subnormal: number;
  subnormalFraction: number;
  /** Elements exactly ±0, and their fraction of size. */
  zero: number;
  zeroFraction: number;
  /** Count of NaN or ±Infinity elements. */
  nonFinite: number;
}

export interface ReluHealth {
  layer: ReluLayer;
  /** Units of the layer's output per image: C1 6·28·28, C3 16·10·10, C5 120, F6 84. */
  units: number;
  /** Units whose output is 0 for every image of the sample (a NaN output counts as alive). */
  deadUnits: number;
  deadFraction: number;
  /** Feature maps (C1 6, C3 16) or units (C5, F6). */
  channels: number;
  /** Channels all of whose units are dead. */
  deadChannels: number;
  /** Fraction of all outputs (units × images) that are 0: the layer's sparsity. */
  zeroFraction: number;
  /** Fraction of sample images for which the whole layer output is 0. */
  silentImageFraction: number;
  /** True when every output of the layer is 0 on every image: nothing reaches the next layer. */
  allZero: boolean;
}

export interface EpochHealth {
  sampleSize: number;
  tensors: TensorHealth[];
  relus: ReluHealth[];
  /** Over all the parameters (61,706 for the report's model). */
  subnormalFraction: number;
  zeroFraction: number;
  nonFiniteParams: number;
  nonFiniteGrads: number;
  /** Non-finite outputs (any layer, logits included) over the sample. */
  nonFiniteActivations: number;
  /** False as soon as any parameter, gradient or activation is NaN or infinite. */
  finite: boolean;
}

function sqrtSumSq(a: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v - v === 0) s += v * v; // v − v is NaN for NaN and ±Infinity: only finite values count
  }
  return Math.sqrt(s);
}

/**
 * Parameter statistics per tensor (the layout's order: the report's model's by default). params,
 * prev and grads are flat buffers of the layout's count of floats; prev is the snapshot at the
 * previous measurement (null at the first) and grads a gradient in the same layout (null when the
 * caller has none: the optimiser zeroes the gradient buffer after every step, so it must be
 * copied before that).
 */
export function paramHealth(params: Float32Array, prev: Float32Array | null, grads: Float32Array | null, layout: ParamLayout = DEFAULT_LAYOUT): TensorHealth[] {
  for (const [what, a] of [['params', params], ['prev', prev], ['grads', grads]] as const) {
    if (a !== null && a.length !== layout.count) throw new Error(`paramHealth: ${what} must hold ${layout.count} floats (got ${a.length}).`);
  }
  return layout.table.map((e) => {
    const end = e.offset + e.size;
    let sub = 0, zero = 0, bad = 0, upd = 0;
    for (let i = e.offset; i < end; i++) {
      const v = params[i];
      if (v === 0) zero++;
      else if (v - v !== 0) bad++;
      else if (Math.abs(v) < FLOAT32_MIN_NORMAL) sub++;
      if (prev !== null) {
        const d = v - prev[i];
        if (d - d === 0) upd += d * d;
      }
    }
    const prevNorm = prev === null ? 0 : sqrtSumSq(prev, e.offset, end);
    const updateNorm = prev === null ? null : Math.sqrt(upd);
    const dot = e.name.indexOf('.');
    return {
      name: e.name,
      layer: e.name.slice(0, dot) as LayerName,
      kind: e.kind,
      size: e.size,
      norm: sqrtSumSq(params, e.offset, end),
      gradNorm: grads === null ? null : sqrtSumSq(grads, e.offset, end),
      updateNorm,
      updateRatio: updateNorm === null || prevNorm === 0 ? null : updateNorm / prevNorm,
      subnormal: sub,
      subnormalFraction: sub / e.size,
      zero,
      zeroFraction: zero / e.size,
      nonFinite: bad,
    };
  });
}

/** Count of NaN or ±Infinity values in a[0 .. n). */
export function countNonFinite(a: ArrayLike<number>, n = a.length): number {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v - v !== 0) bad++;
  }
  return bad;
}

/** Where the first non-finite parameter is (name, index inside its tensor, value), or null; `layout`: the network's (engine/layout layoutFor). */
export function firstNonFinite(params: Float32Array, layout: ParamLayout = DEFAULT_LAYOUT): { name: string; index: number; value: number } | null {
  for (const e of layout.table) {
    for (let i = 0; i < e.size; i++) {
      const v = params[e.offset + i];
      if (v - v !== 0) return { name: e.name, index: i, value: v };
    }
  }
  return null;
}

const RELU_SHAPE: Readonly<Record<ReluLayer, { channels: number; plane: number }>> = {
  c1: { channels: 6, plane: 784 }, c3: { channels: 16, plane: 100 }, c5: { channels: 120, plane: 1 }, f6: { channels: 84, plane: 1 },
};

/** Images per probe chunk: large enough for long inner loops, small enough for 4 MB of windows. */
const CHUNK = 50;

export interface HealthMonitor {
  readonly sampleSize: number;
  /** ReLU statistics and the NaN guard over the sample for these parameters (params unchanged). */
  relus(params: Float32Array): { relus: ReluHealth[]; nonFiniteActivations: number };
  /** The gradient of the mean data loss over the sample at these parameters (no L2 term); a buffer the monitor reuses. */
  gradient(params: Float32Array): Float32Array;
  /**
   * Everything for one epoch: see paramHealth for prev. grads: a gradient to report; omitted, the
   * sample's (gradient above); null, none.
   */
  measure(params: Float32Array, prev: Float32Array | null, grads?: Float32Array | null): EpochHealth;
}

/**
 * The sample's gradient on a backend of its own, CHUNK images at a time, each chunk's mean
 * gradient weighted by its share of the sample (summed in float64, in a fixed order).
 */
function sampleGradient(x: Float32Array, labels: Uint8Array, n: number, layout: ParamLayout): { backend: Backend; gradient(params: Float32Array): Float32Array } {
  const backend = createBackend('auto', Math.min(CHUNK, n), layout.architecture);
  const chunk = Math.min(backend.maxBatch, CHUNK);
  const sum = new Float64Array(layout.count);
  const out = new Float32Array(layout.count);
  return {
    backend,
    gradient(params: Float32Array): Float32Array {
      if (params.length !== layout.count) throw new Error(`HealthMonitor: params must hold ${layout.count} floats (got ${params.length}).`);
      backend.params.set(params);
      sum.fill(0);
      const g = backend.grads;
      for (let c = 0; c < n; c += chunk) {
        const m = Math.min(chunk, n - c);
        g.fill(0);
        backend.trainStep(x.subarray(c * INPUT_PIXELS, (c + m) * INPUT_PIXELS), labels.subarray(c, c + m), m);
        const w = m / n;
        for (let i = 0; i < sum.length; i++) sum[i] += w * g[i];
      }
      for (let i = 0; i < sum.length; i++) out[i] = sum[i];
      return out;
    },
  };
}

/**
 * A monitor over a fixed sample: images `indices` of `set`, normalised once with the run's
 * statistics (as engine/batch does), so each measurement only runs the forward pass. Created
 * once per run; it allocates nothing per measurement except the small result objects. `layout`:
 * the run's network (file comment: other architectures than the report's get no ReLU statistics).
 */
export function createHealthMonitor(set: ImageSet, indices: ArrayLike<number>, stats: NormStats, layout: ParamLayout = DEFAULT_LAYOUT): HealthMonitor {
  if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new Error(`createHealthMonitor: images must be ${IMAGE_SIZE}×${IMAGE_SIZE}.`);
  const n = indices.length;
  if (n < 1) throw new Error('createHealthMonitor: the sample needs at least one image.');
  const x = new Float32Array(n * INPUT_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i];
    if (!(Number.isInteger(k) && k >= 0 && k < set.count)) throw new Error(`createHealthMonitor: image index ${k} is outside the set of ${set.count}.`);
    writeInput(x, i * INPUT_PIXELS, set.pixels, stats, k * IMAGE_SIZE * IMAGE_SIZE);
    labels[i] = set.labels[k];
  }
  const grad = sampleGradient(x, labels, n, layout);
  if (!isDefaultArchitecture(layout.architecture)) return otherArchitectureMonitor(x, n, layout, grad);
  const probe: Probe = createProbe(Math.min(CHUNK, n));
  const alive: Record<ReluLayer, Uint8Array> = {
    c1: new Uint8Array(6 * 784), c3: new Uint8Array(1600), c5: new Uint8Array(120), f6: new Uint8Array(84),
  };
  const zeros: Record<ReluLayer, number> = { c1: 0, c3: 0, c5: 0, f6: 0 };
  const silent: Record<ReluLayer, number> = { c1: 0, c3: 0, c5: 0, f6: 0 };

  function relus(params: Float32Array): { relus: ReluHealth[]; nonFiniteActivations: number } {
    if (params.length !== PARAM_COUNT) throw new Error(`HealthMonitor: params must hold ${PARAM_COUNT} floats.`);
    for (const l of RELU_LAYERS) { alive[l].fill(0); zeros[l] = 0; silent[l] = 0; }
    let nonFinite = 0;
    for (let c = 0; c < n; c += probe.maxBatch) {
      const m = Math.min(probe.maxBatch, n - c);
      probe.forward(params, x.subarray(c * INPUT_PIXELS), m);
      for (const l of RELU_LAYERS) {
        const a = probe.buffers[l], live = alive[l], units = live.length;
        for (let i = 0; i < m; i++) {
          const o = i * units;
          let z = 0;
          for (let u = 0; u < units; u++) {
            const v = a[o + u];
            if (v === 0) z++;
            else {
              live[u] = 1;
              if (v - v !== 0) nonFinite++; // after ReLU a non-zero output is positive or NaN/Infinity
            }
          }
          zeros[l] += z;
          if (z === units) silent[l]++;
        }
      }
      nonFinite += countNonFinite(probe.buffers.logits, m * 10);
    }
    const out: ReluHealth[] = RELU_LAYERS.map((l) => {
      const live = alive[l], units = live.length, { channels, plane } = RELU_SHAPE[l];
      let dead = 0, deadChannels = 0;
      for (let ch = 0; ch < channels; ch++) {
        let d = 0;
        for (let p = 0; p < plane; p++) if (live[ch * plane + p] === 0) d++;
        dead += d;
        if (d === plane) deadChannels++;
      }
      return {
        layer: l, units, deadUnits: dead, deadFraction: dead / units, channels, deadChannels,
        zeroFraction: zeros[l] / (units * n), silentImageFraction: silent[l] / n, allZero: dead === units,
      };
    });
    return { relus: out, nonFiniteActivations: nonFinite };
  }

  return monitorOf(n, layout, relus, grad.gradient);
}

/** A monitor from its ReLU statistics and its sample gradient: measure() puts one epoch's record together. */
function monitorOf(
  n: number, layout: ParamLayout,
  relus: HealthMonitor['relus'], gradient: HealthMonitor['gradient'],
): HealthMonitor {
  return {
    sampleSize: n,
    relus,
    gradient,
    measure(params: Float32Array, prev: Float32Array | null, given?: Float32Array | null): EpochHealth {
      const grads = given === undefined ? gradient(params) : given;
      const tensors = paramHealth(params, prev, grads, layout);
      const r = relus(params);
      let sub = 0, zero = 0, bad = 0;
      for (const t of tensors) { sub += t.subnormal; zero += t.zero; bad += t.nonFinite; }
      const badGrads = grads === null ? 0 : countNonFinite(grads);
      return {
        sampleSize: n,
        tensors,
        relus: r.relus,
        subnormalFraction: sub / layout.count,
        zeroFraction: zero / layout.count,
        nonFiniteParams: bad,
        nonFiniteGrads: badGrads,
        nonFiniteActivations: r.nonFiniteActivations,
        finite: bad === 0 && badGrads === 0 && r.nonFiniteActivations === 0,
      };
    },
  };
}

/** The monitor of an architecture other than the report's: tensor statistics, and non-finite class probabilities as the activation guard. */
function otherArchitectureMonitor(x: Float32Array, n: number, layout: ParamLayout, grad: ReturnType<typeof sampleGradient>): HealthMonitor {
  const backend = grad.backend;
  const chunk = Math.min(backend.maxBatch, CHUNK);
  const probs = new Float32Array(chunk * 10);
  function relus(params: Float32Array): { relus: ReluHealth[]; nonFiniteActivations: number } {
    if (params.length !== layout.count) throw new Error(`HealthMonitor: params must hold ${layout.count} floats.`);
    backend.params.set(params);
    let nonFinite = 0;
    for (let c = 0; c < n; c += chunk) {
      const m = Math.min(chunk, n - c);
      backend.predict(x.subarray(c * INPUT_PIXELS, (c + m) * INPUT_PIXELS), m, probs);
      nonFinite += countNonFinite(probs, m * 10);
    }
    return { relus: [], nonFiniteActivations: nonFinite };
  }
  return monitorOf(n, layout, relus, grad.gradient);
}
