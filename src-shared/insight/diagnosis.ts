// Diagnosis rules: plain-language explanations of a run's failure modes, from its loss history
// and its per-epoch training health (engine/inspect/health). Each rule is a pure function of the
// history; diagnose() runs them all and returns what fired, most severe first. The thresholds
// come from runs measured here (docs/results.md and the calibration in tests/insight/diagnosis.test.ts):
//   - a healthy report run leaves ln 10 within 50 iterations; the collapsed batch-100 run sat at
//     2.296–2.308 for its whole first epoch, C3 all zero, C3 weights' norm 5.5e-9 (from 0.049);
//   - a run at Adam lr 0.05 spiked, then sat at ln 10 with C3 all zero and LARGE weights (norm 16):
//     dead ReLUs, not decay — the two need different advice;
//   - healthy per-epoch update ratios are 0.1–0.7 from epoch 2 on (epoch 1 is relative to the
//     tiny init and reads 20–30, so it is never judged);
//   - even a healthy run has 20–40% dead units in C5 and F6.

import type { EpochHealth, ReluHealth, TensorHealth } from '../engine/inspect/health';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnosis {
  id: 'diverged' | 'stalled' | 'exploding-updates' | 'dead-relus' | 'subnormal-weights';
  severity: Severity;
  /** One line: what is wrong. */
  title: string;
  /** What was measured, with the numbers. */
  detail: string;
  /** What to try. */
  suggestion: string;
}

export interface DiagnosisInput {
  /** Training loss of every iteration, in order (non-finite values allowed: they are evidence). */
  losses: ArrayLike<number>;
  /** Iterations per epoch, if known (the stalled rule waits for a full epoch of flat loss). */
  itersPerEpoch?: number;
  /** The health measured at the end of each epoch, epochs ascending (absent for old runs). */
  health?: readonly { epoch: number; health: EpochHealth }[];
  /** The run's settings that the suggestions quote. */
  config?: { learningRate?: number; weightDecay?: number; init?: string; initStd?: number };
  /** Classes (10): chance-level loss is ln of it. */
  numClasses?: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

const LAYER_NAME: Record<string, string> = { c1: 'C1', c3: 'C3', c5: 'C5', f6: 'F6', out: 'the output layer' };

/** Chance-level loss tolerances: every loss of the window within BAND of ln K, their mean within MEAN_BAND. */
const BAND = 0.05;
const MEAN_BAND = 0.01;
/** A flat stretch shorter than this (or than an epoch, when known) is not called stalled. */
const MIN_FLAT = 100;
/** Weight RMS below this counts as "decayed to ~0" (the smallest init here has RMS 1e-3). */
const DECAYED_RMS = 1e-6;
/** Per-epoch update ratio above this, with the norm at least doubling, counts as exploding. */
const EXPLODING_RATIO = 1;
const DEAD_FRACTION = 0.5;
const SUBNORMAL_FRACTION = 0.01;

const fmt = (x: number): string => (Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? String(Number(x.toPrecision(3))) : x.toExponential(1));
const pct = (f: number): string => `${Math.round(f * 100)}%`;

function latest(input: DiagnosisInput): { epoch: number; health: EpochHealth } | null {
  const h = input.health;
  return h && h.length ? h[h.length - 1] : null;
}

function weightRms(t: TensorHealth): number {
  return t.norm / Math.sqrt(t.size);
}

/** The loss or any measured value became NaN or infinite. */
export function divergedRule(input: DiagnosisInput): Diagnosis | null {
  const { losses } = input;
  let first = -1;
  for (let i = 0; i < losses.length; i++) {
    if (!Number.isFinite(losses[i])) { first = i; break; }
  }
  const bad = (input.health ?? []).find((h) => !h.health.finite);
  if (first < 0 && !bad) return null;
  const parts: string[] = [];
  if (first >= 0) parts.push(`The training loss became ${String(losses[first])} at iteration ${first + 1}.`);
  if (bad) {
    const h = bad.health;
    const tensors = h.tensors.filter((t) => t.nonFinite > 0).map((t) => `${t.name} (${t.nonFinite})`);
    parts.push(`At the end of epoch ${bad.epoch}: ${h.nonFiniteParams} non-finite parameters${tensors.length ? ` in ${tensors.join(', ')}` : ''}, ${h.nonFiniteGrads} non-finite gradients, ${h.nonFiniteActivations} non-finite activations on the health sample.`);
  }
  const lr = input.config?.learningRate;
  return {
    id: 'diverged',
    severity: 'error',
    title: first >= 0 ? `diverged: the loss became ${String(losses[first])} at iteration ${first + 1}` : `diverged: NaN/Inf in the network at epoch ${bad?.epoch}`,
    detail: `${parts.join(' ')} Once a NaN enters the weights every later step is NaN too: the run cannot recover.`,
    suggestion: `Lower the learning rate${lr !== undefined ? ` (${fmt(lr)} here)` : ''}, or restart from a checkpoint taken before the divergence with a lower rate.`,
  };
}

const WEIGHT_ORDER = ['c1', 'c3', 'c5', 'f6', 'out'];

/**
 * The measured data gradient of the weights at and below a silent layer (recorded since the
 * worker measures it on the health sample; '' for runs recorded before): the evidence that no
 * signal from the data reaches them.
 */
function gradientNote(h: EpochHealth, silent: string, l2: number): string {
  const top = WEIGHT_ORDER.indexOf(silent);
  const below = h.tensors.filter((t) => t.kind === 'weight' && WEIGHT_ORDER.indexOf(t.layer) >= 0 && WEIGHT_ORDER.indexOf(t.layer) <= top);
  if (!below.length || below.some((t) => t.gradNorm === null)) return '';
  const list = below.map((t) => `${LAYER_NAME[t.layer]} ${t.gradNorm === 0 ? '0' : fmt(t.gradNorm ?? 0)}`).join(', ');
  const none = below.every((t) => t.gradNorm === 0);
  const tail = none ? `: no signal from the data reaches them${l2 > 0 ? ', only the L2 pull λW still moves them' : ''}` : '';
  return ` The data gradient of the weights up to ${LAYER_NAME[silent]} (‖∇W‖ on the sample): ${list}${tail}.`;
}

/** The loss sits at chance level (ln K) for a long stretch: the network predicts the same for every image. */
export function stalledRule(input: DiagnosisInput): Diagnosis | null {
  const { losses } = input;
  const K = input.numClasses ?? 10;
  const chance = Math.log(K);
  const need = Math.max(MIN_FLAT, input.itersPerEpoch ?? 0);
  let flat = 0, sum = 0;
  for (let i = losses.length - 1; i >= 0; i--) {
    const v = losses[i];
    if (!(Math.abs(v - chance) <= BAND)) break; // also stops at NaN
    flat++;
    sum += v;
  }
  if (flat < need || Math.abs(sum / flat - chance) > MEAN_BAND) return null;
  const base = `loss flat at ln ${K} ≈ ${chance.toFixed(3)} for ${flat} iterations`;
  const detail = `The training loss has stayed within ${BAND} of ln ${K} = ${chance.toFixed(3)} (chance level) for the last ${flat} iterations: the network gives every image the same, uniform probabilities.`;
  const h = latest(input);
  const silent: ReluHealth | undefined = h?.health.relus.find((r) => r.allZero);
  if (!h || !silent) {
    return {
      id: 'stalled', severity: 'warning', title: `stalled: ${base}`, detail,
      suggestion: 'Try a larger learning rate or a larger init (He), or check the normalisation of the inputs.',
    };
  }
  const layer = LAYER_NAME[silent.layer];
  const weights = h.health.tensors.filter((t) => t.kind === 'weight');
  const decayed = weights.filter((t) => weightRms(t) < DECAYED_RMS);
  const l2 = input.config?.weightDecay ?? 0;
  if (decayed.length) {
    const which = decayed.map((t) => `${LAYER_NAME[t.layer]} ${fmt(weightRms(t))}`).join(', ');
    const init = input.config?.init === 'normal' && input.config.initStd !== undefined ? ` (σ = ${fmt(input.config.initStd)} here)` : '';
    return {
      id: 'stalled', severity: 'error',
      title: `stalled: ${base} and ${layer} activations all zero: the weights decayed to ~0`,
      detail: `${detail} On the health sample at epoch ${h.epoch} every ${layer} activation is zero, so nothing reaches the layers above; the weights have shrunk to nothing (weight RMS: ${which}).${gradientNote(h.health, silent.layer, l2)}`,
      suggestion: l2 > 0
        ? `Try a lower L2 weight decay (λ = ${fmt(l2)} here) or a larger init${init}: with a tiny init the L2 pull λW dwarfs the data gradient, and Adam's normalised steps shrink the weights to zero before the data can take over.`
        : `Try a larger init${init} (He): the weights are too small for the data gradient to move them.`,
    };
  }
  const lr = input.config?.learningRate;
  return {
    id: 'stalled', severity: 'error',
    title: `stalled: ${base} and ${layer} activations all zero: its ReLUs are dead`,
    detail: `${detail} On the health sample at epoch ${h.epoch} every ${layer} activation is zero although its weights are not small (RMS ${fmt(weightRms(weights.find((t) => t.layer === silent.layer) ?? weights[0]))}): its pre-activations are negative for every input, so no gradient flows back through it.${gradientNote(h.health, silent.layer, l2)}`,
    suggestion: `Lower the learning rate${lr !== undefined ? ` (${fmt(lr)} here)` : ''}: a too large step pushed the ${layer} units below zero for good ("dying ReLU"). He init also helps.`,
  };
}

/** A weight tensor moved by more than its own size in one epoch while its norm at least doubled. */
export function explodingUpdatesRule(input: DiagnosisInput): Diagnosis | null {
  const h = input.health;
  if (!h || h.length < 2) return null;
  const cur = h[h.length - 1], prev = h[h.length - 2];
  if (cur.epoch < 2) return null; // epoch 1 is measured against the init and is always large
  const hits = cur.health.tensors.filter((t) => {
    if (t.kind !== 'weight' || t.updateRatio === null || t.updateRatio <= EXPLODING_RATIO) return false;
    const before = prev.health.tensors.find((p) => p.name === t.name);
    return before !== undefined && t.norm >= 2 * before.norm;
  });
  if (!hits.length) return null;
  const list = hits.map((t) => `${LAYER_NAME[t.layer]} ×${fmt(t.updateRatio ?? 0)}`).join(', ');
  const lr = input.config?.learningRate;
  return {
    id: 'exploding-updates', severity: 'warning',
    title: `exploding updates: weights moved by more than their own size in epoch ${cur.epoch}`,
    detail: `Update-to-weight ratio over epoch ${cur.epoch} (‖ΔW‖ / ‖W‖): ${list}, and these weight norms at least doubled. A healthy run here moves its weights by 10–70% of their size per epoch after the first.`,
    suggestion: `Lower the learning rate${lr !== undefined ? ` (${fmt(lr)} here)` : ''} or its decay start; the run is close to diverging.`,
  };
}

/** Half or more of a ReLU layer's units never fire on the health sample. */
export function deadReluRule(input: DiagnosisInput): Diagnosis | null {
  const h = latest(input);
  if (!h) return null;
  const dead = h.health.relus.filter((r) => r.deadFraction >= DEAD_FRACTION);
  if (!dead.length) return null;
  const all = dead.some((r) => r.allZero);
  const list = dead.map((r) => `${LAYER_NAME[r.layer]} ${pct(r.deadFraction)}${r.channels !== r.units ? ` (${r.deadChannels} of ${r.channels} maps)` : ''}`).join(', ');
  return {
    id: 'dead-relus', severity: all ? 'error' : 'warning',
    title: `many dead ReLUs: ${list} of the units never fire`,
    detail: `At epoch ${h.epoch}, on the ${h.health.sampleSize} images of the health sample, these units output 0 for every image: they pass no signal forward and get no gradient back, so they cannot recover by themselves. A healthy run here has 20–40% dead units in C5 and F6.`,
    suggestion: 'Lower the learning rate, use He init, or reduce L2 weight decay; a dead layer (100%) blocks learning entirely.',
  };
}

/** A sizeable share of the weights are float32 subnormals. */
export function subnormalRule(input: DiagnosisInput): Diagnosis | null {
  const h = latest(input);
  if (!h || h.health.subnormalFraction < SUBNORMAL_FRACTION) return null;
  const worst = [...h.health.tensors].sort((a, b) => b.subnormal - a.subnormal).filter((t) => t.subnormal > 0).slice(0, 3)
    .map((t) => `${t.name} ${pct(t.subnormalFraction)}`).join(', ');
  return {
    id: 'subnormal-weights', severity: 'info',
    title: `${pct(h.health.subnormalFraction)} of the parameters are subnormal (|w| < 1.2e-38)`,
    detail: `At epoch ${h.epoch}: ${worst}. Subnormal floats are numbers too small for float32's normal range; weights end there when nothing feeds them a gradient (units that never fire) while L2 shrinks them every step. They no longer change any prediction, but arithmetic on them is much slower on CPUs (WebAssembly cannot flush them to zero): collapsed runs here trained 5–30× slower.`,
    suggestion: 'Nothing to fix if accuracy is fine. If the run is slow or stalled, look at the dead units above; lower L2 keeps fewer weights drifting to zero.',
  };
}

export const RULES: readonly ((input: DiagnosisInput) => Diagnosis | null)[] = [divergedRule, stalledRule, explodingUpdatesRule, deadReluRule, subnormalRule];

/** Every rule that fires, most severe first (rule order within a severity). */
export function diagnose(input: DiagnosisInput): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const rule of RULES) {
    const d = rule(input);
    if (d) out.push(d);
  }
  // A diverged run's other symptoms are consequences of the NaN: report only the cause.
  if (out.some((d) => d.id === 'diverged')) return out.filter((d) => d.id === 'diverged');
  return out.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** One line for the CLI (`runs show`): "error stalled: … — try …". */
export function diagnosisLine(d: Diagnosis): string {
  return `${d.severity} ${d.title}; ${d.suggestion.charAt(0).toLowerCase()}${d.suggestion.slice(1)}`;
}
