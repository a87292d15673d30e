import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { helpText, kebab, parseTrainArgs, type ParsedArgs, type TrainOptions } from '../../src-main/cli/args';
import { CONFIG_KEYS, DEFAULT_CONFIG, FIELDS, PRESETS, presetConfig, validateRunConfig } from '../../src-shared/config';

function ok(r: ParsedArgs): TrainOptions {
  if (r.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(r)}`);
  return r.options;
}
function err(r: ParsedArgs): string {
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

describe('train flags', () => {
  it('no flags: the defaults, the wasm backend, MNIST', () => {
    const o = ok(parseTrainArgs([]));
    expect(o.config).toEqual(DEFAULT_CONFIG);
    expect(o.backend).toBe('wasm');
    expect(o.preset).toBeNull();
    expect(o.dataDir).toBeNull();
  });

  it('every config key has a kebab-case flag that sets it', () => {
    for (const key of CONFIG_KEYS) {
      const spec = FIELDS[key];
      // A valid value different from the default, per kind.
      let text: string;
      if (spec.kind === 'enum') text = spec.values.find((v) => v !== DEFAULT_CONFIG[key])!;
      else if (spec.kind === 'id') text = 'mnist';
      else if (spec.kind === 'int') text = String(spec.max);
      else text = String(spec.max / 2);
      const extra = key === 'trainSubset' ? ['--batch-size', '10'] : [];
      const o = ok(parseTrainArgs([`--${kebab(key)}`, text, ...extra]));
      expect(o.config[key]).toBe(spec.kind === 'enum' || spec.kind === 'id' ? text : Number(text));
    }
    expect(kebab('learningRate')).toBe('learning-rate');
    expect(kebab('trainEvalSize')).toBe('train-eval-size');
  });

  it('the architecture switches are flags like the others; bad values get the shared message', () => {
    const o = ok(parseTrainArgs(['--activation', 'tanh', '--pooling=subsampling', '--c3-connections', 'lecun', '--output', 'rbf']));
    expect(o.config).toMatchObject({ activation: 'tanh', pooling: 'subsampling', c3Connections: 'lecun', output: 'rbf' });
    expect(ok(parseTrainArgs(['--preset', 'report', '--output', 'rbf'])).config).toEqual(presetConfig('ablation-rbf'));
    expect(err(parseTrainArgs(['--pooling', 'median']))).toBe('--pooling: Pooling must be one of max, average, subsampling (got "median").');
    expect(helpText()).toMatch(/--c3-connections .*C3 connections/);
    expect(helpText()).toMatch(/lenet1998 +LeNet-5 as in 1998/);
  });

  it('accepts --flag=value and exponent notation', () => {
    const o = ok(parseTrainArgs(['--learning-rate=5e-4', '--batch-size', '100', '--optimizer=sgd', '--momentum', '.9']));
    expect(o.config.learningRate).toBe(5e-4);
    expect(o.config.batchSize).toBe(100);
    expect(o.config.optimizer).toBe('sgd');
    expect(o.config.momentum).toBe(0.9);
  });

  it('a preset is applied first and later flags override it, wherever they stand', () => {
    const a = ok(parseTrainArgs(['--preset', 'report-batch50', '--epochs', '2']));
    expect(a.config).toEqual({ ...presetConfig('report-batch50'), epochs: 2 });
    expect(a.preset).toBe('report-batch50');
    const b = ok(parseTrainArgs(['--batch-size', '300', '--preset', 'report-batch50']));
    expect(b.config.batchSize).toBe(300);
    for (const p of PRESETS) expect(ok(parseTrainArgs(['--preset', p.id])).config).toEqual(presetConfig(p.id));
  });

  it('bad values get the shared validation messages, named by flag', () => {
    expect(err(parseTrainArgs(['--batch-size', '0']))).toBe('--batch-size: Batch size must be between 1 and 4096 (got 0).');
    expect(err(parseTrainArgs(['--epochs', '2.5']))).toBe('--epochs: Epochs must be a whole number (got 2.5).');
    expect(err(parseTrainArgs(['--learning-rate', 'fast']))).toBe('--learning-rate: Learning rate must be a finite number (got "fast").');
    expect(err(parseTrainArgs(['--learning-rate', '0x10']))).toMatch(/must be a finite number \(got "0x10"\)/);
    expect(err(parseTrainArgs(['--learning-rate', '']))).toMatch(/must be a finite number \(got ""\)/);
    expect(err(parseTrainArgs(['--optimizer', 'rmsprop']))).toBe('--optimizer: Optimiser must be one of adam, sgd (got "rmsprop").');
    // Every error is reported, one per line.
    expect(err(parseTrainArgs(['--epochs', '0', '--sampling', 'random'])).split('\n')).toHaveLength(2);
    // The message is exactly what the shared validator says for the same value.
    const v = validateRunConfig({ decayFactor: 2 });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(err(parseTrainArgs(['--decay-factor', '2']))).toBe(`--decay-factor: ${v.errors[0].message}`);
    // Cross-field rules come through too.
    expect(err(parseTrainArgs(['--train-subset', '100', '--batch-size', '200']))).toMatch(/Batch size \(200\) is larger than the training subset \(100 images\)/);
  });

  it('unknown flags, missing values, repeats and stray words are errors', () => {
    expect(err(parseTrainArgs(['--learning_rate', '1']))).toMatch(/Unknown flag --learning_rate\. Did you mean --learning-rate\?/);
    expect(err(parseTrainArgs(['--batchSize', '1']))).toMatch(/Did you mean --batch-size\?/);
    expect(err(parseTrainArgs(['--wat', '1']))).toBe('Unknown flag --wat.');
    expect(err(parseTrainArgs(['--lr', '1']))).toBe('Unknown flag --lr. Did you mean --learning-rate?');
    expect(err(parseTrainArgs(['--bs', '1']))).toBe('Unknown flag --bs. Did you mean --batch-size?');
    expect(err(parseTrainArgs(['--epochs']))).toBe('Flag --epochs needs a value.');
    expect(err(parseTrainArgs(['--epochs', '--seed', '3']))).toBe('Flag --epochs needs a value.');
    expect(err(parseTrainArgs(['--epochs', '2', '--epochs', '3']))).toBe('Flag --epochs is given twice.');
    expect(err(parseTrainArgs(['report']))).toMatch(/Unexpected argument "report"/);
    expect(err(parseTrainArgs(['-e', '3']))).toMatch(/Unexpected argument "-e"/);
    expect(err(parseTrainArgs(['--preset', 'nope']))).toMatch(/unknown preset "nope"\. Known presets: report, /);
    expect(err(parseTrainArgs(['--backend', 'gpu']))).toMatch(/--backend must be one of wasm, reference \(got "gpu"\)/);
    expect(err(parseTrainArgs(['--dataset', 'emnist']))).toMatch(/knows only "mnist".*--data-dir/);
  });

  it('--data-dir names the dataset after the folder; --backend reference', () => {
    const o = ok(parseTrainArgs(['--data-dir', '/tmp/my data/fashion-mnist/', '--backend', 'reference']));
    expect(o.dataDir).toBe('/tmp/my data/fashion-mnist/');
    expect(o.config.dataset).toBe('fashion-mnist');
    expect(o.backend).toBe('reference');
    expect(ok(parseTrainArgs(['--data-dir', './x y']))).toMatchObject({ config: { dataset: 'x_y' } });
  });

  it('--db names the database that records the run', () => {
    expect(ok(parseTrainArgs(['--epochs', '1'])).db).toBeNull();
    expect(ok(parseTrainArgs(['--db', '/tmp/x y/w.sqlite'])).db).toBe('/tmp/x y/w.sqlite');
    expect(ok(parseTrainArgs(['--db=/tmp/w.sqlite'])).db).toBe('/tmp/w.sqlite');
    expect(err(parseTrainArgs(['--db=']))).toBe('--db needs a file path.');
  });

  it('warns (without refusing) about flags that have no effect, and only about flags given', () => {
    expect(ok(parseTrainArgs(['--momentum', '0.5'])).warning).toBe('Momentum (SGD) 0.5 has no effect: applies to SGD only; the optimiser is Adam.');
    expect(ok(parseTrainArgs(['--optimizer', 'sgd', '--momentum', '0.5'])).warning).toBeNull();
    expect(ok(parseTrainArgs(['--init', 'he', '--init-std', '0.01'])).warning).toMatch(/^Init σ \(normal\) 0\.01 has no effect: applies to the 'normal' initialisation only; init is 'he'\.$/);
    // The preset's own values are not the user's choice: no warning for the SGD preset's default β₁.
    expect(ok(parseTrainArgs(['--preset', 'report-sgd'])).warning).toBeNull();
    expect(ok(parseTrainArgs([])).warning).toBeNull();
  });

  it('--help anywhere wins', () => {
    expect(parseTrainArgs(['--epochs', '0', '--help']).kind).toBe('help');
    expect(parseTrainArgs(['-h']).kind).toBe('help');
  });

  it('help lists every flag with its default and help text, and every preset', () => {
    const h = helpText();
    for (const key of CONFIG_KEYS) {
      const line = h.split('\n').find((l) => l.trimStart().startsWith(`--${kebab(key)} `));
      expect(line, key).toBeDefined();
      expect(line).toContain(`${FIELDS[key].label}: ${FIELDS[key].help}`);
      expect(line).toContain(`[default: ${DEFAULT_CONFIG[key]}]`);
    }
    for (const f of ['--preset', '--backend', '--data-dir', '--help']) expect(h).toContain(f);
    for (const p of PRESETS) expect(h).toContain(p.id);
    const [report, quick] = h.split('Presets for a quick check (not part of the report):');
    expect(quick).toMatch(/^\s+quick\s+Quick check: /);
    expect(report).not.toMatch(/^\s+quick\s/m);
  });

  it('never throws: random argument lists give a run, help or an error message', () => {
    const flagish = fc.oneof(
      fc.constantFrom(...CONFIG_KEYS.map((k) => `--${kebab(k)}`), '--preset', '--backend', '--data-dir', '--', '-x', '--=', '--help'),
      fc.string({ maxLength: 12 }),
      fc.double().map(String),
      fc.integer().map(String),
    );
    fc.assert(
      fc.property(fc.array(flagish, { maxLength: 8 }), (argv) => {
        const r = parseTrainArgs(argv);
        if (r.kind === 'error') expect(r.message.length).toBeGreaterThan(0);
        if (r.kind === 'run') expect(validateRunConfig(r.options.config).ok).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('--threads', () => {
  it('takes a thread count from 1 to 256 into the run config; 0 and other numbers are refused clearly', () => {
    const ok = parseTrainArgs(['--threads', '3']);
    expect(ok.kind === 'run' && ok.options.config.threads).toBe(3);
    const none = parseTrainArgs([]);
    expect(none.kind === 'run' && none.options.config.threads).toBe(0); // every core
    const zero = parseTrainArgs(['--threads', '0']);
    expect(zero).toEqual({ kind: 'error', message: '--threads must be at least 1 (leave it out to train on every core).' });
    for (const bad of ['-1', '257', '1.5', 'many']) {
      const r = parseTrainArgs(['--threads', bad]);
      expect(r.kind, bad).toBe('error');
      if (r.kind === 'error') expect(r.message, bad).toMatch(/--threads: Threads must (be a whole number|be between 0 and 256)|--threads needs a value|Flag --threads needs a value/);
    }
  });
});
