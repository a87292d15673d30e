// Every Store method is a parser of untrusted input (the API passes caller data through): fed
// arbitrary values it must either succeed or throw StoreError — never a TypeError, a SqliteError
// or a half-written transaction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src-main/store/errors';
import type { Store } from '../../src-main/store/types';
import { checkpoint, losses, metrics, snapshot, storeWithRunningRun, trainEpochs } from './helpers';

function setup(): { s: Store; runId: number; cp: number; ev: number } {
  const { store: s, runId } = storeWithRunningRun({}, { epochs: 5 });
  const [cp] = trainEpochs(s, runId, 1, 1, 3);
  const confusion = new Int32Array(100);
  confusion[0] = 2;
  const ev = s.recordEvaluation({
    checkpointId: cp, split: 'test', count: 2, accuracy: 1, loss: 0.1, confusion,
    predictions: { labels: new Uint8Array(2), predicted: new Uint8Array(2), probabilities: new Float32Array(20).fill(0.1) },
  }).id;
  return { s, runId, cp, ev };
}

/** The database digest as of the last call (recomputed only after a call that succeeded). */
const last = new Map<Store, string>();

/** Runs fn; a throw must be a StoreError and leave the database as it was. */
function onlyCleanErrors(s: Store, fn: () => unknown): void {
  const before = last.get(s) ?? snapshot(s.path);
  try {
    fn();
    last.delete(s);
  } catch (e) {
    if (!(e instanceof StoreError)) throw new Error(`Expected a StoreError, got ${String(e)}`);
    expect(e.message.length).toBeGreaterThan(10);
    expect(snapshot(s.path)).toBe(before);
    last.set(s, before);
  }
}

const junk = fc.anything({ withTypedArray: true, withNullPrototype: true, withBigInt: true, maxDepth: 2 });
const smallInt = fc.oneof(fc.integer({ min: -3, max: 12 }), junk);
const numberish = fc.oneof(fc.double(), fc.integer(), junk);

describe('store methods fed arbitrary input', () => {
  it('run methods', () => {
    const { s, runId, cp } = setup();
    // A valid new run with one field replaced: each check is reached, not just the first.
    const valid = { name: 'ok', config: { epochs: 2 }, appVersion: '1', engineVersion: 'e', tags: ['a'], notes: '' };
    const fieldValue = fc.oneof(
      junk,
      fc.string(),
      fc.array(fc.oneof(fc.string(), junk), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('epochs', 'seed', 'batchSize', 'dataset', 'x', 'runId', 'checkpointId'), fc.oneof(numberish, fc.constant(cp))),
    );
    fc.assert(
      fc.property(fc.constantFrom('name', 'config', 'appVersion', 'engineVersion', 'tags', 'notes', 'forkedFrom'), fieldValue, (field, value) => {
        onlyCleanErrors(s, () => s.createRun({ ...valid, [field]: value } as never));
        onlyCleanErrors(s, () => s.createRuns([valid, { ...valid, [field]: value }] as never));
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.constant(runId), smallInt), junk, fc.oneof(fc.array(fc.oneof(fc.string(), junk)), junk), (id, text, tags) => {
        onlyCleanErrors(s, () => s.renameRun(id as never, text as never));
        onlyCleanErrors(s, () => s.setRunTags(id as never, tags as never));
        onlyCleanErrors(s, () => s.setRunNotes(id as never, text as never));
        onlyCleanErrors(s, () => s.setRunStatus(id as never, text as never, tags as never));
        onlyCleanErrors(s, () => s.resumeRun(id as never, cp));
        onlyCleanErrors(s, () => s.heartbeat(id as never));
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(fc.record({ status: junk, tag: fc.oneof(fc.string(), junk), text: fc.oneof(fc.string(), junk), sort: fc.oneof(fc.constantFrom('name', 'testAccuracy'), junk), order: fc.oneof(fc.constantFrom('asc', 'desc'), junk), offset: smallInt, limit: smallInt }, { requiredKeys: [] }), (q) => {
        onlyCleanErrors(s, () => s.listRuns(q as never));
      }),
      { numRuns: 80 },
    );
    expect(s.getRun(runId).status).toBe('running');
  });

  it('series and evaluation methods', () => {
    const { s, runId, cp, ev } = setup();
    const lossItem = fc.oneof(fc.record({ iteration: fc.oneof(fc.integer({ min: 1, max: 8 }), junk), epoch: smallInt, loss: numberish }), junk);
    fc.assert(
      fc.property(fc.oneof(fc.array(lossItem, { maxLength: 4 }), junk), (items) => {
        onlyCleanErrors(s, () => s.appendIterationLosses(runId, items as never));
      }),
      { numRuns: 80 },
    );
    // Valid records with one field replaced, so every check is reached.
    const value = fc.oneof(junk, numberish, smallInt, fc.uint8Array({ maxLength: 4 }), fc.array(lossItem, { maxLength: 2 }));
    const metricKeys = ['epoch', 'trainAccuracy', 'trainLoss', 'valAccuracy', 'valLoss', 'learningRate', 'meanIterationLoss', 'durationMs', 'imagesPerSecond'] as const;
    const targets: [string, string | null][] = [
      ...metricKeys.map((k): [string, string] => ['metrics', k]),
      ...['epoch', 'iteration', 'formatVersion', 'data'].map((k): [string, string] => ['checkpoint', k]),
      ...['iteration', 'epoch', 'loss'].map((k): [string, string] => ['losses', k]),
      ['metrics', null], ['checkpoint', null], ['losses', null],
    ];
    for (const [part, key] of targets) {
      fc.assert(
        fc.property(value, (v) => {
          const rec: Record<string, unknown> = { metrics: { ...metrics(2) }, losses: losses(4, 3, 2), checkpoint: { ...checkpoint(2, 6) } };
          if (key === null) rec[part] = v;
          else if (part === 'losses') (rec.losses as Record<string, unknown>[])[1][key] = v;
          else (rec[part] as Record<string, unknown>)[key] = v;
          onlyCleanErrors(s, () => s.recordEpoch(runId, rec as never));
          if (part !== 'metrics') onlyCleanErrors(s, () => s.recordCheckpoint(runId, { ...checkpoint(1, 3), ...(part === 'checkpoint' && key ? { [key]: v } : {}) } as never, part === 'losses' ? (rec.losses as never) : undefined));
        }),
        { numRuns: 12 },
      );
    }
    for (const key of ['checkpointId', 'split', 'count', 'accuracy', 'loss', 'confusion', 'predictions', 'labels', 'predicted', 'probabilities']) {
    fc.assert(
      fc.property(fc.oneof(value, fc.int32Array({ maxLength: 101 }), fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 100, maxLength: 100 })), (v) => {
        const confusion = new Int32Array(100);
        confusion[0] = 2;
        const e: Record<string, unknown> = {
          checkpointId: cp, split: 'test', count: 2, accuracy: 1, loss: 0.1, confusion,
          predictions: { labels: new Uint8Array(2), predicted: new Uint8Array(2), probabilities: new Float32Array(20).fill(0.1) },
        };
        if (key === 'labels' || key === 'predicted' || key === 'probabilities') (e.predictions as Record<string, unknown>)[key] = v;
        else e[key] = v;
        onlyCleanErrors(s, () => s.recordEvaluation(e as never));
      }),
      { numRuns: 12 },
    );
    }
    fc.assert(
      fc.property(fc.oneof(fc.constant(ev), smallInt), fc.oneof(fc.record({ label: smallInt, predicted: smallInt, correct: junk, order: junk, offset: smallInt, limit: smallInt }, { requiredKeys: [] }), junk), (id, q) => {
        onlyCleanErrors(s, () => s.listPredictions(id as never, q as never));
        onlyCleanErrors(s, () => s.misclassifiedIndices(id as never));
        onlyCleanErrors(s, () => s.loadCheckpoint(id as never));
        onlyCleanErrors(s, () => s.getMetricsOfRuns(q as never));
      }),
      { numRuns: 80 },
    );
    expect(s.integrityCheck()).toEqual(['ok']);
  });
});
