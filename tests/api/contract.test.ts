import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError, contract, EVENT_NAMES, MAX_SWEEP_RUNS, METHOD_NAMES, parseListRuns, sweepConfigs } from '../../src-shared/contract';
import { DEFAULT_CONFIG } from '../../src-shared/config';

function rejects(name: keyof typeof contract, input: unknown, message: RegExp): void {
  let err: unknown;
  try {
    contract[name].parse(input);
  } catch (e) {
    err = e;
  }
  expect(err, `${name}(${JSON.stringify(input)}) should be rejected`).toBeInstanceOf(ApiError);
  expect((err as Error).message).toMatch(message);
}

describe('contract parsers', () => {
  it('names every method once, with a description, and every event', () => {
    expect(new Set(METHOD_NAMES).size).toBe(METHOD_NAMES.length);
    for (const m of METHOD_NAMES) expect(contract[m].description.length).toBeGreaterThan(10);
    expect([...EVENT_NAMES].sort()).toEqual(['queueStatus', 'runChanged', 'runEpoch', 'runProgress', 'runStatus']);
  });

  it('accepts good input and fills defaults', () => {
    expect(contract.createRun.parse({ config: { epochs: 2 }, name: '  quick ', tags: ['a'] })).toEqual({
      config: { ...DEFAULT_CONFIG, epochs: 2 },
      name: 'quick',
      tags: ['a'],
    });
    expect(parseListRuns(undefined)).toEqual({ archived: 'exclude', sort: 'createdAt', order: 'desc', offset: 0, limit: 100 });
    expect(parseListRuns({ status: 'running', tag: 'x', text: 'lr', archived: 'only', sort: 'name', order: 'asc', offset: 5, limit: 10 })).toEqual({
      status: ['running'], tag: 'x', text: 'lr', archived: 'only', sort: 'name', order: 'asc', offset: 5, limit: 10,
    });
    expect(contract.createSweep.parse({ grid: { seed: [1, 2], batchSize: [50] } }).grid).toEqual([
      { setting: 'seed', values: [1, 2] },
      { setting: 'batchSize', values: [50] },
    ]);
    expect(contract.importDataset.parse({ folder: '/d', name: 'F', classNames: [' a', 'b ', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] })).toEqual({
      folder: '/d', name: 'F', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    });
    expect(contract.setArchived.parse({ id: 3, archived: false })).toEqual({ id: 3, archived: false });
    expect(contract.listPredictions.parse({ evaluationId: 3, label: 4, predicted: 9, correct: false, sort: 'confidence-asc' })).toEqual({
      evaluationId: 3, label: 4, predicted: 9, correct: false, sort: 'confidence-asc', offset: 0, limit: 100,
    });
    expect(contract.listPredictions.parse({ evaluationId: 3 })).toEqual({
      evaluationId: 3, sort: 'confidence-desc', offset: 0, limit: 100,
    });
    expect(contract.getEvaluation.parse({ runId: 2 })).toEqual({ runId: 2 });
    expect(contract.exportRun.parse({ id: 1 })).toEqual({ id: 1, format: 'json' });
    expect(contract.resumeRun.parse({ id: 1, checkpointId: 4 })).toEqual({ id: 1, checkpointId: 4 });
  });

  it('expands a sweep grid in order and validates every combination', () => {
    const runs = sweepConfigs({ base: { epochs: 1 }, grid: { batchSize: [100, 200], optimizer: ['adam', 'sgd'] } });
    expect(runs.map((r) => [r.config.batchSize, r.config.optimizer, r.config.epochs])).toEqual([
      [100, 'adam', 1], [100, 'sgd', 1], [200, 'adam', 1], [200, 'sgd', 1],
    ]);
    rejects('createSweep', { grid: { batchSize: Array.from({ length: 11 }, (_, i) => i + 1), learningRate: Array.from({ length: 10 }, (_, i) => (i + 1) / 100) } }, new RegExp(`110 runs.*at most ${MAX_SWEEP_RUNS}`));
    rejects('createSweep', { grid: { batchSize: [100, 0] } }, /combination.*batchSize/);
    rejects('createSweep', { grid: { lr: [1] } }, /unknown setting "lr"/);
    rejects('createSweep', { grid: { batchSize: [] } }, /non-empty/);
    rejects('createSweep', { grid: { batchSize: [1, 1] } }, /twice/);
    rejects('createSweep', { grid: {} }, /at least one/);
    rejects('createSweep', { grid: [1] }, /grid must be an object/);
  });

  it('rejects unknown keys, wrong types and out-of-range values with clear messages', () => {
    rejects('createRun', {}, /config is required/);
    rejects('createRun', { config: { epochs: 0 } }, /Epochs must be between 1 and 1000/);
    rejects('createRun', { config: {}, colour: 'red' }, /Unknown parameter "colour"/);
    rejects('createRun', { config: {}, name: '   ' }, /name must not be empty/);
    rejects('createRun', { config: {}, name: 'a\u0007b' }, /control characters/);
    rejects('listRuns', { status: 'running!' }, /status must be one of/);
    rejects('listRuns', { limit: 5000 }, /limit must be between 1 and 1000/);
    rejects('listRuns', { sort: 'speed' }, /sort must be one of/);
    rejects('listRuns', 'all', /params must be an object/);
    rejects('getRun', { id: 0 }, /id must be between 1/);
    rejects('getRun', { id: '1' }, /id must be a whole number/);
    rejects('getRun', {}, /id must be a whole number/);
    rejects('setTags', { id: 1, tags: ['a', 'a'] }, /listed twice/);
    rejects('setTags', { id: 1, tags: ['<script>'] }, /may hold only/);
    rejects('setTags', { id: 1, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /At most 20 tags/);
    rejects('setNotes', { id: 1, notes: 'x'.repeat(20_001) }, /too long/);
    rejects('getMetrics', { runIds: [] }, /between 1 and 20 entries/);
    rejects('getMetrics', { runIds: [1, 1] }, /twice/);
    rejects('getMetrics', { runIds: [1.5] }, /whole numbers/);
    rejects('getEvaluation', {}, /Give id/);
    rejects('getEvaluation', { id: 1, runId: 1 }, /not both/);
    rejects('listPredictions', { evaluationId: 1, label: 10 }, /label must be between 0 and 9/);
    rejects('listPredictions', { evaluationId: 1, correct: 'yes' }, /correct must be true or false/);
    rejects('getImages', { dataset: '../etc', split: 'test', indices: [1] }, /dataset must be a dataset id/);
    rejects('getImages', { dataset: 'mnist', split: 'validation', indices: [1] }, /split must be one of train, test/);
    rejects('getImages', { dataset: 'mnist', split: 'test', indices: Array.from({ length: 1001 }, (_, i) => i) }, /between 1 and 1000 entries/);
    rejects('importDataset', { folder: '', name: 'x' }, /folder must not be empty/);
    rejects('importDataset', { folder: '/tmp/a\0b', name: 'x' }, /NUL/);
    rejects('compareRuns', { runIds: [1] }, /between 2 and 8/);
    rejects('exportRun', { id: 1, format: 'xml' }, /format must be one of json, csv/);
    rejects('listDatasets', { x: 1 }, /takes no parameters/);
    rejects('presetConfig', { id: 'nope' }, /Unknown preset/);
  });

  it('every parser, fed arbitrary values, returns or throws ApiError — never anything else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...METHOD_NAMES), fc.anything({ withObjectString: true, withNullPrototype: true }), (name, input) => {
        try {
          contract[name].parse(input);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
    // Objects with the right keys and random values.
    const keyed = fc.record({ id: fc.anything(), runId: fc.anything(), runIds: fc.anything(), evaluationId: fc.anything(), tags: fc.anything(), grid: fc.anything(), config: fc.anything() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.constantFrom(...METHOD_NAMES), keyed, (name, input) => {
        try {
          contract[name].parse(input);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
