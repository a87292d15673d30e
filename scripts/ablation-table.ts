// Prints the improved-vs-original table (src-shared/report/ablation.ts) of the runs in a
// workbench database, as the Markdown of docs/results.md:
//
//   node --import tsx scripts/ablation-table.ts [--db FILE]      (default: the app's database)
//
// Read-only: it lists the completed runs and their epoch metrics through the workbench API.

import { createWorkbench } from '../src-main/api/workbench';
import { defaultDbPath } from '../src-main/store/index';
import type { RunMetrics } from '../src-shared/contract';
import { epochsText } from '../src-shared/ui/report';
import { ablationTable, CONVERGENCE_THRESHOLD, type AblationRunInput, type AblationSide } from '../src-shared/report/ablation';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
const epochs = (s: AblationSide): string => epochsText(s.epochsToThreshold);

async function main(): Promise<void> {
  const wb = createWorkbench({ dbPath: arg('--db') ?? defaultDbPath(), autoStart: false, concurrency: 1, readonly: true });
  try {
    const page = await wb.api.listRuns({ status: 'completed', limit: 1000 });
    const metrics: RunMetrics[] = [];
    for (let i = 0; i < page.rows.length; i += 20) metrics.push(...(await wb.api.getMetrics({ runIds: page.rows.slice(i, i + 20).map((r) => r.id) })));
    const runs: AblationRunInput[] = page.rows.map((run) => ({ run, epochs: metrics.find((m) => m.runId === run.id)?.epochs ?? [] }));
    const t = ablationTable(runs);
    if (!t.baseline) {
      process.stdout.write('No completed run of the report\'s model (preset report) in this database.\n');
      return;
    }
    const speed = (ids: number[]): string => {
      const ips = ids.flatMap((id) => metrics.find((m) => m.runId === id)?.epochs.map((e) => e.imagesPerSecond) ?? []);
      return ips.length ? Math.round(ips.reduce((a, b) => a + b, 0) / ips.length).toLocaleString('en-US') : '—';
    };
    const lines = [
      `| change (the report's ← LeCun 1998's) | runs | test acc., report's | test acc., original | gain (points) | epochs to ${CONVERGENCE_THRESHOLD * 100}% val., report's / original | epochs saved | images/s, report's / original |`,
      '|---|---|---|---|---|---|---|---|',
      ...t.rows.map((r) => `| ${r.title} | ${r.improved.runIds.join(',')} / ${r.original.runIds.join(',')} | ${pct(r.improved.testAccuracy)} | ${pct(r.original.testAccuracy)} | ${points(r.testAccuracyGain)} | ${epochs(r.improved)} / ${epochs(r.original)} | ${r.epochsSaved === null ? '—' : r.epochsSaved} | ${speed(r.improved.runIds)} / ${speed(r.original.runIds)} |`),
    ];
    process.stdout.write(`${t.epochs} epochs, seeds ${[...new Set(t.rows.flatMap((r) => r.seeds))].join(', ')}.\n\n${lines.join('\n')}\n`);
    for (const r of t.rows) if (r.note) process.stdout.write(`\n- ${r.title}: ${r.note}`);
    if (t.missing.length) process.stdout.write(`\n\nNo paired runs for: ${t.missing.join(', ')}.`);
    process.stdout.write('\n');
  } finally {
    await wb.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`ablation-table: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
