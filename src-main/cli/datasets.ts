// The datasets from a terminal: `npm run datasets -- <command> [options]`
//
//   list                                                 the datasets runs can use
//   import FOLDER [--name N] [--classes a,b,...]         an IDX folder (the four files, plain or
//                                                        gzipped), with class names typed here or
//                                                        read from the folder's classes.txt
//
// Every command takes --db PATH (default: $LENET_WORKBENCH_DB, else the desktop app's database).
// It goes through the same workbench API as the app. Exit codes: 0 done, 1 failure (the database
// cannot be opened), 2 bad usage or bad input (an unknown flag, a folder that is not an IDX
// dataset, class names that do not fit).

import { basename, resolve } from 'node:path';
import { ApiError, type DatasetRow } from '../../src-shared/contract';
import { checkClassNames, checkRunName, splitClassList } from '../../src-shared/limits';
import { createWorkbench, type Workbench } from '../api/workbench';
import { CLASSES_FILE } from '../data/mnist';
import { defaultDbPath } from '../store/index';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isProgram, parseSubcommand, runProgram, type CliIo } from './common';
import { formatCount } from './format';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './common';

const COMMANDS = ['list', 'import'] as const;
type Command = (typeof COMMANDS)[number];

const FLAGS: Record<Command, readonly string[]> = { list: [], import: ['name', 'classes'] };

export function helpText(program = 'npm run datasets --'): string {
  return [
    `Usage: ${program} <command> [options]`,
    '',
    'Commands:',
    '  list                                          the datasets runs can use, with their class names',
    '  import FOLDER [--name N] [--classes a,b,...]  import an IDX folder (train-images-idx3-ubyte, train-labels-idx1-ubyte,',
    '                                                t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each plain or .gz)',
    `                                                class names: --classes (10, comma separated, label 0 first), else the`,
    `                                                folder's ${CLASSES_FILE} (one per line), else numbered 0 to 9; --name: the folder's name`,
    '',
    'Options:',
    '  --db PATH   the database (default: $LENET_WORKBENCH_DB, else the desktop app\'s, e.g. ~/.config/lenet-workbench/workbench.sqlite)',
    '  --help      this text',
    '',
    'Exit codes: 0 done, 1 failure (the database cannot be opened), 2 bad usage or input.',
    '',
  ].join('\n');
}

export interface ParsedDatasetsArgs {
  command: Command;
  folder: string | null;
  name: string | null;
  classNames: string[] | null;
  db: string | null;
}

export type DatasetsArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; args: ParsedDatasetsArgs };

export function parseDatasetsArgs(argv: readonly string[]): DatasetsArgs {
  const parsed = parseSubcommand(argv, COMMANDS, FLAGS);
  if (parsed.kind !== 'ok') return parsed;
  const { command, rest, flags, db } = parsed.sub;
  if (command === 'list') {
    if (rest.length) return { kind: 'error', message: `list takes no arguments (got "${rest.join(' ')}").` };
    return { kind: 'ok', args: { command, folder: null, name: null, classNames: null, db } };
  }
  if (rest.length !== 1) return { kind: 'error', message: 'import needs exactly one folder (e.g. import ./fashion-mnist).' };
  const folder = rest[0];
  if (folder.trim() === '') return { kind: 'error', message: 'import needs a folder path.' };
  let name: string | null = null;
  if (flags.name !== undefined) {
    const c = checkRunName(flags.name, '--name');
    if (!c.ok) return { kind: 'error', message: c.message };
    name = c.value;
  }
  let classNames: string[] | null = null;
  if (flags.classes !== undefined) {
    const c = checkClassNames(splitClassList(flags.classes), '--classes');
    if (!c.ok) return { kind: 'error', message: c.message };
    classNames = c.value;
  }
  return { kind: 'ok', args: { command, folder, name, classNames, db } };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((r) => r.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join('  ').trimEnd()).join('\n');
}

function classesText(d: DatasetRow): string {
  return d.classNames ? d.classNames.join(', ') : 'numbered 0 to 9';
}

function listRows(rows: readonly DatasetRow[]): string {
  const head = ['ID', 'NAME', 'TRAIN', 'TEST', 'CLASSES'];
  return table([head, ...rows.map((d) => [d.id, d.name, formatCount(d.trainCount), formatCount(d.testCount), classesText(d)])]);
}

async function importFolder(wb: Workbench, a: ParsedDatasetsArgs, io: CliIo): Promise<void> {
  const folder = resolve(a.folder!);
  const name = a.name ?? (basename(folder).trim() || 'dataset');
  const d = await wb.api.importDataset({ folder, name, ...(a.classNames ? { classNames: a.classNames } : {}) });
  const where = a.classNames ? 'as given' : d.classNames ? `from ${CLASSES_FILE}` : `no ${CLASSES_FILE} in the folder`;
  io.stdout.write(
    `Imported "${d.name}" as ${d.id}: ${formatCount(d.trainCount)} training and ${formatCount(d.testCount)} test images.\n` +
      `Classes (${where}): ${classesText(d)}.\n` +
      `Train on it with \`npm run train -- --data-dir ${JSON.stringify(folder)}\`, or pick it in the app's New run form.\n`,
  );
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseDatasetsArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(helpText());
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`datasets: ${parsed.message}\nRun "npm run datasets -- --help" for the commands.\n`);
    return EXIT_USAGE;
  }
  const a = parsed.args;
  let wb: Workbench;
  try {
    // Read-write for both: listing registers the bundled MNIST the first time, as the app does.
    wb = createWorkbench({ dbPath: a.db ?? defaultDbPath(), autoStart: false, concurrency: 1 });
  } catch (e) {
    io.stderr.write(`datasets: cannot open the database ${a.db ?? defaultDbPath()}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  try {
    if (a.command === 'list') {
      const rows = await wb.api.listDatasets(undefined);
      io.stdout.write(`${listRows(rows)}\n`);
    } else {
      await importFolder(wb, a, io);
    }
    return EXIT_OK;
  } catch (e) {
    // The API's refusals are about what was given (a folder that is not an IDX dataset, names that do not fit).
    if (e instanceof ApiError) {
      io.stderr.write(`datasets: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`datasets: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    await wb.close();
  }
}

if (isProgram(import.meta.url)) runProgram('datasets', main);
