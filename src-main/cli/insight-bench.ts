// What the per-epoch insight record costs training: `npm run bench:insight -- [flags]`. Trains a
// preset on MNIST with the worker's own trainer and, after every epoch, computes the record with
// the worker's own code (src-main/runs/insight.ts, test timeline forced on so each part is
// timed), then prints each part's time next to the epoch's. The worker computes the record
// synchronously between two epochs, so its share of the epoch is how much it slows training.
//
//   insight  format=1
//   machine  cpu="…" cores=N node=vX load1=…
//   setup    preset=… images=… batch=… epochs=… backend=… threads=… health_sample=… validation=… test=…
//   epoch    n=… train_ms=… health_ms=… validation_ms=… test_ms=… share=… share_with_test=…
//   summary  epochs=… share_median=… share_with_test_median=…   (epochs from the 2nd: the 1st pays JIT warm-up)
// share = (health + validation) / train; share_with_test adds the test set's predictions.

import { cpus, loadavg } from 'node:os';
import { PRESETS, presetConfig, type RunConfig } from '../../src-shared/config';
import type { Backend } from '../../src-shared/engine/backend';
import { BACKEND_CHOICES, backendBatch, createBackend, type BackendChoice } from '../../src-shared/engine/select';
import { createTrainer } from '../../src-shared/engine/solver';
import { loadMnist } from '../data/mnist';
import { createEpochInsight, HEALTH_SAMPLE } from '../runs/insight';
import { createThreadedBackend } from '../runs/pool';
import { EXIT_OK, EXIT_USAGE, isProgram, runProgram } from './common';

export const INSIGHT_BENCH_HELP = `Usage: npm run bench:insight -- [flags]

Times the per-epoch insight record (training health, validation and test predictions) against
the training epoch it follows, on MNIST. See docs/performance.md.

  --preset ID     a preset (default report): ${PRESETS.map((p) => p.id).join(', ')}
  --epochs N      epochs to train, 2..100 (default 3; the first is reported but not summarised)
  --subset N      train on the first N images, 0 = all (default: the preset's)
  --backend B     ${BACKEND_CHOICES.join(' | ')} (default auto)
  --threads N     threads the trainer computes on, 1..8, as the run worker does (default 1)
  --help          this text
`;

export interface InsightBenchOptions {
  preset: string;
  epochs: number;
  /** trainSubset; null keeps the preset's. */
  subset: number | null;
  backend: BackendChoice;
  threads: number;
}

export type ParsedInsightBench = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: InsightBenchOptions };

export function parseInsightBenchArgs(argv: readonly string[]): ParsedInsightBench {
  const o: InsightBenchOptions = { preset: 'report', epochs: 3, subset: null, backend: 'auto', threads: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (v === undefined) return { kind: 'error', message: `${flag} needs a value.` };
    const int = (min: number, max: number): number | string => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : `${flag} must be a whole number between ${min} and ${max} (got ${JSON.stringify(v)}).`);
    if (flag === '--preset') {
      if (!PRESETS.some((p) => p.id === v)) return { kind: 'error', message: `Unknown preset ${JSON.stringify(v)} (${PRESETS.map((p) => p.id).join(', ')}).` };
      o.preset = v;
    } else if (flag === '--epochs' || flag === '--subset' || flag === '--threads') {
      const n = flag === '--epochs' ? int(2, 100) : flag === '--threads' ? int(1, 8) : int(0, 59_000);
      if (typeof n === 'string') return { kind: 'error', message: n };
      if (flag === '--epochs') o.epochs = n;
      else if (flag === '--threads') o.threads = n;
      else o.subset = n;
    } else if (flag === '--backend') {
      if (!(BACKEND_CHOICES as readonly string[]).includes(v)) return { kind: 'error', message: `--backend must be one of ${BACKEND_CHOICES.join(', ')} (got ${JSON.stringify(v)}).` };
      o.backend = v as BackendChoice;
    } else return { kind: 'error', message: `Unknown flag ${JSON.stringify(arg)}. See --help.` };
  }
  return { kind: 'run', options: o };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const r3 = (x: number): string => x.toFixed(3);
const r1 = (x: number): string => x.toFixed(1);

export async function main(argv: readonly string[], out: { write(s: string): void } = process.stdout, err: { write(s: string): void } = process.stderr): Promise<number> {
  const p = parseInsightBenchArgs(argv);
  if (p.kind === 'help') {
    out.write(INSIGHT_BENCH_HELP);
    return EXIT_OK;
  }
  if (p.kind === 'error') {
    err.write(`bench:insight: ${p.message}\n`);
    return EXIT_USAGE;
  }
  const o = p.options;
  const preset = presetConfig(o.preset);
  const cfg: RunConfig = { ...preset, epochs: o.epochs, trainSubset: o.subset ?? preset.trainSubset, testTimeline: 'on' };
  const ds = loadMnist();
  // The run worker's backend: the data-parallel wasm backend on the granted threads ('auto' falls
  // back to the reference where wasm cannot run, as the worker does).
  let threaded: Awaited<ReturnType<typeof createThreadedBackend>> | null = null;
  if (o.backend !== 'reference') {
    try {
      threaded = await createThreadedBackend(backendBatch(cfg.batchSize), o.threads);
    } catch (e) {
      if (o.backend === 'wasm') throw e;
    }
  }
  const backend: Backend = threaded ?? createBackend('reference', cfg.batchSize);
  try {
    measure(o, cfg, ds, backend, out);
  } finally {
    await threaded?.dispose();
  }
  return EXIT_OK;
}

function measure(o: InsightBenchOptions, cfg: RunConfig, ds: ReturnType<typeof loadMnist>, backend: Backend, out: { write(s: string): void }): void {
  const trainer = createTrainer(cfg, ds.train, backend);
  const insight = createEpochInsight(trainer, ds, 'on');
  out.write('insight format=1\n');
  out.write(`machine cpu="${cpus()[0]?.model ?? '?'}" cores=${cpus().length} node=${process.version} load1=${loadavg()[0].toFixed(2)}\n`);
  out.write(`setup preset=${o.preset} images=${trainer.split.nTrain} batch=${cfg.batchSize} epochs=${cfg.epochs} backend=${backend.name} threads=${backend.name.startsWith('reference') ? 1 : o.threads} health_sample=${Math.min(HEALTH_SAMPLE, trainer.split.trainEval.length)} validation=${trainer.split.valCount} test=${ds.test.count}\n`);
  const shares: number[] = [], withTest: number[] = [];
  while (!trainer.done) {
    const info = trainer.step();
    if (!info.epochEnd) continue;
    const rec = insight.measure(info.epochEnd);
    const c = rec.cost;
    const share = (c.healthMs + c.validationMs) / c.epochMs;
    const all = (c.healthMs + c.validationMs + (c.testMs ?? 0)) / c.epochMs;
    if (info.epoch > 1) {
      shares.push(share);
      withTest.push(all);
    }
    out.write(`epoch n=${info.epoch} train_ms=${r1(c.epochMs)} health_ms=${r1(c.healthMs)} validation_ms=${r1(c.validationMs)} test_ms=${r1(c.testMs ?? 0)} share=${r3(share)} share_with_test=${r3(all)}\n`);
  }
  out.write(`summary epochs=${shares.length} share_median=${r3(median(shares))} share_with_test_median=${r3(median(withTest))}\n`);
}

if (isProgram(import.meta.url)) runProgram('bench:insight', main);
