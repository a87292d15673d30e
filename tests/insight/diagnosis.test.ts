// Diagnosis rules on synthetic histories shaped like the runs measured here: a healthy report
// run, the collapsed batch-100 run (weights decayed to ~0, C3 all zero), a dying-ReLU run at a
// too-large learning rate (C3 all zero with large weights), a diverged run, exploding updates,
// and a healthy run with a quarter of its weights subnormal.
import { describe, expect, it } from 'vitest';
import { PARAM_TABLE } from '../../src-shared/engine/layout';
import type { EpochHealth, ReluHealth, TensorHealth } from '../../src-shared/engine/inspect/health';
import { diagnose, diagnosisLine, type DiagnosisInput } from '../../src-shared/insight/diagnosis';
import { Prng } from '../../src-shared/engine/prng';

const LN10 = Math.log(10);

/** Norms per weight tensor of the healthy report run at epoch 2 (measured). */
const HEALTHY_NORMS: Record<string, number> = { c1: 0.41, c3: 1.59, c5: 4.72, f6: 2.34, out: 0.87 };

function health(over: { norms?: Record<string, number>; ratios?: Record<string, number | null>; relus?: Partial<Record<string, Partial<ReluHealth>>>; subnormal?: Record<string, number>; finite?: boolean; grads?: Record<string, number> } = {}): EpochHealth {
  const tensors: TensorHealth[] = PARAM_TABLE.map((e) => {
    const layer = e.name.split('.')[0] as TensorHealth['layer'];
    const weight = e.name.endsWith('.w');
    const sub = weight ? over.subnormal?.[layer] ?? 0 : 0;
    return {
      name: e.name, layer, kind: weight ? 'weight' : 'bias', size: e.size,
      norm: weight ? over.norms?.[layer] ?? HEALTHY_NORMS[layer] : 0.1,
      gradNorm: over.grads ? (weight ? over.grads[layer] : 0.01) : null, updateNorm: null,
      updateRatio: weight ? (over.ratios && layer in over.ratios ? over.ratios[layer] : 0.3) : 0.2,
      subnormal: Math.round(sub * e.size), subnormalFraction: Math.round(sub * e.size) / e.size, zero: 0, zeroFraction: 0,
      nonFinite: over.finite === false && e.name === 'c5.w' ? 3 : 0,
    };
  });
  const shapes: [ReluHealth['layer'], number, number][] = [['c1', 4704, 6], ['c3', 1600, 16], ['c5', 120, 120], ['f6', 84, 84]];
  const healthyDead: Record<string, number> = { c1: 0.01, c3: 0.08, c5: 0.22, f6: 0.36 };
  const relus: ReluHealth[] = shapes.map(([layer, units, channels]) => {
    const r = over.relus?.[layer] ?? {};
    const deadFraction = r.deadFraction ?? healthyDead[layer];
    return {
      layer, units, channels, deadUnits: Math.round(deadFraction * units), deadFraction, deadChannels: r.deadChannels ?? Math.round(deadFraction * channels / 2),
      zeroFraction: Math.max(deadFraction, 0.5), silentImageFraction: r.allZero ? 1 : 0, allZero: r.allZero ?? false, ...r,
    };
  });
  const total = tensors.reduce((s, t) => s + t.subnormal, 0);
  return {
    sampleSize: 200, tensors, relus, subnormalFraction: total / 61706, zeroFraction: 0,
    nonFiniteParams: over.finite === false ? 3 : 0, nonFiniteGrads: 0, nonFiniteActivations: over.finite === false ? 2000 : 0, finite: over.finite ?? true,
  };
}

/** n losses around `level` with deterministic noise of ±amp. */
function lossesAround(level: number, n: number, amp: number, seed = 1): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => level + (2 * rng.uniform() - 1) * amp);
}

/** A healthy curve: from ln 10 down to ~0.1 within the first 100 iterations. */
function healthyLosses(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 0.08 + (LN10 - 0.08) * Math.exp(-i / 25));
}

const REPORT = { learningRate: 1e-3, weightDecay: 1e-3, init: 'normal', initStd: 0.001 };

describe('diagnose', () => {
  it('finds nothing wrong with a healthy run', () => {
    const input: DiagnosisInput = { losses: healthyLosses(600), itersPerEpoch: 295, config: REPORT, health: [{ epoch: 1, health: health({ ratios: { c1: 27, c3: 28, c5: 20, f6: 21, out: 28 } }) }, { epoch: 2, health: health() }] };
    expect(diagnose(input)).toEqual([]);
  });

  it('explains the collapsed run: loss at ln 10, C3 all zero, weights decayed to ~0, L2 to blame', () => {
    const input: DiagnosisInput = {
      losses: lossesAround(LN10, 300, 0.006), itersPerEpoch: 300, config: REPORT,
      health: [{ epoch: 1, health: health({
        norms: { c1: 1.38e-9, c3: 5.53e-9, c5: 2.48e-8, f6: 0.0467, out: 0.356 }, ratios: { c1: 1, c3: 1, c5: 1, f6: 1.1, out: 12.5 },
        relus: { c1: { deadFraction: 0.5 }, c3: { deadFraction: 1, deadChannels: 16, allZero: true }, c5: { deadFraction: 0.833 }, f6: { deadFraction: 0.643 } },
      }) }],
    };
    const d = diagnose(input);
    expect(d.map((x) => x.id)).toEqual(['stalled', 'dead-relus']);
    const s = d[0];
    expect(s.severity).toBe('error');
    expect(s.title).toBe('stalled: loss flat at ln 10 ≈ 2.303 for 300 iterations and C3 activations all zero: the weights decayed to ~0');
    expect(s.detail).toMatch(/C3 1\.1e-10/);
    expect(s.suggestion).toMatch(/lower L2 weight decay \(λ = 1\.0e-3 here\) or a larger init \(σ = 1\.0e-3 here\)/);
    expect(d[1]).toMatchObject({ severity: 'error' });
    expect(d[1].title).toMatch(/C3 100% \(16 of 16 maps\), C5 83%, F6 64%/);
    expect(diagnosisLine(s)).toBe('error stalled: loss flat at ln 10 ≈ 2.303 for 300 iterations and C3 activations all zero: the weights decayed to ~0; try a lower L2 weight decay (λ = 1.0e-3 here) or a larger init (σ = 1.0e-3 here): with a tiny init the L2 pull λW dwarfs the data gradient, and Adam\'s normalised steps shrink the weights to zero before the data can take over.');
  });

  it('quotes the measured data gradient below the silent layer when the run recorded it', () => {
    const collapsed = (grads?: Record<string, number>): DiagnosisInput => ({
      losses: lossesAround(LN10, 300, 0.006), itersPerEpoch: 300, config: REPORT,
      health: [{ epoch: 1, health: health({
        norms: { c1: 1.38e-9, c3: 5.53e-9, c5: 2.48e-8, f6: 0.0467, out: 0.356 }, grads,
        relus: { c3: { deadFraction: 1, deadChannels: 16, allZero: true } },
      }) }],
    });
    const zero = diagnose(collapsed({ c1: 0, c3: 0, c5: 0, f6: 1e-9, out: 0.02 }))[0];
    expect(zero.detail).toMatch(/The data gradient of the weights up to C3 \(‖∇W‖ on the sample\): C1 0, C3 0: no signal from the data reaches them, only the L2 pull λW still moves them\.$/);
    const some = diagnose(collapsed({ c1: 0, c3: 2.5e-7, c5: 0, f6: 1e-9, out: 0.02 }))[0];
    expect(some.detail).toMatch(/C1 0, C3 2\.5e-7\.$/);
    // Recorded before gradients were measured: no gradient sentence.
    expect(diagnose(collapsed())[0].detail).not.toMatch(/∇W/);
    // The dying-ReLU case without L2: no mention of it.
    const dead = diagnose({ ...collapsed({ c1: 0, c3: 0, c5: 0, f6: 0, out: 0.5 }), config: { learningRate: 0.05, weightDecay: 0 }, health: [{ epoch: 2, health: health({ norms: { c1: 3.95, c3: 16, c5: 61.3, f6: 28.5, out: 9.06 }, grads: { c1: 0, c3: 0, c5: 0, f6: 0, out: 0.5 }, relus: { c3: { deadFraction: 1, deadChannels: 16, allZero: true } } }) }] })[0];
    expect(dead.title).toMatch(/its ReLUs are dead/);
    expect(dead.detail).toMatch(/C1 0, C3 0: no signal from the data reaches them\.$/);
  });

  it('tells dying ReLUs (large weights) from decay, and blames the learning rate', () => {
    const input: DiagnosisInput = {
      losses: [...lossesAround(6, 20, 3), ...lossesAround(LN10, 180, 0.003)], itersPerEpoch: 100, config: { learningRate: 0.05, weightDecay: 0 },
      health: [{ epoch: 2, health: health({ norms: { c1: 3.95, c3: 16, c5: 61.3, f6: 28.5, out: 9.06 }, relus: { c3: { deadFraction: 1, deadChannels: 16, allZero: true }, c5: { deadFraction: 0.958 }, f6: { deadFraction: 0.988 } } }) }],
    };
    const s = diagnose(input)[0];
    expect(s.id).toBe('stalled');
    expect(s.title).toMatch(/C3 activations all zero: its ReLUs are dead/);
    expect(s.suggestion).toMatch(/Lower the learning rate \(0\.05 here\)/);
  });

  it('calls a long flat stretch without health data a warning, and a short one nothing', () => {
    const flat = diagnose({ losses: lossesAround(LN10, 400, 0.01), itersPerEpoch: 295 });
    expect(flat).toHaveLength(1);
    expect(flat[0]).toMatchObject({ id: 'stalled', severity: 'warning' });
    // The report's tiny init sits at chance for its first iterations: not a stall yet.
    expect(diagnose({ losses: lossesAround(LN10, 90, 0.01) })).toEqual([]);
    expect(diagnose({ losses: [...lossesAround(LN10, 200, 0.01), ...healthyLosses(50).slice(40)], itersPerEpoch: 295 })).toEqual([]);
    // A loss flat far from chance is not this rule's business.
    expect(diagnose({ losses: lossesAround(0.5, 400, 0.01) })).toEqual([]);
  });

  it('reports divergence alone, with where it happened', () => {
    const losses = [...healthyLosses(56), NaN, NaN, NaN];
    const d = diagnose({ losses, config: { learningRate: 0.3 }, health: [{ epoch: 1, health: health({ finite: false, relus: { c3: { deadFraction: 1, allZero: true } } }) }] });
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ id: 'diverged', severity: 'error', title: 'diverged: the loss became NaN at iteration 57' });
    expect(d[0].detail).toMatch(/3 non-finite parameters in c5\.w \(3\)/);
    expect(d[0].suggestion).toMatch(/0\.3 here/);
    expect(diagnose({ losses: healthyLosses(60), health: [{ epoch: 3, health: health({ finite: false }) }] })[0].title).toBe('diverged: NaN/Inf in the network at epoch 3');
    expect(diagnose({ losses: [1, Infinity] })[0].title).toMatch(/became Infinity at iteration 2/);
  });

  it('flags exploding updates from epoch 2 on, only when the norm grows', () => {
    const grow = { epoch: 3, health: health({ norms: { ...HEALTHY_NORMS, c5: 12 }, ratios: { c5: 2.4 } }) };
    const d = diagnose({ losses: healthyLosses(300), health: [{ epoch: 2, health: health() }, grow] });
    expect(d.map((x) => x.id)).toEqual(['exploding-updates']);
    expect(d[0].detail).toMatch(/C5 ×2\.4/);
    // A shrinking tensor (a collapse) has a ratio near 1 but no growth; epoch 1 is never judged.
    const shrink = { epoch: 3, health: health({ norms: { ...HEALTHY_NORMS, c5: 0.01 }, ratios: { c5: 1.2 } }) };
    expect(diagnose({ losses: healthyLosses(300), health: [{ epoch: 2, health: health() }, shrink] })).toEqual([]);
    expect(diagnose({ losses: healthyLosses(300), health: [{ epoch: 0, health: health() }, { epoch: 1, health: health({ norms: { ...HEALTHY_NORMS, c5: 12 }, ratios: { c5: 28 } }) }] })).toEqual([]);
  });

  it('notes subnormal weights in a healthy late run as information', () => {
    const d = diagnose({ losses: healthyLosses(300), health: [{ epoch: 40, health: health({ subnormal: { c5: 0.3 } }) }] });
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ id: 'subnormal-weights', severity: 'info' });
    expect(d[0].title).toBe('23% of the parameters are subnormal (|w| < 1.2e-38)');
    expect(d[0].detail).toMatch(/c5\.w 30%/);
  });

  it('orders several findings by severity', () => {
    const d = diagnose({ losses: healthyLosses(300), health: [{ epoch: 5, health: health({ subnormal: { c5: 0.3 }, relus: { f6: { deadFraction: 0.7 } } }) }] });
    expect(d.map((x) => [x.id, x.severity])).toEqual([['dead-relus', 'warning'], ['subnormal-weights', 'info']]);
  });
});
