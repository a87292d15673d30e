// The report, reproduced: the recorded runs that belong to the report's presets (matched by their
// settings, or assigned with a tag "report:<preset id>"), handed to src-shared/report's rules;
// and the runs its plan still needs, queued on request. The page and `npm run report` both come
// here, so they cannot disagree.

import { presetsIn } from '../../src-shared/config';
import type { ReportView, RunRow } from '../../src-shared/contract';
import { evaluateReport, groupReportRuns, missingRuns, reportPresetOf, REPORT_DATASET, type ReportRun } from '../../src-shared/report';
import type { RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { finite } from './rows';

const ASSIGN_TAG = 'report:';
const TITLES = new Map(presetsIn('report').map((p) => [p.id, p.title]));

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

  return {
    getReport: (plan) => {
      const runs = reportRuns();
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
      };
      return view;
    },

    queueReportRuns: async (plan) => {
      const out: RunRow[] = [];
      for (const m of missingRuns(reportRuns(), plan)) {
        const title = TITLES.get(m.preset) ?? m.preset;
        const name = `Report: ${title}, seed ${m.seed}${plan.epochs !== undefined ? `, ${m.config.epochs} epoch${m.config.epochs === 1 ? '' : 's'}` : ''}`;
        out.push(await createRun({ config: m.config, name, tags: ['report'] }));
      }
      return out;
    },
  };
}
