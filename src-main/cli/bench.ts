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
import { BatchWriter, createReferenceBackend, createTrainer, normStats, initParams, Prng, type Backend, type ImageSet, type Dataset } from '../../src-shared/engine';
import { createWasmBackend, type StageName } from '../../src-shared/engine/wasm/backend';
import { createParallelBackend } from '../../src-shared/engine/wasm/parallel';
import { convForward, convBackward } from '../../src-shared/engine/reference/conv';
import { reluForward, reluBackward } from '../../src-shared/engine/reference/relu';
import { maxpoolForward, maxpoolBackward } from '../../src-shared/engine/reference/maxpool';
import { affineForward, affineBackward } from '../../src-shared/engine/reference/affine';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward } from '../../src-shared/engine/reference/softmax';
import { view } from '../../src-shared/engine/layout';
import { architectureOf, isDefaultArchitecture, type Architecture } from '../../src-shared/engine/arch';
import { DEFAULT_CONFIG, type RunConfig } from '../../src-shared/config';
import { loadMnist } from '../data/mnist';
import { cpuMs, fmt, machineInfo, type EpochRecord, type Machine } from './bench-common';
import { formatThreadBench, runThreadBench } from './bench-threads';
import { BENCH_HELP, parseBenchArgs, type BenchOptions } from './bench-args';

export { formatThreadBench, runThreadBench, type ThreadBenchReport, type ThreadEpoch, type ThreadRun } from './bench-threads';
export { BENCH_HELP, DEFAULT_BENCH, parseBenchArgs, type BackendChoice, type BenchOptions, type ParsedBench } from './bench-args';

/** GEMM-equivalent multiply-adds ×2 per image (spec.md: ~0.83 MFLOP forward, ~2.26 MFLOP a step). */
export const FLOP_INFER = 2 * (6 * 784 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10); // 833,040
/** Forward + weight gradients of every layer + input gradients of every layer but C1. */
export const FLOP_TRAIN = FLOP_INFER + 2 * (6 * 784 * 25 + 2 * 16 * 100 * 150 + 2 * (400 * 120 + 120 * 84 + 84 * 10)); // 2,263,920

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

export interface EpochTiming extends EpochRecord {
  backend: string;
  wallS: number;
}

export interface BenchReport {
  machine: Machine;
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
