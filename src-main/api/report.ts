// The report, reproduced: the recorded runs that belong to the report's presets (matched by their
// settings, or assigned with a tag "report:<preset id>"), handed to src-shared/report's rules;
// and the runs its plan still needs, queued on request. The page and `npm run report` both come
// here, so they cannot disagree.

import { PRESETS, presetsIn, type RunConfig } from '../../src-shared/config';
import type { ReportPlan, ReportView, RunRow } from '../../src-shared/contract';
import { ablationTable, missingAblationRuns, type AblationRunInput } from '../../src-shared/report/ablation';
import { evaluateReport, groupReportRuns, missingRuns, reportPresetOf, REPORT_DATASET, type ReportRun } from '../../src-shared/report';
import type { EpochMetricsRow, EvaluationRecord, RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { finite } from './rows';

const ASSIGN_TAG = 'report:';
const TITLES = new Map(presetsIn('report').map((p) => [p.id, p.title]));
const ALL_TITLES = new Map(PRESETS.map((p) => [p.id, p.title]));
/** The improved-vs-original plan: seed 1 of each of its presets (40-epoch runs; seeds add up fast). */
const ABLATION_SEEDS = 1;

/** A run on MNIST with its epochs and final test evaluation, each read once on first use. */
interface MnistRun {
  record: RunRecord;
  epochs: () => EpochMetricsRow[];
  test: () => EvaluationRecord | null;
}

/** f's value, computed on the first call only. */
function once<T>(f: () => T): () => T {
  let done = false, value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** A planned run as the Report page lists it. */
function missingRow(m: { preset: string; seed: number; config: RunConfig }): { preset: string; title: string; seed: number; epochs: number } {
  return { preset: m.preset, title: ALL_TITLES.get(m.preset) ?? m.preset, seed: m.seed, epochs: m.config.epochs };
}

/** The preset a run was assigned to with a tag "report:<preset id>", or null. */
function assigned(r: RunRecord): string | null {
  for (const t of r.tags) if (t.startsWith(ASSIGN_TAG) && TITLES.has(t.slice(ASSIGN_TAG.length))) return t.slice(ASSIGN_TAG.length);
  return null;
}

export function reportMethods(ctx: WorkbenchContext, createRun: Methods<'createRun'>['createRun']): Methods<'getReport' | 'queueReportRuns'> {
  const { store } = ctx;

  /**
   * Every run on MNIST, oldest first, in one pass over the runs: its epochs and its final test
   * evaluation are read on first use and once, whichever of the report's two tables asks.
   */
  function mnistRuns(): MnistRun[] {
    const out: MnistRun[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = store.listRuns({ sort: 'created', order: 'asc', offset, limit: 1000 });
      for (const r of page.runs) {
        if (r.config.dataset === REPORT_DATASET) out.push({ record: r, epochs: once(() => store.getEpochMetrics(r.id)), test: once(() => store.finalTestEvaluation(r.id)) });
      }
      if (offset + 1000 >= page.total) break;
    }
    return out;
  }

  /** The runs that belong to a report preset (matched or assigned), with what the claims' rules read. */
  function reportRuns(all: readonly MnistRun[]): ReportRun[] {
    const out: ReportRun[] = [];
    for (const { record: r, epochs, test } of all) {
      const preset = assigned(r);
      if (preset === null && reportPresetOf(r.config) === null) continue;
      const t = test();
      // Every iteration's loss is read only where a rule or a figure asks (the batch-50 runs'
      // stalls, the Table 1 run drawn): about 12,000 values per 40-epoch run.
      const losses = once(() => store.getIterationLosses(r.id).losses);
      out.push({
        id: r.id,
        status: r.status,
        config: r.config,
        error: r.error,
        preset,
        epochs: epochs().map((e) => ({ epoch: e.epoch, trainAccuracy: finite(e.trainAccuracy), valAccuracy: finite(e.valAccuracy), meanIterationLoss: finite(e.meanIterationLoss) })),
        get iterationLosses() {
          return losses();
        },
        test: t ? { accuracy: t.accuracy, confusion: Array.from(t.confusion) } : null,
      });
    }
    return out;
  }

  /** What the improved-vs-original table reads: status and config of every run, test accuracy and validation curve of the completed ones. */
  function ablationRuns(all: readonly MnistRun[]): AblationRunInput[] {
    return all.map(({ record: r, epochs, test }) => {
      const done = r.status === 'completed';
      return {
        run: { id: r.id, status: r.status, config: r.config, testAccuracy: done ? (test()?.accuracy ?? null) : null },
        epochs: done ? epochs().map((e) => ({ epoch: e.epoch, valAccuracy: finite(e.valAccuracy) })) : [],
      };
    });
  }

  /** Queues planned runs, named "<prefix>: <preset title>, seed S[, N epochs]" and tagged. */
  async function queue(planned: readonly { preset: string; seed: number; config: RunConfig }[], plan: ReportPlan, prefix: string, tag: string): Promise<RunRow[]> {
    const out: RunRow[] = [];
    for (const m of planned) {
      const epochs = plan.epochs !== undefined ? `, ${m.config.epochs} epoch${m.config.epochs === 1 ? '' : 's'}` : '';
      out.push(await createRun({ config: m.config, name: `${prefix}: ${ALL_TITLES.get(m.preset) ?? m.preset}, seed ${m.seed}${epochs}`, tags: [tag] }));
    }
    return out;
  }

  const ablationPlan = (plan: ReportPlan) => ({ seeds: ABLATION_SEEDS, ...(plan.epochs !== undefined ? { epochs: plan.epochs } : {}) });

  return {
    getReport: (plan) => {
      const all = mnistRuns();
      const runs = reportRuns(all);
      const result = evaluateReport(runs);
      const view: ReportView = {
        claims: result.claims,
        presets: [...groupReportRuns(runs).values()].map((p) => ({
          preset: p.preset,
          title: TITLES.get(p.preset) ?? p.preset,
          used: p.used.map((u) => ({ runId: u.run.id, seed: u.seed, epochsDone: u.epochsDone, epochsWanted: u.epochsWanted, provisional: u.provisional })),
          excluded: p.excluded,
        })),
        figures: { ...result.figures, lossPerIteration: result.figures.lossPerIteration ? Float64Array.from(result.figures.lossPerIteration) : null },
        missing: missingRuns(runs, plan).map(missingRow),
        plan: { seeds: plan.seeds, epochs: plan.epochs ?? null },
        ablation: {
          table: ablationTable(ablationRuns(all)),
          missing: missingAblationRuns(all.map((a) => a.record), ablationPlan(plan)).map(missingRow),
        },
      };
      return view;
    },

    queueReportRuns: (plan) => {
      const all = mnistRuns();
      return plan.set === 'ablation'
        ? queue(missingAblationRuns(all.map((a) => a.record), ablationPlan(plan)), plan, 'Improved vs original', 'ablation')
        : queue(missingRuns(reportRuns(all), plan), plan, 'Report', 'report');
    },
  };
}
