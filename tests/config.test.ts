import { describe, expect, it } from 'vitest';
import { changedSettings, CONFIG_KEYS, DEFAULT_CONFIG, FIELDS, ignoredSettingsNote, inapplicableSettings, autoRunName, presetsIn, slowStartHint, totalIterations, type RunConfig, learningRateAt, presetConfig, PRESETS, validateRunConfig } from '../src-shared/config';

describe('run config', () => {
  it('fills defaults and accepts the report preset', () => {
    const r = validateRunConfig({});
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toEqual(DEFAULT_CONFIG);
    for (const p of PRESETS) expect(validateRunConfig(presetConfig(p.id)).ok).toBe(true);
  });

  it('rejects unknown keys, wrong types and out-of-range values with field names', () => {
    const r = validateRunConfig({ lr: 1, batchSize: 0, optimizer: 'rmsprop', learningRate: Number.NaN });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const fields = r.errors.map((e) => e.field).sort();
      expect(fields).toEqual(['batchSize', 'learningRate', 'lr', 'optimizer']);
      expect(r.errors.find((e) => e.field === 'optimizer')!.message).toMatch(/adam, sgd/);
    }
    expect(validateRunConfig(null).ok).toBe(false);
    expect(validateRunConfig([1]).ok).toBe(false);
    expect(() => presetConfig('nope')).toThrow(/Unknown preset/);
  });

  it('words messages with the human label and keeps the field key', () => {
    const r = validateRunConfig({ batchSize: 0, learningRate: 0 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        { field: 'batchSize', message: 'Batch size must be between 1 and 4096 (got 0).' },
        { field: 'learningRate', message: 'Learning rate must be greater than 0 (got 0).' },
      ]);
    }
    for (const k of CONFIG_KEYS) {
      expect(FIELDS[k].label, k).toMatch(/^[A-Zβε]/);
      // A help text says more than its label does.
      expect(FIELDS[k].help.toLowerCase(), k).not.toBe(FIELDS[k].label.toLowerCase());
    }
  });

  it('knows which settings apply to which optimiser, initialisation and decay', () => {
    const keys = (c: Partial<RunConfig>) => inapplicableSettings({ ...DEFAULT_CONFIG, ...c }).map((s) => s.key).sort();
    expect(keys({ optimizer: 'adam' })).toEqual(['momentum']);
    expect(keys({ optimizer: 'sgd' })).toEqual(['beta1', 'beta2', 'epsilon']);
    expect(keys({ optimizer: 'sgd', init: 'he', decayFactor: 1 })).toEqual(['beta1', 'beta2', 'decayStart', 'epsilon', 'initStd']);
    const cfg = { ...DEFAULT_CONFIG, momentum: 0.5, init: 'xavier' as const, initStd: 0.1 };
    expect(ignoredSettingsNote(cfg, changedSettings(cfg))).toBe(
      "Momentum (SGD) 0.5 has no effect: applies to SGD only; the optimiser is Adam. Init σ (normal) 0.1 has no effect: applies to the 'normal' initialisation only; init is 'xavier'.",
    );
    expect(changedSettings(cfg)).toEqual(['momentum', 'init', 'initStd']);
    expect(ignoredSettingsNote({ ...DEFAULT_CONFIG }, changedSettings({ ...DEFAULT_CONFIG }))).toBeNull();
    expect(ignoredSettingsNote({ ...DEFAULT_CONFIG, optimizer: 'sgd', momentum: 0.5 }, ['optimizer', 'momentum'])).toBeNull();
  });

  it('keeps the quick check out of the report set, and off the report\'s centring', () => {
    expect(presetsIn('report').map((p) => p.id)).toEqual(['report', 'report-no-decay', 'report-sgd', 'report-batch50', 'report-batch100', 'report-batch500', 'report-bootstrap']);
    expect(presetsIn('quick').map((p) => p.id)).toEqual(['quick']);
    expect(PRESETS.map((p) => p.id)).toEqual([...presetsIn('report'), ...presetsIn('quick'), ...presetsIn('ablation')].map((p) => p.id));
    for (const p of presetsIn('report')) expect(presetConfig(p.id).normalization).toBe(presetConfig('report').normalization);
    expect(presetConfig('quick')).toEqual({ ...DEFAULT_CONFIG, init: 'he', normalization: 'standardize', trainSubset: 5000, epochs: 2, validationSize: 1000 });
  });

  it('makes every comparison of the report change one setting of Table 1, on the inferred base', () => {
    const table1 = presetConfig('report');
    expect(table1).toEqual({ ...DEFAULT_CONFIG, normalization: 'center', weightDecay: 1e-3, weightDecayStart: 1 });
    const changed = (id: string) => CONFIG_KEYS.filter((k) => presetConfig(id)[k] !== table1[k]);
    expect(Object.fromEntries(presetsIn('report').slice(1).map((p) => [p.id, changed(p.id)]))).toEqual({
      'report-no-decay': ['decayFactor'],
      'report-sgd': ['optimizer'],
      'report-batch50': ['batchSize'],
      'report-batch100': ['batchSize'],
      'report-batch500': ['batchSize'],
      'report-bootstrap': ['sampling'],
    });
    expect(presetConfig('report-sgd')).toMatchObject({ learningRate: 1e-3, momentum: 0 });
    // L2 after epoch 1 is the report presets' choice only: new runs start it at once, as before.
    expect(DEFAULT_CONFIG.weightDecayStart).toBe(0);
    expect(presetConfig('quick').weightDecayStart).toBe(0);
    expect(validateRunConfig({ weightDecayStart: 1.5 }).ok).toBe(false);
    expect(validateRunConfig({ weightDecayStart: -1 }).ok).toBe(false);
  });

  it('warns that a short run with a tiny normal init may stay near chance', () => {
    const small = { ...DEFAULT_CONFIG, trainSubset: 5000, epochs: 2 }; // 2 × 25 iterations
    expect(totalIterations(small, 60000)).toBe(50);
    expect(totalIterations({ ...DEFAULT_CONFIG, validationSize: 1000 }, 60000)).toBe(40 * 295);
    expect(totalIterations({ ...DEFAULT_CONFIG, trainSubset: 50000, epochs: 1 }, 10000)).toBe(Math.ceil(9000 / 200));
    expect(slowStartHint(small, 60000)).toMatch(/^This run has only 50 iterations: .*σ = 0\.001.*near chance.*He initialisation or the "Quick check" preset/);
    expect(slowStartHint({ ...small, init: 'he' }, 60000)).toBeNull();
    expect(slowStartHint({ ...small, initStd: 0.05 }, 60000)).toBeNull();
    expect(slowStartHint({ ...small, epochs: 20 }, 60000)).toBeNull(); // 500 iterations
    expect(slowStartHint({ ...small, epochs: 19 }, 60000)).not.toBeNull();
    expect(slowStartHint(presetConfig('report'), 60000)).toBeNull();
    expect(slowStartHint(presetConfig('quick'), 60000)).toBeNull();
  });

  it('auto-names runs so that different configs get different names', () => {
    expect(autoRunName(presetConfig('report'))).toBe('The report (Table 1)');
    expect(autoRunName({ ...presetConfig('report-sgd'), seed: 7 })).toBe('SGD instead of Adam');
    expect(autoRunName(presetConfig('quick'))).toBe('Quick check');
    expect(autoRunName({ ...DEFAULT_CONFIG, epochs: 2 })).toBe('Adam lr 0.001, batch 200, 2 epochs');
    expect(autoRunName({ ...presetConfig('report'), epochs: 2 })).toBe('Adam lr 0.001, batch 200, 2 epochs, centred');
    expect(autoRunName({ ...presetConfig('quick'), epochs: 1 })).toBe('Adam lr 0.001, batch 200, 1 epoch, He init, 5,000 images');
    expect(autoRunName({ ...DEFAULT_CONFIG, optimizer: 'sgd', learningRate: 0.0123456, normalization: 'scale01', initStd: 0.01 })).toBe(
      'SGD lr 0.0123, batch 200, 40 epochs, [0,1] inputs, init σ 0.01',
    );
    expect(autoRunName({ ...presetConfig('lenet1998'), epochs: 2 })).toBe('Adam lr 0.001, batch 200, 2 epochs, centred, LeNet-5 1998');
    expect(autoRunName({ ...presetConfig('ablation-tanh'), seed: 3 })).toBe("Original activation (LeCun's tanh)");
    expect(autoRunName({ ...DEFAULT_CONFIG, epochs: 2, activation: 'sigmoid', pooling: 'average', output: 'rbf' })).toBe('Adam lr 0.001, batch 200, 2 epochs, sigmoid, average pooling, RBF output');
    // The report and the defaults differ (centred vs standardised inputs), and so do their names.
    expect(autoRunName({ ...DEFAULT_CONFIG })).not.toBe(autoRunName(presetConfig('report')));
  });

  it('the ablation set: LeCun\'s 1998 network and the report with exactly one switch undone each', () => {
    expect(presetsIn('ablation').map((p) => p.id)).toEqual(['lenet1998', 'ablation-tanh', 'ablation-subsampling', 'ablation-lecun-c3', 'ablation-rbf']);
    const report = presetConfig('report');
    expect(presetConfig('lenet1998')).toEqual({ ...report, activation: 'tanh', pooling: 'subsampling', c3Connections: 'lecun', output: 'rbf' });
    for (const id of ['ablation-tanh', 'ablation-subsampling', 'ablation-lecun-c3', 'ablation-rbf']) {
      const c = presetConfig(id);
      expect(changedSettings(c, report), id).toHaveLength(1);
      expect(['activation', 'pooling', 'c3Connections', 'output']).toContain(changedSettings(c, report)[0]);
    }
    // "Reproduce the report" stays the report's runs only.
    expect(presetsIn('report').every((p) => presetConfig(p.id).activation === 'relu' && presetConfig(p.id).output === 'softmax')).toBe(true);
  });

  it('validates the architecture settings like the others', () => {
    expect(validateRunConfig({ activation: 'tanh', pooling: 'average', c3Connections: 'lecun', output: 'rbf' })).toMatchObject({ ok: true, value: { activation: 'tanh', pooling: 'average', c3Connections: 'lecun', output: 'rbf' } });
    const bad = validateRunConfig({ activation: 'gelu', pooling: 'median', c3Connections: 'sparse', output: 'svm' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors).toEqual([
        { field: 'activation', message: 'Activation must be one of relu, tanh, sigmoid (got "gelu").' },
        { field: 'pooling', message: 'Pooling must be one of max, average, subsampling (got "median").' },
        { field: 'c3Connections', message: 'C3 connections must be one of full, lecun (got "sparse").' },
        { field: 'output', message: 'Output layer must be one of softmax, rbf (got "svm").' },
      ]);
    }
    expect(DEFAULT_CONFIG).toMatchObject({ activation: 'relu', pooling: 'max', c3Connections: 'full', output: 'softmax' });
  });

  it('decays the learning rate after the start epoch', () => {
    const cfg = { learningRate: 1e-3, decayStart: 10, decayFactor: 0.8 };
    expect(learningRateAt(cfg, 1)).toBe(1e-3);
    expect(learningRateAt(cfg, 10)).toBe(1e-3);
    expect(learningRateAt(cfg, 11)).toBeCloseTo(0.8e-3, 12);
    expect(learningRateAt(cfg, 12)).toBeCloseTo(0.64e-3, 12);
  });
});
