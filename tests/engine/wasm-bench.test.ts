// The benchmark CLI (src-main/cli/bench.ts): flag parsing with clear errors, a tiny real run of
// both backends (synthetic data, no epoch), and the documented line format.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseBenchArgs, runBench, formatBench, main, runThreadBench, formatThreadBench, DEFAULT_BENCH, FLOP_TRAIN, FLOP_INFER, type BenchOptions } from '../../src-main/cli/bench';

describe('bench flags', () => {
  it('defaults to batch 200, both backends, MNIST data and the epoch run', () => {
    expect(parseBenchArgs([])).toEqual({ kind: 'run', options: DEFAULT_BENCH });
    expect(DEFAULT_BENCH).toMatchObject({ batch: 200, backend: 'both', data: 'mnist', epoch: true, json: false });
  });

  it('reads every flag, as --flag value or --flag=value', () => {
    const p = parseBenchArgs(['--batch', '64', '--reps=7', '--warmup', '0', '--ref-reps=2', '--backend', 'wasm', '--data=synthetic', '--no-epoch', '--json']);
    expect(p).toEqual({ kind: 'run', options: { batch: 64, reps: 7, warmup: 0, refReps: 2, backend: 'wasm', data: 'synthetic', epoch: false, json: true } });
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('rejects bad flags with a message naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--batch', '0'], /--batch must be a whole number between 1 and 4096 \(got "0"\)/],
      [['--batch', '4097'], /--batch must be a whole number between 1 and 4096/],
      [['--batch', '2.5'], /--batch must be a whole number/],
      [['--batch'], /--batch needs a value/],
      [['--reps', '-1'], /--reps must be a whole number/],
      [['--ref-reps=abc'], /--ref-reps must be a whole number/],
      [['--backend', 'gpu'], /--backend must be one of wasm, reference, both \(got "gpu"\)/],
      [['--data'], /--data must be one of mnist, synthetic \(got nothing\)/],
      [['--json=yes'], /--json takes no value/],
      [['--epochs', '3'], /Unknown flag "--epochs"/],
      [['200'], /Unknown flag "200"/],
    ];
    for (const [argv, msg] of cases) {
      const p = parseBenchArgs(argv);
      expect(p.kind, argv.join(' ')).toBe('error');
      if (p.kind === 'error') expect(p.message).toMatch(msg);
    }
  });

  it('never throws, whatever the arguments', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('--batch', '--reps', '--backend', '--json', '--no-epoch', '--data', '10', 'wasm'))), (argv) => {
      const p = parseBenchArgs(argv);
      expect(['help', 'error', 'run']).toContain(p.kind);
      if (p.kind === 'run') expect(p.options.batch).toBeGreaterThanOrEqual(1);
    }));
  });

  it('main: exit code 2 and a message on stderr for a bad flag, 0 and the usage for --help', () => {
    let out = '', err = '';
    expect(main(['--batch', 'x'], (s) => (out += s), (s) => (err += s))).toBe(2);
    expect(err).toMatch(/^bench: --batch must be a whole number/);
    expect(out).toBe('');
    expect(main(['--help'], (s) => (out += s), (s) => (err += s))).toBe(0);
    expect(out).toMatch(/Usage: npm run bench/);
  });
});

describe('bench run', () => {
  it('FLOP counts are the spec\'s ~0.83 MFLOP forward and ~2.26 MFLOP per training image', () => {
    expect(FLOP_INFER).toBe(833_040);
    expect(FLOP_TRAIN).toBe(2_263_920);
  });

  it('times both backends and every layer, and prints the documented line format', () => {
    const o: BenchOptions = { batch: 4, reps: 2, warmup: 1, refReps: 1, backend: 'both', epoch: false, json: false, data: 'synthetic' };
    const r = runBench(o);
    expect(r.results.map((t) => `${t.backend} ${t.kind}`)).toEqual(['wasm-simd train', 'wasm-simd infer', 'reference train', 'reference infer']);
    for (const t of r.results) {
      expect(t.msMedian).toBeGreaterThan(0);
      expect(t.msMin).toBeLessThanOrEqual(t.msMedian);
      expect(t.imagesPerS).toBeCloseTo((4 * 1000) / t.msMedian, 6);
      expect(t.gflops).toBeCloseTo(((t.kind === 'train' ? FLOP_TRAIN : FLOP_INFER) * 4) / t.msMedian / 1e6, 6);
    }
    for (const backend of ['wasm-simd', 'reference']) {
      const layers = r.layers.filter((l) => l.backend === backend);
      expect(layers).toHaveLength(12);
      expect(layers.reduce((a, l) => a + l.share, 0)).toBeCloseTo(100, 6);
    }
    expect(r.epoch).toBeNull();

    const lines = formatBench(r);
    expect(lines[0]).toBe('bench format=1');
    const record = /^(bench|machine|setup|result|layer|epoch)( [a-z0-9_]+=("[^"]*"|\S+))+$/;
    for (const line of lines) expect(line).toMatch(record);
    expect(lines.filter((l) => l.startsWith('result '))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('layer '))).toHaveLength(24);
    expect(lines.find((l) => l.startsWith('result backend=wasm-simd kind=train'))).toMatch(/ ms_median=\d+\.\d{3} ms_min=\S+ images_per_s=\d+ gflops=\d+\.\d\d cpu_ms_median=\S+$/);
  });
});

describe('bench --set: the architecture of the timed network', () => {
  it('--set activation=tanh … times that network (the setup line names it); the reference has no per-layer stages then', () => {
    const p = parseBenchArgs(['--backend', 'both', '--no-epoch', '--data', 'synthetic', '--set', 'activation=tanh', '--set', 'pooling=subsampling', '--set', 'output=rbf']);
    expect(p).toMatchObject({ kind: 'run', options: { set: { activation: 'tanh', pooling: 'subsampling', output: 'rbf' } } });
    if (p.kind !== 'run') return;
    const r = runBench({ ...p.options, batch: 4, reps: 2, warmup: 1, refReps: 1 });
    expect(r.setup.architecture).toEqual({ activation: 'tanh', pooling: 'subsampling', c3Connections: 'full', output: 'rbf' });
    expect(r.results.map((t) => `${t.backend} ${t.kind}`)).toEqual(['wasm-simd train', 'wasm-simd infer', 'reference train', 'reference infer']);
    expect(r.layers.filter((l) => l.backend === 'wasm-simd')).toHaveLength(12);
    expect(r.layers.filter((l) => l.backend === 'reference')).toHaveLength(0);
    expect(formatBench(r)[2]).toMatch(/ architecture=tanh\/subsampling\/full\/rbf$/);
    expect(parseBenchArgs(['--set', 'pooling=median'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/Pooling must be one of max, average, subsampling/) });
  });
});

describe('bench --threads', () => {
  it('reads thread lists, epochs, a preset and config changes', () => {
    const p = parseBenchArgs(['--threads', '1,2', '--train-epochs=3', '--preset', 'report-batch50', '--set', 'init=he', '--set=learningRate=0.002']);
    expect(p).toEqual({ kind: 'run', options: { ...DEFAULT_BENCH, threads: [1, 2], trainEpochs: 3, preset: 'report-batch50', set: { init: 'he', learningRate: 0.002 } } });
    expect(parseBenchArgs(['--threads', '256'])).toMatchObject({ kind: 'run', options: { threads: [256] } });
  });

  it('refuses 0, negative, more than 256 and malformed thread counts, and bad epochs, presets and settings', () => {
    const cases: [string[], RegExp][] = [
      [['--threads', '0'], /--threads: each thread count must be a whole number between 1 and 256 \(got "0"\)/],
      [['--threads', '-1'], /--threads: each thread count must be a whole number between 1 and 256 \(got "-1"\)/],
      [['--threads', '257'], /between 1 and 256 \(got "257"\)/],
      [['--threads', '1,,2'], /\(got ""\)/],
      [['--threads', '1.5'], /\(got "1.5"\)/],
      [['--threads', 'two'], /\(got "two"\)/],
      [['--threads'], /--threads needs a list of thread counts/],
      [['--train-epochs', '0'], /--train-epochs must be a whole number between 1 and 100/],
      [['--train-epochs', '101'], /--train-epochs must be a whole number between 1 and 100/],
      [['--preset', 'fast'], /--preset must be one of report, .*quick, lenet1998, .*ablation-rbf \(got "fast"\)/],
      [['--set', 'speed=3'], /--set needs KEY=VALUE with KEY one of seed, epochs, /],
      [['--set', 'batchSize'], /--set needs KEY=VALUE/],
      [['--set', 'batchSize=0'], /--set: Batch size must be/],
    ];
    for (const [argv, msg] of cases) {
      const p = parseBenchArgs(argv);
      expect(p.kind, argv.join(' ')).toBe('error');
      if (p.kind === 'error') expect(p.message).toMatch(msg);
    }
    let err = '';
    expect(main(['--threads', '0'], () => {}, (s) => (err += s))).toBe(2);
    expect(err).toMatch(/^bench: --threads: each thread count must be a whole number between 1 and 256/);
  });

  it('trains the same bits on each thread count and prints images/s and the speed-up', async () => {
    const o = parseBenchArgs(['--threads', '1,2', '--preset', 'quick', '--set', 'trainSubset=60', '--set', 'trainEvalSize=20', '--set', 'validationSize=20', '--set', 'batchSize=16']);
    expect(o.kind).toBe('run');
    if (o.kind !== 'run') return;
    const r = await runThreadBench(o.options);
    expect(r.runs.map((t) => t.threads)).toEqual([1, 2]);
    expect(r.epochs.map((e) => `${e.threads}:${e.epoch}`)).toEqual(['1:1', '2:1']);
    expect(r.epochs[1].loss).toBe(r.epochs[0].loss);
    expect(r.runs.every((t) => t.identical && t.imagesPerS > 0 && t.rssMb > 0)).toBe(true);
    expect(r.runs[0].speedup).toBe(1);
    expect(r.runs[1].speedup).toBeCloseTo(r.runs[1].imagesPerS / r.runs[0].imagesPerS, 9);
    const lines = formatThreadBench(r);
    const record = /^(bench|machine|thread_epoch|thread_run)( [a-z0-9_]+=("[^"]*"|\S+))+$/;
    for (const line of lines) expect(line).toMatch(record);
    expect(lines.filter((l) => l.startsWith('thread_run '))[1]).toMatch(/^thread_run threads=2 preset=quick epochs=1 images_per_s=\d+ wall_s=\S+ cpu_s=\S+ speedup=\d+\.\d\d identical=yes rss_mb=\d+ peak_rss_mb=\d+$/);
    expect(lines.find((l) => l.startsWith('thread_epoch threads=1'))).toMatch(/ subnormal_params=0$/);
  });
});
