// `npm run bench`'s flags: the options, their defaults, the help text and the parser (bad flags
// are refused with a message naming the flag).

import { CONFIG_KEYS, FIELDS, PRESETS, presetConfig, validateRunConfig, type RunConfig } from '../../src-shared/config';
import { checkThreads, MAX_THREADS } from '../../src-shared/engine/shards';

export type BackendChoice = 'wasm' | 'reference' | 'both';

export interface BenchOptions {
  batch: number;
  reps: number;
  warmup: number;
  refReps: number;
  backend: BackendChoice;
  epoch: boolean;
  json: boolean;
  data: 'mnist' | 'synthetic';
  /** --threads: train whole epochs once per thread count instead of the step benchmarks. */
  threads?: number[];
  /** --train-epochs: epochs per thread count (default 1). */
  trainEpochs?: number;
  /** --preset: the configuration of those epochs (default 'report'). */
  preset?: string;
  /**
   * --set KEY=VALUE: changes to the preset's configuration (--threads); without --threads the
   * architecture settings choose the network the steps and the epoch time, and the other
   * settings change the epoch's configuration.
   */
  set?: Partial<RunConfig>;
}

export const DEFAULT_BENCH: Readonly<BenchOptions> = Object.freeze({ batch: 200, reps: 20, warmup: 5, refReps: 3, backend: 'both', epoch: true, json: false, data: 'mnist' });

export const BENCH_HELP = `Usage: npm run bench -- [flags]

Times LeNet-5 training steps and inference (single-threaded) and prints one record per line
(format documented in docs/performance.md).

  --batch N        images per step, 1..4096 (default 200)
  --reps N         timed repetitions of each measurement, 1..1000 (default 20; median reported)
  --warmup N       untimed repetitions first, 0..1000 (default 5)
  --ref-reps N     repetitions for the slow reference backend, 1..100 (default 3)
  --backend B      wasm | reference | both (default both)
  --data D         mnist (real batches, default) | synthetic (seeded noise, no files needed)
  --no-epoch       skip the full training epoch (59,000 images, report configuration, wasm)
  --threads LIST   train whole epochs on each thread count of LIST (e.g. 1,2; each 1..${MAX_THREADS})
                   with the data-parallel backend, print images/s per count and the speed-up; skips
                   the step benchmarks
  --train-epochs N epochs per thread count, 1..100 (default 1; --threads only)
  --preset ID      the configuration of those epochs (default report; --threads only):
                   ${PRESETS.map((p) => p.id).join(', ')}
  --set KEY=VALUE  change one setting of that configuration, e.g. --set batchSize=50 --set init=he
                   (repeatable; run config keys as in the app); without --threads the architecture
                   settings (activation, pooling, c3Connections, output) choose the network that
                   the steps and the epoch time, e.g. --set activation=tanh
  --json           one JSON object instead of lines
  --help           this text
`;

/** The run settings --set may change (the dataset is always the bundled MNIST). */
const SETTABLE = CONFIG_KEYS.filter((k) => k !== 'dataset');

export type ParsedBench = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: BenchOptions };

const INT_FLAGS: Record<string, { key: 'batch' | 'reps' | 'warmup' | 'refReps'; min: number; max: number }> = {
  '--batch': { key: 'batch', min: 1, max: 4096 },
  '--reps': { key: 'reps', min: 1, max: 1000 },
  '--warmup': { key: 'warmup', min: 0, max: 1000 },
  '--ref-reps': { key: 'refReps', min: 1, max: 100 },
};

/** Parses bench flags (`--flag value` or `--flag=value`). Never throws. */
export function parseBenchArgs(argv: readonly string[]): ParsedBench {
  const o: BenchOptions = { ...DEFAULT_BENCH };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--help' || flag === '-h') return { kind: 'help' };
    if (flag === '--json' || flag === '--no-epoch') {
      if (inline !== undefined) return { kind: 'error', message: `${flag} takes no value.` };
      if (flag === '--json') o.json = true;
      else o.epoch = false;
      continue;
    }
    const spec = INT_FLAGS[flag];
    if (spec) {
      const v = value();
      if (v === undefined) return { kind: 'error', message: `${flag} needs a value.` };
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) return { kind: 'error', message: `${flag} must be a whole number between ${spec.min} and ${spec.max} (got ${JSON.stringify(v)}).` };
      o[spec.key] = n;
      continue;
    }
    if (flag === '--threads') {
      const v = value();
      if (v === undefined) return { kind: 'error', message: '--threads needs a list of thread counts, e.g. 1,2.' };
      const counts: number[] = [];
      for (const part of v.split(',')) {
        const n = /^-?\d+$/.test(part.trim()) ? Number(part.trim()) : NaN;
        try {
          counts.push(checkThreads(n, '--threads'));
        } catch {
          return { kind: 'error', message: `--threads: each thread count must be a whole number between 1 and ${MAX_THREADS} (got ${JSON.stringify(part)}).` };
        }
      }
      o.threads = counts;
      continue;
    }
    if (flag === '--set') {
      const v = value();
      const at = v === undefined ? -1 : v.indexOf('=');
      const key = at > 0 ? v!.slice(0, at) : '';
      if (!(SETTABLE as readonly string[]).includes(key)) return { kind: 'error', message: `--set needs KEY=VALUE with KEY one of ${SETTABLE.join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)}).` };
      const text = v!.slice(at + 1);
      const kind = FIELDS[key as keyof RunConfig].kind;
      o.set = { ...o.set, [key]: (kind === 'int' || kind === 'num') && text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text };
      continue;
    }
    if (flag === '--train-epochs') {
      const v = value();
      const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(n >= 1 && n <= 100)) return { kind: 'error', message: `--train-epochs must be a whole number between 1 and 100 (got ${v === undefined ? 'nothing' : JSON.stringify(v)}).` };
      o.trainEpochs = n;
      continue;
    }
    if (flag === '--preset') {
      const v = value();
      if (v === undefined || !PRESETS.some((p) => p.id === v)) return { kind: 'error', message: `--preset must be one of ${PRESETS.map((p) => p.id).join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)}).` };
      o.preset = v;
      continue;
    }
    if (flag === '--backend' || flag === '--data') {
      const v = value();
      const allowed = flag === '--backend' ? ['wasm', 'reference', 'both'] : ['mnist', 'synthetic'];
      if (v === undefined || !allowed.includes(v)) return { kind: 'error', message: `${flag} must be one of ${allowed.join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)}).` };
      if (flag === '--backend') o.backend = v as BackendChoice;
      else o.data = v as BenchOptions['data'];
      continue;
    }
    return { kind: 'error', message: `Unknown flag ${JSON.stringify(arg)}. See --help.` };
  }
  if (o.set || o.preset) {
    const checked = validateRunConfig({ ...presetConfig(o.preset ?? 'report'), ...o.set });
    if (!checked.ok) return { kind: 'error', message: `--set: ${checked.errors.map((e) => e.message).join('; ')}` };
  }
  return { kind: 'run', options: o };
}
