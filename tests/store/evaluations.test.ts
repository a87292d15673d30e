import { describe, expect, it } from 'vitest';
import type { EvaluationInput, Store } from '../../src-main/store/types';
import { expectStoreError, raw, snapshot, storeWithRunningRun, trainEpochs } from './helpers';

/** A deterministic fake evaluation of n images: label i % 10, mostly right, some 4→9 and 3→5 mistakes. */
function fakeEvaluation(checkpointId: number, n: number): EvaluationInput {
  const labels = new Uint8Array(n);
  const predicted = new Uint8Array(n);
  const probabilities = new Float32Array(n * 10);
  const confusion = new Int32Array(100);
  for (let i = 0; i < n; i++) {
    const l = i % 10;
    let p = l;
    if (l === 4 && i % 7 === 0) p = 9;
    if (l === 3 && i % 13 === 0) p = 5;
    labels[i] = l;
    predicted[i] = p;
    const conf = 0.3 + ((i * 7919) % 1000) / 1500; // 0.3 … 0.966, distinct enough
    for (let k = 0; k < 10; k++) probabilities[i * 10 + k] = k === p ? conf : (1 - conf) / 9;
    confusion[l * 10 + p]++;
  }
  let trace = 0;
  for (let k = 0; k < 10; k++) trace += confusion[k * 11];
  return { checkpointId, split: 'test', count: n, accuracy: trace / n, loss: 0.05, confusion, predictions: { labels, predicted, probabilities } };
}

function setup(): { s: Store; runId: number; cp: number } {
  const { store: s, runId } = storeWithRunningRun();
  const [cp] = trainEpochs(s, runId, 1, 1, 3);
  return { s, runId, cp };
}

describe('evaluations and predictions', () => {
  it('records 10,000 predictions in one transaction and reads them back exactly', () => {
    const { s, runId, cp } = setup();
    const input = fakeEvaluation(cp, 10_000);
    const ev = s.recordEvaluation(input);
    expect(ev).toMatchObject({ runId, checkpointId: cp, split: 'test', count: 10_000, accuracy: input.accuracy, loss: 0.05, predictionCount: 10_000 });
    expect(Array.from(ev.confusion)).toEqual(Array.from(input.confusion as Int32Array));
    expect(s.getEvaluation(ev.id)).toEqual(ev);
    expect(s.listEvaluations(runId)).toEqual([ev]);
    expect(s.getRun(runId).testAccuracy).toBe(input.accuracy);
    const all = s.listPredictions(ev.id, { limit: 10_000 });
    expect(all.total).toBe(10_000);
    const byIndex = [...all.items].sort((a, b) => a.imageIndex - b.imageIndex);
    for (const i of [0, 1, 4, 1234, 9999]) {
      const p = byIndex[i];
      expect(p.imageIndex).toBe(i);
      expect(p.label).toBe(input.predictions!.labels[i]);
      expect(p.predicted).toBe(input.predictions!.predicted[i]);
      expect(Array.from(p.probabilities)).toEqual(Array.from(input.predictions!.probabilities.subarray(i * 10, i * 10 + 10)));
      expect(p.confidence).toBe(input.predictions!.probabilities[i * 10 + p.predicted]);
    }
  });

  it('queries by true class, predicted class and correctness, sorted by confidence, paged', () => {
    const { s, cp } = setup();
    const input = fakeEvaluation(cp, 2_000);
    const ev = s.recordEvaluation(input);
    const { labels, predicted } = input.predictions!;
    const expected49 = [...Array(2000).keys()].filter((i) => labels[i] === 4 && predicted[i] === 9);
    const q = s.listPredictions(ev.id, { label: 4, predicted: 9, limit: 1000 });
    expect(q.total).toBe(expected49.length);
    expect(q.items.map((p) => p.imageIndex).sort((a, b) => a - b)).toEqual(expected49);
    const confs = q.items.map((p) => p.confidence);
    expect(confs).toEqual([...confs].sort((a, b) => b - a)); // most confident first

    const wrong = [...Array(2000).keys()].filter((i) => labels[i] !== predicted[i]);
    expect(Array.from(s.misclassifiedIndices(ev.id))).toEqual(wrong);
    const wrongAsc = s.listPredictions(ev.id, { correct: false, order: 'asc', limit: 1000 });
    expect(wrongAsc.total).toBe(wrong.length);
    const ascConfs = wrongAsc.items.map((p) => p.confidence);
    expect(ascConfs).toEqual([...ascConfs].sort((a, b) => a - b));
    expect(s.listPredictions(ev.id, { correct: true }).total).toBe(2000 - wrong.length);
    expect(s.listPredictions(ev.id, { predicted: 5 }).total).toBe(200 + [...Array(2000).keys()].filter((i) => labels[i] === 3 && predicted[i] === 5).length);

    // paging walks the same order without gaps or repeats
    const pages = [0, 1, 2, 3].map((k) => s.listPredictions(ev.id, { label: 7, limit: 60, offset: k * 60 }));
    expect(pages.map((p) => p.items.length)).toEqual([60, 60, 60, 20]);
    const walked = pages.flatMap((p) => p.items.map((x) => x.imageIndex));
    expect(walked).toEqual(s.listPredictions(ev.id, { label: 7, limit: 1000 }).items.map((x) => x.imageIndex));
    expect(new Set(walked).size).toBe(200);
  });

  it('rejects bad queries clearly', () => {
    const { s, cp } = setup();
    const ev = s.recordEvaluation(fakeEvaluation(cp, 20));
    expectStoreError(() => s.listPredictions(999), 'not_found', /No evaluation with id 999/);
    expectStoreError(() => s.listPredictions(ev.id, { label: 10 }), 'invalid', /label must be between 0 and 9/);
    expectStoreError(() => s.listPredictions(ev.id, { predicted: -1 }), 'invalid', /predicted must be between 0 and 9/);
    expectStoreError(() => s.listPredictions(ev.id, { correct: 'no' as never }), 'invalid', /correct must be true or false/);
    expectStoreError(() => s.listPredictions(ev.id, { order: 'random' as never }), 'invalid', /order must be asc or desc/);
    expectStoreError(() => s.listPredictions(ev.id, { limit: 10_001 }), 'invalid', /limit must be between 1 and 10000/);
    expectStoreError(() => s.misclassifiedIndices(0), 'invalid', /evaluation id/);
    expectStoreError(() => s.getEvaluation(5), 'not_found', /No evaluation with id 5/);
    expectStoreError(() => s.listEvaluations(55), 'not_found', /No run with id 55/);
  });

  it('rejects inconsistent evaluations and stores nothing of them', () => {
    const { s, cp } = setup();
    const before = snapshot(s.path);
    const good = fakeEvaluation(cp, 50);
    const bad: [Partial<EvaluationInput> | ((e: EvaluationInput) => void), string, RegExp][] = [
      [{ checkpointId: 999 }, 'not_found', /No checkpoint with id 999/],
      [{ split: 'dev' as never }, 'invalid', /split must be one of train, validation, test/],
      [{ count: 0 }, 'invalid', /count must be between 1/],
      [{ accuracy: 0.1 }, 'invalid', /accuracy 0.1 does not match the confusion matrix/],
      [{ accuracy: NaN }, 'invalid', /accuracy must be a finite number/],
      [{ confusion: new Int32Array(99) }, 'invalid', /confusion must hold 100 counts/],
      [{ confusion: 'x' as never }, 'invalid', /confusion must be an Int32Array/],
      [(e) => { (e.confusion as Int32Array)[0]++; }, 'invalid', /confusion counts sum to 51, but count is 50/],
      [(e) => { (e.confusion as Int32Array)[0]--; (e.confusion as Int32Array)[1]++; e.accuracy -= 1 / 50; }, 'invalid', /disagree with the confusion matrix at true 0, predicted 0/],
      [(e) => { e.predictions!.labels = new Uint8Array(49); }, 'invalid', /labels must be a Uint8Array of 50 labels/],
      [(e) => { e.predictions!.probabilities = new Float32Array(10); }, 'invalid', /probabilities must be a Float32Array of 50 × 10/],
      [(e) => { e.predictions!.predicted[3] = 12; }, 'invalid', /prediction 3 has label 3 and predicted 12/],
    ];
    for (const [change, code, msg] of bad) {
      const e = fakeEvaluation(cp, 50);
      if (typeof change === 'function') change(e);
      else Object.assign(e, change);
      expectStoreError(() => s.recordEvaluation(e), code, msg);
    }
    expect(snapshot(s.path)).toBe(before);
    expect(s.recordEvaluation(good).predictionCount).toBe(50);
  });

  it('a NaN loss and NaN probabilities (a diverged model) read back as NaN', () => {
    const { s, cp } = setup();
    const e = fakeEvaluation(cp, 10);
    e.loss = NaN;
    e.predictions!.probabilities.fill(NaN, 20, 30); // image 2
    const ev = s.recordEvaluation(e);
    expect(ev.loss).toBeNaN();
    expect(s.getEvaluation(ev.id).loss).toBeNaN();
    const items = s.listPredictions(ev.id, { order: 'desc' }).items;
    expect(items[items.length - 1].imageIndex).toBe(2); // NaN confidence sorts last
    expect(items[items.length - 1].confidence).toBeNaN();
    expect(Array.from(items[items.length - 1].probabilities).every(Number.isNaN)).toBe(true);
    expect(s.listPredictions(ev.id, { order: 'asc' }).items.at(-1)!.imageIndex).toBe(2);
  });

  it('an evaluation without predictions, and the latest test evaluation sets the run test accuracy', () => {
    const { s, runId, cp } = setup();
    const e = fakeEvaluation(cp, 30);
    delete e.predictions;
    const ev = s.recordEvaluation({ ...e, split: 'validation' });
    expect(ev.predictionCount).toBe(0);
    expect(s.listPredictions(ev.id).total).toBe(0);
    expect(s.getRun(runId).testAccuracy).toBeNull();
    s.recordEvaluation(e);
    expect(s.getRun(runId).testAccuracy).toBe(e.accuracy);
    expect(s.listRuns({ sort: 'testAccuracy' }).runs[0].id).toBe(runId);
  });

  it('a failure half-way through the predictions rolls back the evaluation and every prediction', () => {
    const { s, runId, cp } = setup();
    const db = raw(s.path);
    db.exec(`CREATE TRIGGER stop_at_5000 BEFORE INSERT ON predictions WHEN NEW.image_index = 5000 BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    db.close();
    const before = snapshot(s.path);
    expect(() => s.recordEvaluation(fakeEvaluation(cp, 10_000))).toThrow(/disk full/);
    expect(snapshot(s.path)).toBe(before);
    expect(s.listEvaluations(runId)).toEqual([]);
    expect(s.getRun(runId).testAccuracy).toBeNull();
  });
});
