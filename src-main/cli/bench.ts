// The benchmark: `npm run bench -- [flags]` (see --help). Times a LeNet-5 training step and
// inference at a batch size (default 200) on real MNIST batches, for the WebAssembly SIMD backend
// and the plain TypeScript reference, per layer too, and (unless --no-epoch) one full training
// epoch of the report's configuration through the solver, which is the number the speed target
// is about. Single-threaded. With --threads 1,2,… it instead trains whole epochs of a preset
// (default: the report's) on the data-parallel backend once per thread count and prints images/s
// per thread count, the speed-up, and whether every count trained the same bits.
// docs/performance.md explains the output and holds the figures.
//
// Output (stdout), one record per line, `KIND key=value ...`, stable across versions of this
// format (bench v1): keys are never renamed or removed, new keys may be appended.
//   bench   format=1
//   machine cpu="…" cores=N node=vX load1=…
//   setup   data=… batch=… reps=… warmup=… ref_reps=… flop_train_per_image=… flop_infer_per_image=… architecture=activation/pooling/c3/output
//   result  backend=… kind=train|infer batch=… reps=… ms_median=… ms_min=… images_per_s=… gflops=… cpu_ms_median=…
//   layer   backend=… pass=forward|backward stage=… ms_median=… share=…   (share: % of the step)
//   epoch   backend=… images=… batch=… wall_s=… train_s=… eval_s=… images_per_s=… cpu_s=… loss=… val_acc=…
//   thread_epoch  threads=… epoch=… images=… batch=… train_s=… eval_s=… images_per_s=… cpu_s=… loss=… val_acc=… zero_params=… subnormal_params=…
//   thread_run    threads=… preset=… epochs=… images_per_s=… wall_s=… cpu_s=… speedup=… identical=yes|no rss_mb=… peak_rss_mb=…
//                 (speedup: images/s over the first thread count's; identical: the final parameters
//                 equal the first thread count's bit for bit)
// images_per_s and gflops are from the median wall-clock time; cpu_ms_median / cpu_s are the CPU
// time the process used, which stays near the wall time on an idle machine and shows how much a
// busy one (other processes on the same cores) slowed the wall-clock figures.
// With --json, one JSON object with the same fields instead.

import { pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { BatchWriter, createReferenceBackend, createTrainer, normStats, initParams, Prng, type Backend, type ImageSet, type Dataset } from '../../src-shared/engine';
import { createWasmBackend, type StageName } from '../../src-shared/engine/wasm/backend';
import { checkThreads, MAX_THREADS } from '../../src-shared/engine/shards';
import { FLT_MIN } from '../../src-shared/engine/ftz';
import { createThreadedBackend } from '../runs/pool';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { convForward, convBackward } from '../../src-shared/engine/reference/conv';
import { reluForward, reluBackward } from '../../src-shared/engine/reference/relu';
import { maxpoolForward, maxpoolBackward } from '../../src-shared/engine/reference/maxpool';
import { affineForward, affineBackward } from '../../src-shared/engine/reference/affine';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward } from '../../src-shared/engine/reference/softmax';
import { view } from '../../src-shared/engine/layout';
import { architectureOf, isDefaultArchitecture, type Architecture } from '../../src-shared/engine/arch';
import { CONFIG_KEYS, DEFAULT_CONFIG, FIELDS, PRESETS, presetConfig, validateRunConfig, type RunConfig } from '../../src-shared/config';
import { loadMnist } from '../data/mnist';

/** GEMM-equivalent multiply-adds ×2 per image (spec.md: ~0.83 MFLOP forward, ~2.26 MFLOP a step). */
export const FLOP_INFER = 2 * (6 * 784 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10); // 833,040
/** Forward + weight gradients of every layer + input gradients of every layer but C1. */
export const FLOP_TRAIN = FLOP_INFER + 2 * (6 * 784 * 25 + 2 * 16 * 100 * 150 + 2 * (400 * 120 + 120 * 84 + 84 * 10)); // 2,263,920

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

export interface Timing {
  backend: string;
  kind: 'train' | 'infer';
  batch: number;
  reps: number;
  msMedian: number;
  msMin: number;
  imagesPerS: number;
  gflops: number;
  /** Median CPU time of a repetition: below msMedian when other processes share the cores. */
  cpuMsMedian: number;
}

export interface LayerTiming {
  backend: string;
  pass: 'forward' | 'backward';
  stage: StageName;
  msMedian: number;
  share: number;
}

export interface EpochTiming {
  backend: string;
  images: number;
  batch: number;
  wallS: number;
  trainS: number;
  evalS: number;
  imagesPerS: number;
  /** CPU time of the whole epoch (training and evaluation). */
  cpuS: number;
  loss: number;
  valAcc: number;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; node: string; load1: number };
  setup: { data: string; batch: number; reps: number; warmup: number; refReps: number; flopTrainPerImage: number; flopInferPerImage: number; architecture: Architecture };
  results: Timing[];
  layers: LayerTiming[];
  epoch: EpochTiming | null;
}

function median(a: number[]): number {
  const s = a.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds of CPU time this process has used (all its threads; the work here is on one). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall-clock and CPU milliseconds of each timed repetition. */
function timeReps(reps: number, warmup: number, fn: () => void): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs(), t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall, cpu };
}

/** One batch of inputs: the first `n` MNIST training images (padded, standardised), or seeded noise. */
function makeBatch(data: BenchOptions['data'], n: number, dataset: Dataset | null): { x: Float32Array; labels: Uint8Array } {
  if (data === 'mnist' && dataset) {
    const set: ImageSet = dataset.train;
    const w = new BatchWriter(n, normStats('standardize', set, set.count - 1000));
    const idx = Array.from({ length: n }, (_, i) => i % set.count);
    w.fill(set, idx, 0, n);
    return { x: w.x, labels: w.labels };
  }
  const rng = new Prng(1);
  const x = new Float32Array(n * 1024);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.below(10);
  return { x, labels };
}

function initBackend(b: Backend): void {
  initParams(b.params, 'he', 0.001, new Prng(1), b.layout);
}

function timeBackend(b: Backend, x: Float32Array, labels: Uint8Array, n: number, reps: number, warmup: number): Timing[] {
  const probs = new Float32Array(n * 10);
  const train = timeReps(reps, warmup, () => {
    b.grads.fill(0);
    b.trainStep(x, labels, n);
  });
  const infer = timeReps(reps, warmup, () => b.predict(x, n, probs));
  const mk = (kind: 'train' | 'infer', t: { wall: number[]; cpu: number[] }, flop: number): Timing => {
    const ms = median(t.wall);
    return { backend: b.name, kind, batch: n, reps, msMedian: ms, msMin: Math.min(...t.wall), imagesPerS: (n * 1000) / ms, gflops: (flop * n) / ms / 1e6, cpuMsMedian: median(t.cpu) };
  };
  return [mk('train', train, FLOP_TRAIN), mk('infer', infer, FLOP_INFER)];
}

function toLayers(backend: string, runs: { stage: StageName; pass: 'forward' | 'backward'; ms: number }[][]): LayerTiming[] {
  const first = runs[0];
  const meds = first.map((_, i) => median(runs.map((r) => r[i].ms)));
  const total = meds.reduce((a, b) => a + b, 0);
  return first.map((s, i) => ({ backend, pass: s.pass, stage: s.stage, msMedian: meds[i], share: total > 0 ? (100 * meds[i]) / total : 0 }));
}

/**
 * The reference backend's step, layer by layer, on the reference layer functions with the same
 * stage grouping as the wasm backend (conv + ReLU + pool together).
 */
function referenceStages(params: Float32Array, x: Float32Array, labels: Uint8Array, n: number): () => { stage: StageName; pass: 'forward' | 'backward'; ms: number }[] {
  const grads = new Float32Array(params.length);
  const P = (k: string): Float32Array => view(params, k);
  const G = (k: string): Float32Array => view(grads, k);
  const f = (size: number): Float32Array => new Float32Array(n * size);
  const a = { c1: f(4704), r1: f(4704), s2: f(1176), c3: f(1600), r3: f(1600), s4: f(400), c5: f(120), r5: f(120), f6: f(84), r6: f(84), logits: f(10), probs: f(10) };
  const d = { c1: f(4704), r1: f(4704), s2: f(1176), c3: f(1600), r3: f(1600), s4: f(400), c5: f(120), r5: f(120), f6: f(84), r6: f(84), logits: f(10) };
  const am2 = new Int32Array(n * 1176), am4 = new Int32Array(n * 400);
  return () => {
    for (const buf of Object.values(d)) buf.fill(0);
    const out: { stage: StageName; pass: 'forward' | 'backward'; ms: number }[] = [];
    const time = (stage: StageName, pass: 'forward' | 'backward', fn: () => void): void => {
      const t0 = performance.now();
      fn();
      out.push({ stage, pass, ms: performance.now() - t0 });
    };
    time('c1+s2', 'forward', () => { convForward(a.c1, x, P('c1.w'), P('c1.b'), n, 1, 32, 32, 6, 5); reluForward(a.r1, a.c1, n * 4704); maxpoolForward(a.s2, am2, a.r1, n, 6, 28, 28); });
    time('c3+s4', 'forward', () => { convForward(a.c3, a.s2, P('c3.w'), P('c3.b'), n, 6, 14, 14, 16, 5); reluForward(a.r3, a.c3, n * 1600); maxpoolForward(a.s4, am4, a.r3, n, 16, 10, 10); });
    time('c5', 'forward', () => { affineForward(a.c5, a.s4, P('c5.w'), P('c5.b'), n, 400, 120); reluForward(a.r5, a.c5, n * 120); });
    time('f6', 'forward', () => { affineForward(a.f6, a.r5, P('f6.w'), P('f6.b'), n, 120, 84); reluForward(a.r6, a.f6, n * 84); });
    time('out', 'forward', () => affineForward(a.logits, a.r6, P('out.w'), P('out.b'), n, 84, 10));
    time('softmax', 'forward', () => { softmaxCrossEntropyForward(a.probs, a.logits, labels, n, 10); });
    time('softmax', 'backward', () => softmaxCrossEntropyBackward(d.logits, a.probs, labels, n, 10));
    time('out', 'backward', () => { affineBackward(d.r6, G('out.w'), G('out.b'), d.logits, a.r6, P('out.w'), n, 84, 10); reluBackward(d.f6, d.r6, a.f6, n * 84); });
    time('f6', 'backward', () => { affineBackward(d.r5, G('f6.w'), G('f6.b'), d.f6, a.r5, P('f6.w'), n, 120, 84); reluBackward(d.c5, d.r5, a.c5, n * 120); });
    time('c5', 'backward', () => affineBackward(d.s4, G('c5.w'), G('c5.b'), d.c5, a.s4, P('c5.w'), n, 400, 120));
    time('c3+s4', 'backward', () => { maxpoolBackward(d.r3, d.s4, am4, n * 400); reluBackward(d.c3, d.r3, a.c3, n * 1600); convBackward(d.s2, G('c3.w'), G('c3.b'), d.c3, a.s2, P('c3.w'), n, 6, 14, 14, 16, 5); });
    time('c1+s2', 'backward', () => { maxpoolBackward(d.r1, d.s2, am2, n * 1176); reluBackward(d.c1, d.r1, a.c1, n * 4704); convBackward(null, G('c1.w'), G('c1.b'), d.c1, x, P('c1.w'), n, 1, 32, 32, 6, 5); });
    return out;
  };
}

/** One epoch of the default configuration (with --set's changes; batch from the options) through the solver on the wasm backend (one thread). */
function timeEpoch(dataset: Dataset, batch: number, set: Partial<RunConfig> | undefined): EpochTiming {
  const config = { ...DEFAULT_CONFIG, ...set, epochs: 1, batchSize: batch };
  const backend = createParallelBackend(Math.max(batch, 200), { architecture: architectureOf(config) });
  const trainer = createTrainer(config, dataset.train, backend);
  const c0 = cpuMs(), t0 = performance.now();
  for (;;) {
    const info = trainer.step();
    if (info.epochEnd) {
      const m = info.epochEnd;
      const wallS = (performance.now() - t0) / 1000;
      const cpuS = (cpuMs() - c0) / 1000;
      const images = trainer.itersPerEpoch * batch;
      return {
        backend: backend.name, images, batch, wallS,
        trainS: images / m.imagesPerSecond, evalS: wallS - images / m.imagesPerSecond,
        imagesPerS: m.imagesPerSecond, cpuS, loss: m.meanIterationLoss, valAcc: m.valAccuracy,
      };
    }
  }
}

export function runBench(o: BenchOptions, log: (line: string) => void = () => {}): BenchReport {
  const dataset = o.data === 'mnist' || o.epoch ? loadMnist() : null;
  const { x, labels } = makeBatch(o.data, o.batch, dataset);
  const architecture = architectureOf({ ...DEFAULT_CONFIG, ...o.set });
  const report: BenchReport = {
    machine: machineInfo(),
    setup: { data: o.data, batch: o.batch, reps: o.reps, warmup: o.warmup, refReps: o.refReps, flopTrainPerImage: FLOP_TRAIN, flopInferPerImage: FLOP_INFER, architecture },
    results: [],
    layers: [],
    epoch: null,
  };
  if (o.backend !== 'reference') {
    log('timing the wasm backend…');
    const w = createWasmBackend(o.batch, architecture);
    initBackend(w);
    report.results.push(...timeBackend(w, x, labels, o.batch, o.reps, o.warmup));
    for (let i = 0; i < o.warmup; i++) w.profileStep(x, labels, o.batch);
    const runs = Array.from({ length: o.reps }, () => w.profileStep(x, labels, o.batch).stages);
    report.layers.push(...toLayers(w.name, runs));
  }
  if (o.backend !== 'wasm') {
    log('timing the reference backend…');
    const r = createReferenceBackend(o.batch, { architecture });
    initBackend(r);
    const warm = Math.min(o.warmup, 1);
    report.results.push(...timeBackend(r, x, labels, o.batch, o.refReps, warm));
    // The reference's per-layer timing is written for the report's model only.
    if (isDefaultArchitecture(architecture)) {
      const step = referenceStages(r.params, x, labels, o.batch);
      for (let i = 0; i < warm; i++) step();
      report.layers.push(...toLayers(r.name, Array.from({ length: o.refReps }, step)));
    }
  }
  if (o.epoch && dataset) {
    log('timing one training epoch (wasm, report configuration)…');
    report.epoch = timeEpoch(dataset, o.batch, o.set);
  }
  return report;
}

export interface ThreadEpoch {
  threads: number;
  epoch: number;
  images: number;
  batch: number;
  trainS: number;
  evalS: number;
  imagesPerS: number;
  /** CPU time of the process (all threads) during the epoch, evaluation included. */
  cpuS: number;
  loss: number;
  valAcc: number;
  /** Parameters that are exactly 0, and subnormal ones (flush-to-zero keeps the latter at 0). */
  zeroParams: number;
  subnormalParams: number;
}

export interface ThreadRun {
  threads: number;
  preset: string;
  epochs: number;
  /** Training images over training time, all epochs. */
  imagesPerS: number;
  wallS: number;
  cpuS: number;
  /** imagesPerS over the first thread count's. */
  speedup: number;
  /** The final parameters equal the first thread count's, bit for bit. */
  identical: boolean;
  rssMb: number;
  peakRssMb: number;
}

export interface ThreadBenchReport {
  machine: BenchReport['machine'];
  config: RunConfig;
  epochs: ThreadEpoch[];
  runs: ThreadRun[];
}

/**
 * Trains `epochs` epochs of the configuration once per thread count on the data-parallel backend
 * (src-main/runs/pool.ts), in order, each from the same seed.
 */
export async function runThreadBench(o: BenchOptions, log: (line: string) => void = () => {}): Promise<ThreadBenchReport> {
  const counts = o.threads ?? [1];
  const preset = o.preset ?? 'report';
  const config: RunConfig = { ...presetConfig(preset), ...o.set, epochs: o.trainEpochs ?? 1 };
  const dataset = loadMnist();
  const report: ThreadBenchReport = { machine: machineInfo(), config, epochs: [], runs: [] };
  let first: Float32Array | null = null;
  for (const threads of counts) {
    log(`training ${config.epochs} epoch(s) of ${preset} on ${threads} thread(s)…`);
    const backend = await createThreadedBackend(Math.max(config.batchSize, 200), threads, { architecture: architectureOf(config) });
    try {
      const trainer = createTrainer(config, dataset.train, backend);
      const c0 = cpuMs(), t0 = performance.now();
      let images = 0, trainS = 0, epochCpu0 = c0;
      while (!trainer.done) {
        const info = trainer.step();
        const m = info.epochEnd;
        if (!m) continue;
        const epochImages = config.sampling === 'bootstrap' ? trainer.itersPerEpoch * config.batchSize : trainer.split.nTrain;
        const epochTrainS = epochImages / m.imagesPerSecond;
        images += epochImages;
        trainS += epochTrainS;
        let zero = 0, sub = 0;
        for (const v of trainer.params) {
          if (v === 0) zero++;
          else if (Math.abs(v) < FLT_MIN) sub++;
        }
        const cpuNow = cpuMs();
        const e: ThreadEpoch = {
          threads, epoch: m.epoch, images: epochImages, batch: config.batchSize, trainS: epochTrainS, evalS: m.durationMs / 1000 - epochTrainS,
          imagesPerS: m.imagesPerSecond, cpuS: (cpuNow - epochCpu0) / 1000, loss: m.meanIterationLoss, valAcc: m.valAccuracy, zeroParams: zero, subnormalParams: sub,
        };
        epochCpu0 = cpuNow;
        report.epochs.push(e);
        log(formatThreadEpoch(e));
      }
      const wallS = (performance.now() - t0) / 1000, cpuS = (cpuMs() - c0) / 1000;
      const imagesPerS = images / trainS;
      const identical = first === null || trainer.params.every((v, i) => Object.is(v, first![i]));
      if (first === null) first = trainer.params.slice();
      const usage = process.resourceUsage();
      report.runs.push({
        threads, preset, epochs: config.epochs, imagesPerS, wallS, cpuS, speedup: report.runs.length ? imagesPerS / report.runs[0].imagesPerS : 1,
        identical, rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: usage.maxRSS / 1024,
      });
    } finally {
      await backend.dispose();
    }
  }
  return report;
}

function formatThreadEpoch(e: ThreadEpoch): string {
  return `thread_epoch threads=${e.threads} epoch=${e.epoch} images=${e.images} batch=${e.batch} train_s=${fmt(e.trainS, 2)} eval_s=${fmt(e.evalS, 2)} images_per_s=${fmt(e.imagesPerS, 0)} cpu_s=${fmt(e.cpuS, 2)} loss=${fmt(e.loss, 6)} val_acc=${fmt(e.valAcc, 4)} zero_params=${e.zeroParams} subnormal_params=${e.subnormalParams}`;
}

/** The line-oriented output of --threads (format 1). */
export function formatThreadBench(r: ThreadBenchReport): string[] {
  const lines = [
    'bench format=1',
    `machine cpu=${JSON.stringify(r.machine.cpu)} cores=${r.machine.cores} node=${r.machine.node} load1=${r.machine.load1}`,
    ...r.epochs.map(formatThreadEpoch),
  ];
  for (const t of r.runs) {
    lines.push(`thread_run threads=${t.threads} preset=${t.preset} epochs=${t.epochs} images_per_s=${fmt(t.imagesPerS, 0)} wall_s=${fmt(t.wallS, 2)} cpu_s=${fmt(t.cpuS, 2)} speedup=${fmt(t.speedup, 2)} identical=${t.identical ? 'yes' : 'no'} rss_mb=${fmt(t.rssMb, 0)} peak_rss_mb=${fmt(t.peakRssMb, 0)}`);
  }
  return lines;
}

function machineInfo(): BenchReport['machine'] {
  return { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, node: process.version, load1: Number(loadavg()[0].toFixed(2)) };
}

const fmt = (v: number, digits: number): string => v.toFixed(digits);
const archTag = (a: Architecture): string => `${a.activation}/${a.pooling}/${a.c3Connections}/${a.output}`;

/** The line-oriented output (format 1). */
export function formatBench(r: BenchReport): string[] {
  const lines = [
    'bench format=1',
    `machine cpu=${JSON.stringify(r.machine.cpu)} cores=${r.machine.cores} node=${r.machine.node} load1=${r.machine.load1}`,
    `setup data=${r.setup.data} batch=${r.setup.batch} reps=${r.setup.reps} warmup=${r.setup.warmup} ref_reps=${r.setup.refReps} flop_train_per_image=${r.setup.flopTrainPerImage} flop_infer_per_image=${r.setup.flopInferPerImage} architecture=${archTag(r.setup.architecture)}`,
  ];
  for (const t of r.results) {
    lines.push(`result backend=${t.backend} kind=${t.kind} batch=${t.batch} reps=${t.reps} ms_median=${fmt(t.msMedian, 3)} ms_min=${fmt(t.msMin, 3)} images_per_s=${fmt(t.imagesPerS, 0)} gflops=${fmt(t.gflops, 2)} cpu_ms_median=${fmt(t.cpuMsMedian, 3)}`);
  }
  for (const l of r.layers) {
    lines.push(`layer backend=${l.backend} pass=${l.pass} stage=${l.stage} ms_median=${fmt(l.msMedian, 3)} share=${fmt(l.share, 1)}`);
  }
  if (r.epoch) {
    const e = r.epoch;
    lines.push(`epoch backend=${e.backend} images=${e.images} batch=${e.batch} wall_s=${fmt(e.wallS, 2)} train_s=${fmt(e.trainS, 2)} eval_s=${fmt(e.evalS, 2)} images_per_s=${fmt(e.imagesPerS, 0)} cpu_s=${fmt(e.cpuS, 2)} loss=${fmt(e.loss, 4)} val_acc=${fmt(e.valAcc, 4)}`);
  }
  return lines;
}

/** Exit code: a number for help, bad flags and the step benchmarks; a promise of one with --threads. */
export function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number | Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind === 'help') {
    out(BENCH_HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    err(`bench: ${parsed.message}\n`);
    return 2;
  }
  if (parsed.options.threads) {
    return runThreadBench(parsed.options, (line) => err(`bench: ${line}\n`)).then((r) => {
      out(parsed.options.json ? JSON.stringify(r, null, 2) + '\n' : formatThreadBench(r).join('\n') + '\n');
      return 0;
    });
  }
  const report = runBench(parsed.options, (line) => err(`bench: ${line}\n`));
  out(parsed.options.json ? JSON.stringify(report, null, 2) + '\n' : formatBench(report).join('\n') + '\n');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fail = (e: unknown): void => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  };
  try {
    Promise.resolve(main(process.argv.slice(2))).then((code) => (process.exitCode = code), fail);
  } catch (e) {
    fail(e);
  }
}
