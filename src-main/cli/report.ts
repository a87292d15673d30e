// `npm run report -- [--epochs N] [--seeds K] [--ablation] [--db PATH] [--json]`: the report,
// reproduced, from a terminal. Queues the report's runs the database does not hold yet (seeds 1..K of Table 1 and
// batch 50, seed 1 of every other comparison; --epochs shortens every run for a quick look, whose
// verdicts then say they are provisional), trains them here through the app's supervisor (runs
// already recorded are reused), and prints the same claim table as the app's Report page; --json
// prints { claims: [{ id, title, report, ours, verdict, explanation }] } instead. --ablation does
// the same for the Report page's "Improved vs original" table: seed 1 of the report and of each
// preset that undoes one of its changes (or all four), then the table (JSON: { ablation }).
// Ctrl-C stops the runs with a checkpoint (`npm run report` again resumes nothing by itself:
// `npm run runs -- resume ID` does). Exit codes: 0 done, 1 failure, 2 bad flags, 130 stopped.

import type { ReportView } from '../../src-shared/contract';
import { errorText } from '../../src-shared/errors';
import { reportJson } from '../../src-shared/report';
import { CONVERGENCE_THRESHOLD } from '../../src-shared/report/ablation';
import { formatPercent } from '../../src-shared/ui/format';
import { accuracyGainText, epochsText } from '../../src-shared/ui/report';
import { createWorkbench, type Workbench } from '../api/workbench';
import { defaultDbPath } from '../store/index';
import { EXIT_FAILURE, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, isProgram, runProgram, watchRunEnds, type CliIo } from './common';

export const REPORT_HELP = `Usage: npm run report -- [options]

Reproduces the lab report's claims (section 4): queues the runs the database lacks, trains them
here, and prints each claim with the report's value, ours and a verdict.

Options:
  --seeds K    seeds of Table 1 and of batch 50 (the claims that need a spread; default 3)
  --epochs N   train every run for N epochs only (1..40): a quick look, verdicts provisional
  --ablation   improved vs original instead: train the report's model and each preset that
               undoes one of its changes (seed 1) and print what each change buys
  --json       print { claims: [...] } as JSON on stdout (progress goes to stderr)
  --db PATH    the database (default: $LENET_WORKBENCH_DB, else the desktop app's)
  --help       this text
`;

export interface ReportArgs {
  seeds: number;
  epochs: number | null;
  json: boolean;
  ablation: boolean;
  db: string | null;
}

export function parseReportArgs(argv: readonly string[]): { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; args: ReportArgs } {
  const out: ReportArgs = { seeds: 3, epochs: null, json: false, ablation: false, db: null };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { kind: 'help' };
    if (a === '--json' || a === '--ablation') {
      if (a === '--json') out.json = true;
      else out.ablation = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!a.startsWith('--') || !['seeds', 'epochs', 'db'].includes(name)) return { kind: 'error', message: `Unknown argument "${a}".` };
    if (seen.has(name)) return { kind: 'error', message: `--${name} is given twice.` };
    seen.add(name);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return { kind: 'error', message: `--${name} needs a value.` };
    if (name === 'db') out.db = value;
    else {
      const max = name === 'seeds' ? 10 : 40;
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) return { kind: 'error', message: `--${name} must be a whole number from 1 to ${max} (got "${value}").` };
      if (name === 'seeds') out.seeds = Number(value);
      else out.epochs = Number(value);
    }
  }
  return { kind: 'ok', args: out };
}

const VERDICT_WORDS: Record<string, string> = {
  reproduced: 'reproduced',
  partly: 'partly',
  'not-reproduced': 'NOT reproduced',
  missing: 'missing',
  provisional: 'provisional',
};

/** The claim table as text: one block per claim. */
export function formatReport(view: ReportView): string {
  const lines: string[] = [];
  for (const c of view.claims) {
    lines.push(`${c.title} — ${VERDICT_WORDS[c.verdict] ?? c.verdict}${c.tentative ? ` (so far: ${VERDICT_WORDS[c.tentative]})` : ''}`);
    lines.push(`  report: ${c.report}`);
    lines.push(`  ours:   ${c.ours}`);
    lines.push(`  ${c.explanation}`);
    lines.push('');
  }
  const counts = new Map<string, number>();
  for (const c of view.claims) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  lines.push(`${view.claims.length} claims: ${[...counts].map(([v, n]) => `${n} ${VERDICT_WORDS[v] ?? v}`).join(', ')}.`);
  return lines.join('\n') + '\n';
}

/** The improved-vs-original table as text: one block per change. */
export function formatAblation(view: ReportView): string {
  const t = view.ablation.table;
  if (!t.baseline) return 'No completed run of the report\'s model on MNIST yet: nothing to compare.\n';
  const lines = [`Improved vs original (${t.epochs} epoch${t.epochs === 1 ? '' : 's'}; epochs to ${Math.round(CONVERGENCE_THRESHOLD * 100)}% validation accuracy):`, ''];
  for (const r of t.rows) {
    lines.push(`${r.title} (seed${r.seeds.length === 1 ? '' : 's'} ${r.seeds.join(', ')})`);
    lines.push(`  test accuracy: report's ${formatPercent(r.improved.testAccuracy)}, original ${formatPercent(r.original.testAccuracy)}: ${accuracyGainText(r.testAccuracyGain)}`);
    lines.push(`  epochs to ${Math.round(CONVERGENCE_THRESHOLD * 100)}%: report's ${epochsText(r.improved.epochsToThreshold)}, original ${epochsText(r.original.epochsToThreshold)}${r.epochsSaved === null ? '' : ` (${r.epochsSaved} saved)`}`);
    if (r.note) lines.push(`  ${r.note}`);
    lines.push('');
  }
  if (t.missing.length) lines.push(`No paired runs yet for: ${t.missing.join(', ')}.`);
  return lines.join('\n') + '\n';
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseReportArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(REPORT_HELP);
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`report: ${parsed.message}\nRun "npm run report -- --help" for the flags.\n`);
    return EXIT_USAGE;
  }
  const a = parsed.args;
  const plan = { seeds: a.seeds, ...(a.epochs !== null ? { epochs: a.epochs } : {}), set: a.ablation ? ('ablation' as const) : ('report' as const) };
  const tag = a.ablation ? 'ablation' : 'report';
  const dbPath = a.db ?? defaultDbPath();
  let wb: Workbench;
  try {
    wb = createWorkbench({ dbPath, autoStart: false, concurrency: 1 });
  } catch (e) {
    io.stderr.write(`report: cannot open the database ${dbPath}: ${errorText(e)}\n`);
    return EXIT_FAILURE;
  }
  const log = a.json ? io.stderr : io.stdout;
  const watch = watchRunEnds(wb);
  let stopping = false;
  const onSigint = (): void => {
    if (stopping) process.exit(EXIT_STOPPED);
    stopping = true;
    io.stderr.write('\nreport: stopping the runs after the current batch (Ctrl-C again to quit now).\n');
    void wb.close();
  };
  process.on('SIGINT', onSigint);
  const offEpoch = wb.events.on('runEpoch', (e) => {
    const m = e.metrics;
    log.write(`  run ${e.runId} epoch ${m.epoch}: validation ${formatPercent(m.valAccuracy)}\n`);
  });
  try {
    const queued = await wb.api.queueReportRuns(plan);
    if (a.ablation) log.write(`Improved vs original: ${queued.length} run${queued.length === 1 ? '' : 's'} to train now.\n`);
    else {
      const before = await wb.api.getReport(plan);
      const reused = before.presets.reduce((n, p) => n + p.used.length, 0) - queued.length;
      log.write(`The report needs ${queued.length + Math.max(0, reused)} runs here: ${queued.length} to train now${reused > 0 ? `, ${reused} already recorded` : ''}.\n`);
    }
    // Train what waits (also runs queued earlier and never trained), one at a time on every core;
    // queueing may already have started the first. Each run is announced when it starts.
    const waiting = (await wb.api.listRuns({ status: ['queued', 'running'], sort: 'createdAt', order: 'asc', limit: 1000 })).rows.filter((r) => r.tags.includes(tag));
    const names = new Map(waiting.map((r) => [r.id, r.name]));
    const announce = (id: number): void => {
      if (names.has(id)) log.write(`Training run ${id} "${names.get(id)}"…\n`);
      names.delete(id);
    };
    const offStart = wb.events.on('runStatus', (e) => {
      if (e.status === 'running') announce(e.runId);
    });
    try {
      for (const r of waiting) {
        if (r.status === 'running' || wb.supervisor.isActive(r.id)) announce(r.id);
        else wb.supervisor.enqueue(r.id);
      }
      for (const r of waiting) {
        const end = await watch.ended(r.id);
        if (end.status !== 'completed') log.write(`  run ${r.id} ${end.status}${end.error ? `: ${end.error}` : ''}\n`);
        if (stopping) break;
      }
    } finally {
      offStart();
    }
    const view = await wb.api.getReport(plan);
    if (a.json) io.stdout.write(JSON.stringify(a.ablation ? { ablation: view.ablation.table } : reportJson(view), null, 2) + '\n');
    else io.stdout.write('\n' + (a.ablation ? formatAblation(view) : formatReport(view)));
    return stopping ? EXIT_STOPPED : EXIT_OK;
  } catch (e) {
    io.stderr.write(`report: ${errorText(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
    offEpoch();
    watch.off();
    await wb.close();
  }
}

if (isProgram(import.meta.url)) runProgram('report', main);
