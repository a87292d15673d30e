// The recorded runs from a terminal: `npm run runs -- <command> [options]`
//
//   list [--status S] [--tag T] [--text T] [--archived exclude|include|only] [--limit N]
//                                                       the runs, newest first (archived ones left out)
//   show ID                                             diagnosis, config, epochs, checkpoints, test confusion
//   export ID [--format json|csv|onnx] [--out FILE]     to a file, or stdout (onnx: the final checkpoint, to --out)
//   export ID --weights --out FILE                      the final checkpoint (weights and all)
//   resume ID [--checkpoint CID]                        continue it here, with progress (Ctrl-C stops)
//   archive ID / unarchive ID                           hide it from lists, or bring it back
//   delete ID                                           with everything recorded for it
//
// Every command takes --db PATH (default: $LENET_WORKBENCH_DB, else the desktop app's database).
// It goes through the same workbench API as the app, so it sees and records the same runs.
// Exit codes: 0 done, 1 failure (unknown id, wrong state), 2 bad usage, 130 stopped by Ctrl-C.

import { writeFileSync } from 'node:fs';
import { ApiError, ARCHIVED_FILTERS, RUN_STATUSES, type ArchivedFilter, type RunRow, type RunStatus } from '../../src-shared/contract';
import { classNamesFor } from '../../src-shared/ui/classes';
import { createWorkbench, type Workbench } from '../api/workbench';
import { defaultDbPath } from '../store/index';
import { mostConfusedPairs } from '../../src-shared/metrics';
import { diagnosisLine } from '../../src-shared/insight/diagnosis';
import { formatConfusedPairs, formatConfusion, formatCount, formatDuration, formatLoss, formatPercent } from './format';
import { EXIT_FAILURE, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, isProgram, parseSubcommand, runProgram, watchRunEnds, type CliIo } from './common';
import type { TextSink } from './progress';

export { EXIT_FAILURE, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, type CliIo } from './common';

const COMMANDS = ['list', 'show', 'export', 'resume', 'archive', 'unarchive', 'delete'] as const;
type Command = (typeof COMMANDS)[number];

/** Flags each command accepts (besides --db and --help). */
const FLAGS: Record<Command, readonly string[]> = {
  list: ['status', 'tag', 'text', 'archived', 'limit'],
  show: [],
  export: ['format', 'out', 'weights'],
  resume: ['checkpoint'],
  archive: [],
  unarchive: [],
  delete: [],
};
/** Flags that are switches: given or not, without a value. */
const SWITCHES: readonly string[] = ['weights'];

export function helpText(program = 'npm run runs --'): string {
  return [
    `Usage: ${program} <command> [options]`,
    '',
    'Commands:',
    '  list [--status S] [--tag T] [--text T] [--limit N]   list runs, newest first (status: ' + RUN_STATUSES.join(', ') + ')',
    '       [--archived exclude|include|only]              archived runs are left out unless asked for',
    '  show ID                                             a run: diagnosis, config, epochs, checkpoints, test confusion matrix',
    '  export ID [--format json|csv|onnx] [--out FILE]     config and metrics as JSON (default) or epoch metrics as CSV;',
    '                                                      onnx: the final checkpoint as an ONNX model (needs --out)',
    '  export ID --weights --out FILE                      the final checkpoint: weights, optimiser state and PRNG',
    '  resume ID [--checkpoint CID]                        continue a stopped/interrupted/failed run here (Ctrl-C stops it again)',
    '  archive ID | unarchive ID                           hide a finished run from lists (nothing is deleted), or bring it back',
    '  delete ID                                           delete a run and everything recorded for it',
    '',
    'Options:',
    '  --db PATH   the database (default: $LENET_WORKBENCH_DB, else the desktop app\'s, e.g. ~/.config/lenet-workbench/workbench.sqlite)',
    '  --help      this text',
    '',
  ].join('\n');
}

export interface ParsedRunsArgs {
  command: Command;
  id: number | null;
  flags: Record<string, string>;
  db: string | null;
}

export type RunsArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; args: ParsedRunsArgs };

function positiveId(s: string, what: string): number | string {
  if (!/^\d{1,15}$/.test(s) || Number(s) < 1) return `${what} must be a positive whole number (got "${s}").`;
  return Number(s);
}

export function parseRunsArgs(argv: readonly string[]): RunsArgs {
  const parsed = parseSubcommand(argv, COMMANDS, FLAGS, SWITCHES);
  if (parsed.kind !== 'ok') return parsed;
  const { command, rest, flags, db } = parsed.sub;
  let id: number | null = null;
  if (command === 'list') {
    if (rest.length) return { kind: 'error', message: `list takes no run id (got "${rest.join(' ')}").` };
  } else {
    if (rest.length !== 1) return { kind: 'error', message: `${command} needs exactly one run id (e.g. ${command} 3).` };
    const r = positiveId(rest[0], 'The run id');
    if (typeof r === 'string') return { kind: 'error', message: r };
    id = r;
  }
  if (flags.status !== undefined) {
    for (const s of flags.status.split(',')) {
      if (!(RUN_STATUSES as readonly string[]).includes(s)) return { kind: 'error', message: `--status must be one of ${RUN_STATUSES.join(', ')} (got "${s}").` };
    }
  }
  if (flags.limit !== undefined && (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1 || Number(flags.limit) > 1000)) {
    return { kind: 'error', message: `--limit must be a whole number from 1 to 1000 (got "${flags.limit}").` };
  }
  if (flags.format !== undefined && !['json', 'csv', 'onnx'].includes(flags.format)) return { kind: 'error', message: `--format must be json, csv or onnx (got "${flags.format}").` };
  if (flags.format === 'onnx' && flags.out === undefined) return { kind: 'error', message: '--format onnx needs --out FILE (an ONNX model is binary).' };
  if (flags.archived !== undefined && !(ARCHIVED_FILTERS as readonly string[]).includes(flags.archived)) {
    return { kind: 'error', message: `--archived must be one of ${ARCHIVED_FILTERS.join(', ')} (got "${flags.archived}").` };
  }
  if (flags.weights !== undefined) {
    if (flags.format !== undefined) return { kind: 'error', message: '--weights writes the final checkpoint; --format does not apply to it.' };
    if (flags.out === undefined) return { kind: 'error', message: '--weights needs --out FILE (a checkpoint is binary).' };
  }
  if (flags.checkpoint !== undefined && typeof positiveId(flags.checkpoint, '--checkpoint') === 'string') {
    return { kind: 'error', message: positiveId(flags.checkpoint, '--checkpoint') as string };
  }
  return { kind: 'ok', args: { command, id, flags, db } };
}

function pct(x: number | null): string {
  return x === null ? '—' : formatPercent(x);
}

function date(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function table(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}

/** A run's duration, "≥ …" when only part of it is known (resumed before every stretch was recorded). */
function duration(r: RunRow): string {
  return r.durationMs === null ? '—' : `${r.durationPartial ? '≥ ' : ''}${formatDuration(r.durationMs)}`;
}

function listRows(runs: RunRow[]): string {
  const head = ['ID', 'STATUS', 'NAME', 'EPOCHS', 'BEST VAL', 'TEST', 'CREATED'];
  const body = runs.map((r) => [
    String(r.id),
    r.archivedAt === null ? r.status : `${r.status} (archived)`,
    r.name.length > 48 ? r.name.slice(0, 47) + '…' : r.name,
    `${r.epochsDone}/${r.config.epochs}`,
    pct(r.bestValAccuracy),
    pct(r.testAccuracy),
    date(r.createdAt),
  ]);
  return table([head, ...body], new Set([0, 3, 4, 5]));
}

async function show(wb: Workbench, id: number, out: TextSink): Promise<void> {
  const r = await wb.api.getRun({ id });
  const lines: string[] = [];
  lines.push(`Run ${r.id}: ${r.name}`);
  lines.push(`  status     ${r.status}${r.error ? ` — ${r.error}` : ''}`);
  lines.push(`  progress   epoch ${r.epochsDone} of ${r.config.epochs}, iteration ${formatCount(r.iteration)}${r.divergedAt ? ` · diverged at epoch ${r.divergedAt.epoch}, iteration ${r.divergedAt.iteration}` : ''}`);
  lines.push(`  dataset    ${r.datasetId}${r.datasetHash ? ` (sha256 ${r.datasetHash.slice(0, 12)}…)` : ''}`);
  lines.push(`  created    ${date(r.createdAt)} · started ${date(r.startedAt)} · finished ${date(r.finishedAt)}${r.durationMs !== null ? ` · trained ${duration(r)}` : ''}`);
  if (r.sweep) lines.push(`  sweep      #${r.sweep.id} ${r.sweep.name}`);
  if (r.archivedAt !== null) lines.push(`  archived   ${date(r.archivedAt)}`);
  if (r.trainedOn) lines.push(`  trained on ${r.trainedOn}`);
  lines.push(`  versions   app ${r.appVersion} · engine ${r.engineVersion}`);
  if (r.parentRunId !== null) lines.push(`  forked     from run ${r.parentRunId}, checkpoint ${r.parentCheckpointId ?? '(deleted)'}`);
  if (r.tags.length) lines.push(`  tags       ${r.tags.join(', ')}`);
  if (r.notes) lines.push(`  notes      ${r.notes.split('\n').join('\n             ')}`);
  const { diagnoses } = await wb.api.getHealth({ runId: id });
  if (diagnoses.length) lines.push('', 'Diagnosis:', ...diagnoses.map((d) => `  ${diagnosisLine(d)}`));
  lines.push('', 'Config:');
  const keys = Object.keys(r.config) as (keyof typeof r.config)[];
  const kw = Math.max(...keys.map((k) => k.length));
  for (const k of keys) lines.push(`  ${k.padEnd(kw)}  ${String(r.config[k])}`);

  const [m] = await wb.api.getMetrics({ runIds: [id] });
  lines.push('', `Epochs (${m.epochs.length} recorded, ${formatCount(m.iterations.length)} iteration losses):`);
  if (m.epochs.length) {
    const head = ['EPOCH', 'TRAIN ACC', 'VAL ACC', 'VAL LOSS', 'MEAN LOSS', 'LR', 'TIME', 'IMG/S'];
    const body = m.epochs.map((e) => [
      String(e.epoch),
      pct(e.trainAccuracy),
      pct(e.valAccuracy),
      e.valLoss === null ? 'NaN' : formatLoss(e.valLoss),
      e.meanIterationLoss === null ? 'NaN' : formatLoss(e.meanIterationLoss),
      e.learningRate.toPrecision(3),
      formatDuration(e.durationMs),
      formatCount(e.imagesPerSecond),
    ]);
    lines.push(table([head, ...body], new Set([0, 1, 2, 3, 4, 5, 6, 7])).replace(/^/gm, '  '));
  }
  const cps = await wb.api.listCheckpoints({ runId: id });
  lines.push('', `Checkpoints (${cps.length}):`);
  for (const c of cps) lines.push(`  #${c.id}  epoch ${c.epoch}, iteration ${formatCount(c.iteration)}, ${formatCount(c.byteLength)} bytes, sha256 ${c.sha256.slice(0, 12)}…`);
  try {
    const ev = await wb.api.getEvaluation({ runId: id });
    const names = classNamesFor((await wb.api.listDatasets(undefined)).find((d) => d.id === r.datasetId));
    lines.push(
      '',
      `Test evaluation #${ev.id} (checkpoint #${ev.checkpointId}, the run's result): accuracy ${formatPercent(ev.accuracy)}, loss ${ev.loss === null ? 'NaN' : formatLoss(ev.loss)}, ${formatCount(ev.count)} images`,
      '',
      'Confusion matrix (rows: true label, columns: predicted):',
      formatConfusion(ev.confusion, names),
      '',
      'Most confused pairs (true → predicted):',
      formatConfusedPairs(mostConfusedPairs(ev.confusion, 5), names),
    );
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    lines.push('', 'No test evaluation yet.');
  }
  out.write(lines.join('\n') + '\n');
}

/** Trains a resumed run in this process until it ends; Ctrl-C stops it with a checkpoint. */
async function resume(wb: Workbench, id: number, checkpoint: number | undefined, io: CliIo): Promise<number> {
  // Listen before resuming: a run that cannot start fails at once, inside resumeRun.
  const watch = watchRunEnds(wb);
  let row: RunRow;
  try {
    row = await wb.api.resumeRun(checkpoint === undefined ? { id } : { id, checkpointId: checkpoint });
  } catch (e) {
    watch.off();
    throw e;
  }
  const runId = row.id;
  io.stdout.write(
    runId === id
      ? `Resuming run ${id} "${row.name}" from epoch ${row.epochsDone}, iteration ${formatCount(row.iteration)}.\n`
      : `Run ${id} continues as new run ${runId} "${row.name}" (from epoch ${row.epochsDone}, iteration ${formatCount(row.iteration)}).\n`,
  );
  const tty = Boolean(io.stderr.isTTY);
  let lastLine = 0;
  const offProgress = wb.events.on('runProgress', (p) => {
    if (p.runId !== runId) return;
    const now = Date.now();
    if (!tty && now - lastLine < 5000) return;
    lastLine = now;
    const eta = p.etaSeconds === null ? '?' : formatDuration(p.etaSeconds * 1000);
    const text = `epoch ${p.epoch}/${p.epochs} · iteration ${p.iterationInEpoch}/${p.itersPerEpoch} · loss ${formatLoss(p.loss)} · ${formatCount(p.imagesPerSecond)} img/s · ETA ${eta}`;
    io.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
  });
  const offEpoch = wb.events.on('runEpoch', (e) => {
    if (e.runId !== runId) return;
    const m = e.metrics;
    if (tty) io.stderr.write('\r\x1b[2K');
    io.stdout.write(`epoch ${m.epoch}: train ${pct(m.trainAccuracy)} · validation ${pct(m.valAccuracy)} (loss ${m.valLoss === null ? 'NaN' : formatLoss(m.valLoss)}) · ${formatDuration(m.durationMs)}\n`);
  });
  let stopping = false;
  const onSigint = (): void => {
    if (stopping) process.exit(EXIT_STOPPED);
    stopping = true;
    io.stderr.write('\nruns: stopping after the current batch with a checkpoint (Ctrl-C again to quit now).\n');
    void wb.api.stopRun({ id: runId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    const { status, error } = await watch.ended(runId);
    if (tty) io.stderr.write('\r\x1b[2K');
    if (status === 'failed' || status === 'interrupted') {
      io.stderr.write(`runs: run ${runId} ${status}: ${error ?? 'no reason given'}\n`);
      return EXIT_FAILURE;
    }
    const final = await wb.api.getRun({ id: runId });
    io.stdout.write(`Run ${runId} ${final.status}${final.error ? `: ${final.error}` : ''}${final.testAccuracy !== null && status === 'completed' ? ` · test accuracy ${formatPercent(final.testAccuracy)}` : ''}.\n`);
    return status === 'completed' ? EXIT_OK : status === 'stopped' ? EXIT_STOPPED : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
    watch.off();
    offProgress();
    offEpoch();
  }
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseRunsArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(helpText());
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`runs: ${parsed.message}\nRun "npm run runs -- --help" for the commands.\n`);
    return EXIT_USAGE;
  }
  const { command, id, flags, db } = parsed.args;
  let wb: Workbench;
  try {
    // Reading commands never write (a read-only or shared file lists fine); the others do.
    const reading = command === 'list' || command === 'show' || command === 'export';
    wb = createWorkbench({ dbPath: db ?? defaultDbPath(), autoStart: false, concurrency: 1, readonly: reading });
  } catch (e) {
    io.stderr.write(`runs: cannot open the database ${db ?? defaultDbPath()}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  if (wb.store.damage) io.stderr.write(`runs: warning: ${wb.store.damage}\n`);
  try {
    switch (command) {
      case 'list': {
        const page = await wb.api.listRuns({
          ...(flags.status ? { status: flags.status.split(',') as RunStatus[] } : {}),
          ...(flags.tag ? { tag: flags.tag } : {}),
          ...(flags.text ? { text: flags.text } : {}),
          ...(flags.archived ? { archived: flags.archived as ArchivedFilter } : {}),
          limit: flags.limit ? Number(flags.limit) : 50,
        });
        if (page.total === 0) io.stdout.write(`No runs${Object.keys(flags).length ? ' match' : ' yet'} in ${wb.store.path}.\n`);
        else io.stdout.write(`${listRows(page.rows)}\n${page.rows.length < page.total ? `(${page.rows.length} of ${page.total} runs; --limit N shows more)\n` : ''}`);
        return EXIT_OK;
      }
      case 'show':
        await show(wb, id!, io.stdout);
        return EXIT_OK;
      case 'export': {
        if (flags.weights || flags.format === 'onnx') {
          const last = (await wb.api.listCheckpoints({ runId: id! })).at(-1);
          if (!last) throw new ApiError(`Run ${id} has no checkpoint yet: there ${flags.weights ? 'are no weights' : 'is no model'} to export.`);
          if (flags.weights) {
            const file = await wb.api.exportCheckpoint({ id: last.id });
            writeFileSync(flags.out!, file.bytes);
            io.stderr.write(`Wrote the final checkpoint of run ${id} (#${last.id}, epoch ${last.epoch}, iteration ${formatCount(last.iteration)}), ${formatCount(file.bytes.length)} bytes, to ${flags.out}.\n`);
          } else {
            const model = await wb.api.exportOnnx({ checkpointId: last.id });
            writeFileSync(flags.out!, model.bytes);
            io.stderr.write(`Wrote the model of run ${id} at epoch ${last.epoch} (checkpoint #${last.id}), ${formatCount(model.bytes.length)} bytes, to ${flags.out}.\n`);
          }
          return EXIT_OK;
        }
        const file = await wb.api.exportRun({ id: id!, format: flags.format === 'csv' ? 'csv' : 'json' });
        if (flags.out) {
          writeFileSync(flags.out, file.bytes);
          io.stderr.write(`Wrote ${formatCount(file.bytes.length)} bytes to ${flags.out}.\n`);
        } else io.stdout.write(Buffer.from(file.bytes).toString('utf8'));
        return EXIT_OK;
      }
      case 'resume':
        return await resume(wb, id!, flags.checkpoint === undefined ? undefined : Number(flags.checkpoint), io);
      case 'archive':
      case 'unarchive': {
        const r = await wb.api.setArchived({ id: id!, archived: command === 'archive' });
        io.stdout.write(`${command === 'archive' ? 'Archived' : 'Unarchived'} run ${id} "${r.name}"${command === 'archive' ? ' (list --archived only shows it; nothing was deleted)' : ''}.\n`);
        return EXIT_OK;
      }
      case 'delete': {
        const r = await wb.api.getRun({ id: id! });
        await wb.api.deleteRun({ id: id! });
        io.stdout.write(`Deleted run ${id} "${r.name}".\n`);
        return EXIT_OK;
      }
    }
  } catch (e) {
    if (e instanceof ApiError) {
      io.stderr.write(`runs: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr.write(`runs: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    await wb.close();
  }
}

if (isProgram(import.meta.url)) runProgram('runs', main);
