// From recorded runs to one row per claim: the report's value, ours (formatted and raw), a
// verdict by the claim's stated rule (claims.ts) and a one-line explanation. Every "ours" value is
// computed here from the runs given; nothing is typed in.

import { presetConfig } from '../config';
import {
  ADAM_LEAD, ADAM_TOL, CLAIMS, CLOSE_TOL, CONVERGED_EPOCH_SLACK, LEVEL_TOL, LOSS_REL_TOL, OFTEN, SGD_TOL,
  type ClaimDef, type ClaimId, type ClaimNeed, type Verdict,
} from './claims';
import {
  compareSpeed, convergedEpoch, detectStall, detectStallInEpochs, epochAt, meanConfusedPairs, meanLossFrom,
  placeInSpread, spreadOf, topPairs, type Stall,
} from './rules';
import { reportFigures, type ReportFigures } from './figures';
import { groupReportRuns, type PresetRuns, type ReportRun, type UsableRun } from './runs';

/** A verdict the rules can reach on data (not 'missing', not 'provisional'). */
export type RuleVerdict = Exclude<Verdict, 'missing' | 'provisional'>;

/** What a claim still lacks: a preset with no usable run, and why. */
export interface MissingPart {
  preset: string;
  reason: string;
}

export interface ClaimResult {
  id: ClaimId;
  title: string;
  /** The report's claim, formatted. */
  report: string;
  /** Ours, formatted ("—" when missing). */
  ours: string;
  /** Ours, raw (accuracies as fractions); empty when missing. */
  oursValues: Record<string, number | null>;
  verdict: Verdict;
  /** For a provisional verdict: what the rule gives on the data so far; null otherwise. */
  tentative: RuleVerdict | null;
  /** One line: why this verdict (for 'missing': what is missing; for 'provisional': why, then the tentative reading). */
  explanation: string;
  rule: string;
  notes: readonly string[];
  /** The runs the values come from. */
  runIds: number[];
  missing: MissingPart[];
}

/** The data one claim's rule reads: per need, the runs it may use (at least one each). */
type Runs = UsableRun[][];

interface Outcome {
  ours: string;
  values: Record<string, number | null>;
  verdict: RuleVerdict;
  explanation: string;
}

import { commonEarly, earlyMean, each, epochsLabel, finals, lastEpoch, mean, pct, points } from './measure';

const NO_VALUES = 'a run of it has no accuracy recorded';

// ---------------------------------------------------------------------------------------------
// The rules, one per claim. Each gets the runs of its needs in order and returns an Outcome, or a
// string saying what is missing.

type Rule = (def: ClaimDef, runs: Runs) => Outcome | string;

const table1: Rule = (def, [runs]) => {
  const accs = runs.map((r) => r.run.test!.accuracy);
  const r = def.reportValues.testAccuracy;
  const s = spreadOf(accs);
  const place = placeInSpread(r, s);
  const ours = accs.length === 1 ? `${pct(accs[0])} (seed ${runs[0].seed})` : `${pct(s.mean)} mean, ${pct(s.min)}–${pct(s.max)} over ${s.n} seeds`;
  const range = accs.length === 1 ? `our ${pct(s.min)}` : `our range ${pct(s.min)}–${pct(s.max)}`;
  const side = r > s.max ? 'above' : 'below';
  const gap = r > s.max ? r - s.max : s.min - r;
  const explanation =
    place === 'inside'
      ? `The report's ${pct(r)} lies within ${range} (±0.1 point).`
      : `The report's ${pct(r)} is ${Math.abs(gap * 100).toFixed(2)} points ${side} ${range}${place === 'near' ? ', within one spread of it' : ', more than one spread away'}.`;
  return {
    ours,
    values: { mean: s.mean, min: s.min, max: s.max, seeds: s.n },
    verdict: place === 'inside' ? 'reproduced' : place === 'near' ? 'partly' : 'not-reproduced',
    explanation,
  };
};

const convergence: Rule = (def, [runs]) => {
  const epochs = each(runs, (r) => convergedEpoch(r.run.epochs));
  if (!epochs) return NO_VALUES;
  const losses = each(runs, (r) => meanLossFrom(r.run.epochs, convergedEpoch(r.run.epochs)!));
  if (!losses) return 'a run of it has no iteration loss recorded';
  const { epoch: rEpoch, loss: rLoss } = def.reportValues;
  const es = spreadOf(epochs);
  const loss = mean(losses);
  const epochOk = rEpoch >= es.min - CONVERGED_EPOCH_SLACK && rEpoch <= es.max + CONVERGED_EPOCH_SLACK;
  const lossOk = Math.abs(loss - rLoss) <= LOSS_REL_TOL * rLoss;
  const epochText = es.min === es.max ? `epoch ${es.min}` : `epochs ${es.min}–${es.max}`;
  const ours = `converged at ${epochText}; loss then ${loss.toFixed(4)}`;
  const parts = [
    `epoch ${rEpoch} is ${epochOk ? 'within' : 'outside'} ${epochText} ±${CONVERGED_EPOCH_SLACK}`,
    `our loss ${loss.toFixed(4)} is ${lossOk ? 'within' : 'outside'} ±${LOSS_REL_TOL * 100}% of ${rLoss}`,
  ];
  const ok = Number(epochOk) + Number(lossOk);
  return {
    ours,
    values: { convergedEpochMin: es.min, convergedEpochMax: es.max, loss },
    verdict: ok === 2 ? 'reproduced' : ok === 1 ? 'partly' : 'not-reproduced',
    explanation: `${capitalise(parts.join('; '))}.`,
  };
};

const noDecay: Rule = (def, [nd, base]) => {
  const at = def.reportValues.epoch;
  const row = (r: UsableRun) => epochAt(r.run.epochs, Math.min(at, r.epochsDone));
  const ndTrain = each(nd, (r) => row(r)?.trainAccuracy), ndVal = each(nd, (r) => row(r)?.valAccuracy);
  const bTrain = each(base, (r) => lastEpoch(r)?.trainAccuracy), bVal = each(base, (r) => lastEpoch(r)?.valAccuracy);
  if (!ndTrain || !ndVal || !bTrain || !bVal) return NO_VALUES;
  const t = mean(ndTrain), v = mean(ndVal);
  const gt = mean(bTrain) - t, gv = mean(bVal) - v;
  const rv = def.reportValues;
  const levelsOk = Math.abs(t - rv.trainAccuracy) <= LEVEL_TOL && Math.abs(v - rv.valAccuracy) <= LEVEL_TOL;
  const gainsOk = gt > 0 && gv > 0 && Math.abs(gt - rv.trainGain) <= LEVEL_TOL && Math.abs(gv - rv.valGain) <= LEVEL_TOL;
  const helps = gt > 0 && gv > 0;
  const atEpoch = Math.min(at, ...nd.map((r) => r.epochsDone));
  const ours = `epoch ${atEpoch}: train ${pct(t)} / validation ${pct(v)}; decay adds ${points(gt)} train, ${points(gv)} validation`;
  const verdict: RuleVerdict = levelsOk && gainsOk ? 'reproduced' : levelsOk || gainsOk || helps ? 'partly' : 'not-reproduced';
  const explanation = [
    `levels ${levelsOk ? 'within' : 'not within'} 0.5 point of 98.55% / 98.9%`,
    `gains ${gainsOk ? 'within' : 'not within'} 0.5 point of +1.44 / +0.3`,
    helps ? 'decay improves both' : 'decay does not improve both',
  ].join('; ');
  return { ours, values: { trainAccuracy: t, valAccuracy: v, trainGain: gt, valGain: gv, epoch: atEpoch }, verdict, explanation: `${capitalise(explanation)}.` };
};

const sgdVsAdam: Rule = (def, [sgd, adam]) => {
  const first = (r: UsableRun) => epochAt(r.run.epochs, 1);
  const st = each(sgd, (r) => first(r)?.trainAccuracy), sv = each(sgd, (r) => first(r)?.valAccuracy);
  const at = each(adam, (r) => first(r)?.trainAccuracy), av = each(adam, (r) => first(r)?.valAccuracy);
  if (!st || !sv || !at || !av) return NO_VALUES;
  const rv = def.reportValues;
  const s = { train: mean(st), val: mean(sv) }, a = { train: mean(at), val: mean(av) };
  const sgdOk = Math.abs(s.train - rv.sgdTrain) <= SGD_TOL && Math.abs(s.val - rv.sgdTest) <= SGD_TOL;
  const adamOk = Math.abs(a.train - rv.adamTrain) <= ADAM_TOL && Math.abs(a.val - rv.adamTest) <= ADAM_TOL;
  const lead = a.train - s.train;
  const verdict: RuleVerdict = sgdOk && adamOk ? 'reproduced' : lead >= ADAM_LEAD ? 'partly' : 'not-reproduced';
  const ours = `after epoch 1: SGD train ${pct(s.train)} / validation ${pct(s.val)}; Adam train ${pct(a.train)} / validation ${pct(a.val)}`;
  const explanation =
    `SGD ${sgdOk ? 'within' : 'not within'} 5 points of the report's, Adam ${adamOk ? 'within' : 'not within'} 2 points; ` +
    `Adam leads SGD by ${points(lead)} in train accuracy (report: +33.57 points).`;
  return { ours, values: { sgdTrain: s.train, sgdVal: s.val, adamTrain: a.train, adamVal: a.val }, verdict, explanation };
};

/** The run's stall: on its iteration losses when it has a full epoch of them, else on its epoch means. */
export function runStall(r: UsableRun): Stall | null {
  const losses = r.run.iterationLosses;
  if (losses && losses.length >= r.itersPerEpoch) return detectStall(losses, r.itersPerEpoch);
  return detectStallInEpochs(r.run.epochs, r.itersPerEpoch);
}

const batch50: Rule = (_def, [runs]) => {
  const stalls = runs.map((r) => ({ seed: r.seed, stall: runStall(r) }));
  const stalled = stalls.filter((x) => x.stall !== null);
  const k = stalled.length, n = runs.length;
  const detail = stalled.map((x) => `seed ${x.seed} from iteration ${x.stall!.fromIteration} at loss ${x.stall!.level.toFixed(2)}`).join('; ');
  const ours = `${k} of ${n} seed${n === 1 ? '' : 's'} stalled${k ? ` (${detail})` : ''}`;
  const verdict: RuleVerdict = k > 0 && k / n >= OFTEN ? 'reproduced' : k > 0 ? 'partly' : 'not-reproduced';
  const explanation =
    k === 0 ? 'No batch-50 run stalled: the loss kept falling in every one.' : `${k} of ${n} batch-50 runs stalled${verdict === 'partly' ? ', less than a third' : ''}.`;
  return { ours, values: { stalled: k, seeds: n }, verdict, explanation };
};

const batch500: Rule = (_def, [b500, base]) => {
  const n = commonEarly(b500, base);
  const e500 = earlyMean(b500, n), e200 = earlyMean(base, n);
  if (e500 === null || e200 === null) return NO_VALUES;
  const cmp = compareSpeed(e500, e200);
  const ours = `mean validation accuracy over ${epochsLabel(n)}: ${pct(e500)} at batch 500 vs ${pct(e200)} at batch 200`;
  const verdict: RuleVerdict = cmp === 'slower' ? 'reproduced' : cmp === 'same' ? 'partly' : 'not-reproduced';
  const explanation = cmp === 'slower' ? `Batch 500 is slower (${points(e500 - e200)}).` : cmp === 'same' ? 'Batch 500 is about as fast as batch 200 (within 0.1 point).' : `Batch 500 is faster (${points(e500 - e200)}).`;
  return { ours, values: { early500: e500, early200: e200, epochs: n }, verdict, explanation };
};

const batch100: Rule = (_def, [b100, base]) => {
  const n = commonEarly(b100, base);
  const e100 = earlyMean(b100, n), e200 = earlyMean(base, n);
  const f = finals(b100, base);
  if (e100 === null || e200 === null || !f) return NO_VALUES;
  const close = Math.abs(f.a - f.b) <= CLOSE_TOL;
  const faster = compareSpeed(e100, e200) === 'faster';
  const fits = f.trainB > f.trainA;
  const ok = Number(close) + Number(faster) + Number(fits);
  const stalled = b100.some((r) => runStall(r) !== null);
  const ours = `${f.label} ${pct(f.a)} vs ${pct(f.b)}; ${epochsLabel(n)} ${pct(e100)} vs ${pct(e200)}; ${f.trainLabel} ${pct(f.trainA)} vs ${pct(f.trainB)} (batch 100 vs 200)`;
  const explanation =
    (stalled ? 'Batch 100 stalled. ' : '') +
    `${capitalise([`${f.what} ${close ? 'within' : 'not within'} 0.3 point`, `batch 100 ${faster ? 'faster' : 'not faster'}`, `batch 200 ${fits ? 'fits' : 'does not fit'} the training set better`].join('; '))}.`;
  return {
    ours,
    values: { final100: f.a, final200: f.b, early100: e100, early200: e200, train100: f.trainA, train200: f.trainB, epochs: n },
    verdict: ok === 3 ? 'reproduced' : close ? 'partly' : 'not-reproduced',
    explanation,
  };
};

const bootstrap: Rule = (_def, [boot, base]) => {
  const n = commonEarly(boot, base);
  const eb = earlyMean(boot, n), es = earlyMean(base, n);
  const f = finals(boot, base);
  if (eb === null || es === null || !f) return NO_VALUES;
  const faster = compareSpeed(eb, es) === 'faster';
  const same = Math.abs(f.a - f.b) <= CLOSE_TOL;
  const ok = Number(faster) + Number(same);
  const ours = `${epochsLabel(n)} ${pct(eb)} vs ${pct(es)}; ${f.label} ${pct(f.a)} vs ${pct(f.b)} (bootstrap vs sequential)`;
  const explanation = `${capitalise([`bootstrap ${faster ? 'faster' : 'not faster'} (${points(eb - es)})`, `${f.what} ${same ? 'within' : 'not within'} 0.3 point (${points(f.a - f.b)})`].join('; '))}.`;
  return { ours, values: { earlyBootstrap: eb, earlySequential: es, finalBootstrap: f.a, finalSequential: f.b, epochs: n }, verdict: ok === 2 ? 'reproduced' : ok === 1 ? 'partly' : 'not-reproduced', explanation };
};

const confused: Rule = (def, [runs]) => {
  const pairs = meanConfusedPairs(runs.map((r) => r.run.test!.confusion));
  const top = topPairs(pairs, 3);
  const fmt = (c: number) => (runs.length === 1 ? String(c) : c.toFixed(1));
  const keys = new Set(top.map((p) => `${p.a}/${p.b}`));
  const wanted = Object.keys(def.reportValues);
  const found = wanted.filter((k) => keys.has(k));
  const ours = top.length ? `${top.map((p) => `${p.a}/${p.b} (${fmt(p.count)})`).join(', ')}${runs.length > 1 ? ` (mean of ${runs.length} seeds)` : ''}` : 'no confusions';
  const values: Record<string, number | null> = {};
  for (const k of wanted) values[k] = pairs.find((p) => `${p.a}/${p.b}` === k)?.count ?? 0;
  const missed = wanted.filter((k) => !keys.has(k));
  const explanation =
    found.length === wanted.length ? 'All three of the report\'s pairs are among our top three.' : `${found.length} of the report's 3 pairs among our top three${missed.length ? `; not: ${missed.join(', ')}` : ''}.`;
  return { ours, values, verdict: found.length === wanted.length ? 'reproduced' : found.length > 0 ? 'partly' : 'not-reproduced', explanation };
};

const RULES: Readonly<Record<ClaimId, Rule>> = {
  table1,
  convergence,
  'no-decay': noDecay,
  'sgd-vs-adam': sgdVsAdam,
  'batch50-stall': batch50,
  'batch500-slow': batch500,
  'batch100-vs-200': batch100,
  bootstrap,
  'confused-pairs': confused,
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------

interface Resolved {
  runs: UsableRun[];
  missing: MissingPart | null;
  provisional: string[];
}

/** The runs of one need, what is missing of it, and what makes it provisional. */
function resolve(need: ClaimNeed, groups: ReadonlyMap<string, PresetRuns>): Resolved {
  const g = groups.get(need.preset);
  const wanted = need.epochs ?? presetConfig(need.preset).epochs;
  const used = g ? g.used : [];
  let runs = need.test ? used.filter((u) => u.run.test !== null) : used;
  if (runs.length === 0) {
    let reason: string;
    if (used.length > 0) reason = `no test evaluation yet (run ${used.map((u) => u.run.id).join(', ')} still training)`;
    else if (g && g.excluded.length) reason = g.excluded.map((x) => `run ${x.runId} (seed ${x.seed}) ${x.reason}`).join('; ');
    else reason = 'no run yet';
    return { runs, missing: { preset: need.preset, reason }, provisional: [] };
  }
  // Runs with the epochs the claim reads are used; shorter ones only while no run has them.
  const complete = runs.filter((r) => r.epochsDone >= wanted);
  if (complete.length) runs = complete;
  const provisional: string[] = [];
  for (const r of runs) {
    if (r.epochsDone < wanted) provisional.push(`${need.preset} run ${r.run.id} has ${r.epochsDone} of ${wanted} epochs${r.run.status === 'running' ? ' (still training)' : ''}`);
  }
  if (runs.length < need.seeds) provisional.push(`${need.preset}: ${runs.length} of ${need.seeds} seeds`);
  return { runs, missing: null, provisional };
}

/** One claim's row from grouped runs (groupReportRuns). */
export function evaluateClaim(def: ClaimDef, groups: ReadonlyMap<string, PresetRuns>): ClaimResult {
  const resolved = def.needs.map((n) => resolve(n, groups));
  const missing = resolved.flatMap((r) => (r.missing ? [r.missing] : []));
  const base = { id: def.id, title: def.title, report: def.report, rule: def.rule, notes: def.notes, missing };
  if (missing.length) {
    return { ...base, ours: '—', oursValues: {}, verdict: 'missing', tentative: null, runIds: [], explanation: `Missing: ${missing.map((m) => `${m.preset}: ${m.reason}`).join('; ')}.` };
  }
  const runIds = [...new Set(resolved.flatMap((r) => r.runs.map((u) => u.run.id)))];
  const out = RULES[def.id](def, resolved.map((r) => r.runs));
  if (typeof out === 'string') {
    return { ...base, ours: '—', oursValues: {}, verdict: 'missing', tentative: null, runIds, explanation: `Missing: ${out}.` };
  }
  const provisional = resolved.flatMap((r) => r.provisional);
  if (provisional.length) {
    return {
      ...base, ours: out.ours, oursValues: out.values, verdict: 'provisional', tentative: out.verdict, runIds,
      explanation: `Provisional (${provisional.join('; ')}): so far ${out.verdict.replace('-', ' ')}. ${out.explanation}`,
    };
  }
  return { ...base, ours: out.ours, oursValues: out.values, verdict: out.verdict, tentative: null, runIds, explanation: out.explanation };
}

export interface ReportResult {
  claims: ClaimResult[];
  /** The runs per report preset: which one each seed uses, and which were left out and why. */
  presets: PresetRuns[];
  /** The data to redraw figures 4.2–4.4 (from the representative Table 1 run). */
  figures: ReportFigures;
}

/** Every claim of the report, in the report's order, from the recorded runs. */
export function evaluateReport(runs: readonly ReportRun[]): ReportResult {
  const groups = groupReportRuns(runs);
  return { claims: CLAIMS.map((c) => evaluateClaim(c, groups)), presets: [...groups.values()], figures: reportFigures(groups.get('report')) };
}

/** The shape `npm run report -- --json` prints. */
export interface ReportJson {
  claims: { id: ClaimId; title: string; report: string; ours: string; verdict: Verdict; explanation: string }[];
}

export function reportJson(result: Pick<ReportResult, 'claims'>): ReportJson {
  return { claims: result.claims.map((c) => ({ id: c.id, title: c.title, report: c.report, ours: c.ours, verdict: c.verdict, explanation: c.explanation })) };
}
