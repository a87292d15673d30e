// The report, reproduced: the recorded runs that belong to the report's presets (matched by their
// settings, or assigned with a tag "report:<preset id>"), handed to src-shared/report's rules;
// and the runs its plan still needs, queued on request. The page and `npm run report` both come
// here, so they cannot disagree.

import { PRESETS, presetsIn } from '../../src-shared/config';
import type { ReportPlan, ReportView, RunRow } from '../../src-shared/contract';
import { ablationTable, missingAblationRuns, type AblationRunInput } from '../../src-shared/report/ablation';
import { evaluateReport, groupReportRuns, missingRuns, reportPresetOf, REPORT_DATASET, type ReportRun } from '../../src-shared/report';
import type { RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { finite } from './rows';

const ASSIGN_TAG = 'report:';
const TITLES = new Map(presetsIn('report').map((p) => [p.id, p.title]));
const ALL_TITLES = new Map(PRESETS.map((p) => [p.id, p.title]));
/** The improved-vs-original plan: seed 1 of each of its presets (40-epoch runs; seeds add up fast). */
const ABLATION_SEEDS = 1;

/** The preset a run was assigned to with a tag "report:<preset id>", or null. */
function assigned(r: RunRecord): string | null {
  for (const t of r.tags) if (t.startsWith(ASSIGN_TAG) && TITLES.has(t.slice(ASSIGN_TAG.length))) return t.slice(ASSIGN_TAG.length);
  return null;
}

export function reportMethods(ctx: WorkbenchContext, createRun: Methods<'createRun'>['createRun']): Methods<'getReport' | 'queueReportRuns'> {
  const { store } = ctx;

  /** Every run on MNIST that belongs to a report preset, with what the rules read from it. */
  function reportRuns(): ReportRun[] {
    const out: ReportRun[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = store.listRuns({ sort: 'created', order: 'asc', offset, limit: 1000 });
      for (const r of page.runs) {
        if (r.config.dataset !== REPORT_DATASET) continue;
        const preset = assigned(r);
        if (preset === null && reportPresetOf(r.config) === null) continue;
        const losses = store.getIterationLosses(r.id).losses;
        const test = store.finalTestEvaluation(r.id);
        out.push({
          id: r.id,
          status: r.status,
          config: r.config,
          error: r.error,
          preset,
          epochs: store.getEpochMetrics(r.id).map((e) => ({ epoch: e.epoch, trainAccuracy: finite(e.trainAccuracy), valAccuracy: finite(e.valAccuracy), meanIterationLoss: finite(e.meanIterationLoss) })),
          iterationLosses: losses,
          test: test ? { accuracy: test.accuracy, confusion: Array.from(test.confusion) } : null,
        });
      }
      if (offset + 1000 >= page.total) break;
    }
    return out;
  }

  /** Every run on MNIST with what the improved-vs-original table reads (status, config, test accuracy, validation curve). */
  function mnistRuns(): AblationRunInput[] {
    const out: AblationRunInput[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = store.listRuns({ sort: 'created', order: 'asc', offset, limit: 1000 });
      for (const r of page.runs) {
        if (r.config.dataset !== REPORT_DATASET) continue;
        const done = r.status === 'completed';
        out.push({
          run: { id: r.id, status: r.status, config: r.config, testAccuracy: done ? (store.finalTestEvaluation(r.id)?.accuracy ?? null) : null },
          epochs: done ? store.getEpochMetrics(r.id).map((e) => ({ epoch: e.epoch, valAccuracy: finite(e.valAccuracy) })) : [],
        });
      }
      if (offset + 1000 >= page.total) break;
    }
    return out;
  }

  const ablationPlan = (plan: ReportPlan) => ({ seeds: ABLATION_SEEDS, ...(plan.epochs !== undefined ? { epochs: plan.epochs } : {}) });

  return {
    getReport: (plan) => {
      const runs = reportRuns();
      const all = mnistRuns();
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
        missing: missingRuns(runs, plan).map((m) => ({ preset: m.preset, title: TITLES.get(m.preset) ?? m.preset, seed: m.seed, epochs: m.config.epochs })),
        plan: { seeds: plan.seeds, epochs: plan.epochs ?? null },
        ablation: {
          table: ablationTable(all),
          missing: missingAblationRuns(all.map((a) => a.run), ablationPlan(plan)).map((m) => ({ preset: m.preset, title: ALL_TITLES.get(m.preset) ?? m.preset, seed: m.seed, epochs: m.config.epochs })),
        },
      };
      return view;
    },

    queueReportRuns: async (plan) => {
      const out: RunRow[] = [];
      if (plan.set === 'ablation') {
        for (const m of missingAblationRuns(mnistRuns().map((a) => a.run), ablationPlan(plan))) {
          const title = ALL_TITLES.get(m.preset) ?? m.preset;
          const name = `Improved vs original: ${title}, seed ${m.seed}${plan.epochs !== undefined ? `, ${m.config.epochs} epoch${m.config.epochs === 1 ? '' : 's'}` : ''}`;
          out.push(await createRun({ config: m.config, name, tags: ['ablation'] }));
        }
        return out;
      }
      for (const m of missingRuns(reportRuns(), plan)) {
        const title = TITLES.get(m.preset) ?? m.preset;
        const name = `Report: ${title}, seed ${m.seed}${plan.epochs !== undefined ? `, ${m.config.epochs} epoch${m.config.epochs === 1 ? '' : 's'}` : ''}`;
        out.push(await createRun({ config: m.config, name, tags: ['report'] }));
      }
      return out;
    },
  };
}
