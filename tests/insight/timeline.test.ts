// The evaluation timeline transforms on small hand-made histories.
import { describe, expect, it } from 'vitest';
import {
  confusionAt, confusionDelta, confusionDeltaAt, confusionFromPredictions, flips, flipsBetweenEpochs, imageHistory,
  learnedAt, packPredictions, perClassCurves, predictionsAt, type EpochConfusion,
} from '../../src-shared/insight/timeline';

const labels = Uint8Array.from([0, 1, 2, 8, 8, 9]);
// Epoch 1: everything predicted 1; epoch 2: the 8s still wrong; epoch 3: all right but image 5.
const p1 = Uint8Array.from([1, 1, 1, 1, 1, 1]);
const p2 = Uint8Array.from([0, 1, 2, 3, 5, 9]);
const p3 = Uint8Array.from([0, 1, 2, 8, 8, 4]);
const timeline: EpochConfusion[] = [
  { epoch: 3, confusion: confusionFromPredictions(labels, p3) },
  { epoch: 1, confusion: confusionFromPredictions(labels, p1) },
  { epoch: 2, confusion: confusionFromPredictions(labels, p2) },
];

describe('per-class curves', () => {
  it('gives precision and recall per class per epoch, epochs ascending', () => {
    const curves = perClassCurves(timeline);
    expect(curves).toHaveLength(10);
    const eight = curves[8];
    expect(eight.epochs).toEqual([1, 2, 3]);
    expect(eight.recall).toEqual([0, 0, 1]);
    expect(eight.precision).toEqual([null, null, 1]); // nothing predicted as 8 before epoch 3
    expect(curves[1].precision[0]).toBeCloseTo(1 / 6, 12);
    expect(curves[3].recall).toEqual([null, null, null]); // no 3s among the images
    expect(learnedAt(eight, 0.9)).toBe(3);
    expect(learnedAt(curves[9], 0.9)).toBeNull(); // right at epoch 2, wrong again at 3
    expect(learnedAt(curves[0], 1)).toBe(2);
  });

  it('uses the dataset\'s class names and refuses duplicates', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    expect(perClassCurves(timeline, names)[8].name).toBe('i');
    expect(() => perClassCurves(timeline, ['a'])).toThrow(/10 class names/);
    expect(() => perClassCurves([...timeline, timeline[0]])).toThrow(/Epoch 3 is recorded twice/);
  });
});

describe('confusion scrubber and delta', () => {
  it('finds an epoch\'s matrix or says it was not recorded', () => {
    expect(confusionAt(timeline, 2)).toBe(timeline[2].confusion);
    expect(confusionAt(timeline, 7)).toBeNull();
  });

  it('computes A − B in counts and in row rates, and the net change in correct images', () => {
    const a = confusionFromPredictions(labels, p3), b = confusionFromPredictions(labels, p2);
    const d = confusionDelta(a, b);
    expect(d.delta[8 * 10 + 8]).toBe(2);
    expect(d.delta[8 * 10 + 3]).toBe(-1);
    expect(d.netCorrect).toBe(1); // +2 eights, −1 nine
    expect(d.rateDelta[8 * 10 + 8]).toBeCloseTo(1, 12);
    expect(d.rateDelta[8 * 10 + 5]).toBeCloseTo(-0.5, 12);
    expect(d.rateDelta[3 * 10 + 3]).toBe(0); // an empty row compares as zeros
    expect(confusionDeltaAt(timeline, timeline, 2)?.netCorrect).toBe(0);
    expect(confusionDeltaAt(timeline, timeline.slice(0, 1), 2)).toBeNull();
  });

  it('refuses predictions that are not classes', () => {
    expect(() => confusionFromPredictions([0, 1], [0])).toThrow(/differ in length/);
    expect(() => confusionFromPredictions([0, 1], [0, 10])).toThrow(/not a class/);
  });
});

describe('per-image history and flips', () => {
  const t = packPredictions([{ epoch: 2, predicted: p2 }, { epoch: 1, predicted: p1 }, { epoch: 3, predicted: p3 }]);

  it('packs one byte per image per epoch, epochs ascending', () => {
    expect(t.epochs).toEqual([1, 2, 3]);
    expect(t.count).toBe(6);
    expect(Array.from(t.predicted)).toEqual([...p1, ...p2, ...p3]);
    expect(Array.from(predictionsAt(t, 2) ?? [])).toEqual(Array.from(p2));
    expect(predictionsAt(t, 4)).toBeNull();
    expect(() => packPredictions([{ epoch: 1, predicted: p1 }, { epoch: 2, predicted: p1.subarray(1) }])).toThrow(/5 predictions/);
    expect(packPredictions([])).toEqual({ epochs: [], count: 0, predicted: new Uint8Array(0) });
  });

  it('tells one image\'s story', () => {
    expect(imageHistory(t, labels, 4)).toEqual({ index: 4, label: 8, epochs: [1, 2, 3], predicted: [1, 5, 8], correct: [false, false, true], changes: 2, learnedAt: 3 });
    expect(imageHistory(t, labels, 5)).toMatchObject({ predicted: [1, 9, 4], correct: [false, true, false], learnedAt: null });
    expect(() => imageHistory(t, labels, 6)).toThrow(/outside 0..5/);
    expect(() => imageHistory(t, labels.subarray(1), 0)).toThrow(/do not match/);
  });

  it('sorts images into right→wrong, wrong→right and still-wrong sets', () => {
    expect(flipsBetweenEpochs(t, labels, 2, 3)).toEqual({ rightToWrong: [5], wrongToRight: [3, 4], wrongChanged: [], wrongSame: [] });
    expect(flipsBetweenEpochs(t, labels, 1, 2)).toEqual({ rightToWrong: [], wrongToRight: [0, 2, 5], wrongChanged: [3, 4], wrongSame: [] });
    expect(flips(labels, p1, p1).wrongSame).toEqual([0, 2, 3, 4, 5]);
    expect(flipsBetweenEpochs(t, labels, 1, 9)).toBeNull();
    expect(() => flips(labels, p1, p1.subarray(1))).toThrow(/same images/);
  });
});
