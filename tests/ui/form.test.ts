import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CONFIG, PRESETS, presetConfig, type RunConfig } from '../../src-shared/config';
import { matchingPreset, parseForm, parseNumberText, textsOf } from '../../src-shared/ui/form';

describe('new-run form parsing', () => {
  it('the default config round-trips through the texts', () => {
    const r = parseForm(textsOf({ ...DEFAULT_CONFIG }));
    expect(r.errors).toEqual({});
    expect(r.config).toEqual(DEFAULT_CONFIG);
  });

  it('accepts human number forms', () => {
    expect(parseNumberText(' 1e-3 ')).toBe(0.001);
    expect(parseNumberText('1_000')).toBe(1000);
    expect(parseNumberText('.5')).toBe(0.5);
    expect(parseNumberText('')).toBeNull();
    expect(parseNumberText('0x10')).toBeNull();
    expect(parseNumberText('1,5')).toBeNull();
    expect(parseNumberText('Infinity')).toBeNull();
    expect(parseNumberText('1e999')).toBeNull();
  });

  it('shows the shared validation message on the field', () => {
    const t = textsOf({ ...DEFAULT_CONFIG });
    t.learningRate = '0';
    t.batchSize = 'abc';
    t.epochs = '';
    t.optimizer = 'rmsprop';
    const r = parseForm(t);
    expect(r.config).toBeNull();
    expect(r.errors.learningRate).toBe('Learning rate must be greater than 0 (got 0).');
    expect(r.errors.batchSize).toMatch(/^Batch size must be a number/);
    expect(r.errors.epochs).toBe('Epochs is required.');
    expect(r.errors.optimizer).toMatch(/^Optimiser must be one of adam, sgd/);
  });

  it('reports cross-field problems on the field concerned', () => {
    const t = textsOf({ ...DEFAULT_CONFIG, trainSubset: 100 });
    t.batchSize = '200';
    const r = parseForm(t);
    expect(r.config).toBeNull();
    expect(r.errors.batchSize).toMatch(/^Batch size \(200\) is larger than the training subset \(100 images\)/);
  });

  it('never throws and never accepts an invalid config, whatever is typed', () => {
    const keys = Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.string({ maxLength: 20 }), (k, text) => {
        const t = textsOf({ ...DEFAULT_CONFIG });
        t[k] = text;
        const r = parseForm(t);
        if (r.config) expect(Object.keys(r.errors)).toEqual([]);
        else expect(r.errors[k]).toBeTypeOf('string');
      }),
    );
  });
});

describe('matchingPreset', () => {
  it('names the preset a config equals, and nothing for the defaults (which are not the report: standardize vs center)', () => {
    for (const p of PRESETS) expect(matchingPreset(parseForm(textsOf(presetConfig(p.id))).config)).toBe(p.id);
    expect(matchingPreset({ ...DEFAULT_CONFIG })).toBeNull();
    expect(matchingPreset({ ...presetConfig('report'), epochs: 2 })).toBeNull();
    expect(matchingPreset(null)).toBeNull();
  });
});
