import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostConfusedPairs as confusedPairs } from '../../src-shared/metrics';
import {
  Throttle,
  bar,
  estimateEtaMs,
  formatConfusedPairs,
  formatConfusion,
  formatDuration,
  formatEpochLine,
  formatPercent,
  formatProgress,
} from '../../src-main/cli/format';

/** A confusion matrix with `diag` on the diagonal and the given off-diagonal cells. */
function matrix(diag: number, cells: [number, number, number][] = []): Int32Array {
  const m = new Int32Array(100);
  for (let i = 0; i < 10; i++) m[i * 11] = diag;
  for (const [t, p, c] of cells) m[t * 10 + p] = c;
  return m;
}

describe('durations, percentages, ETA', () => {
  it('formats durations at every scale', () => {
    expect(formatDuration(950)).toBe('0.9s');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
    expect(formatDuration(59_999)).toBe('60.0s');
    expect(formatDuration(Number.NaN)).toBe('?');
    expect(formatDuration(-1)).toBe('?');
    expect(formatPercent(0.9922)).toBe('99.22%');
    expect(formatPercent(Number.NaN)).toBe('NaN');
  });

  it('estimates the remaining time from the average iteration time so far', () => {
    expect(estimateEtaMs(0, 100, 1000)).toBeNull();
    expect(estimateEtaMs(10, 100, 1000)).toBe(9000);
    expect(estimateEtaMs(100, 100, 5000)).toBe(0);
    expect(estimateEtaMs(120, 100, 5000)).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1, max: 1e9, noNaN: true }), (done, more, elapsed) => {
        const eta = estimateEtaMs(done, done + more, elapsed)!;
        expect(eta).toBeGreaterThanOrEqual(0);
        expect(Math.abs(eta - (more * elapsed) / done)).toBeLessThanOrEqual(1e-9 * (1 + eta));
      }),
    );
  });

  it('throttles redraws to one per interval', () => {
    const t = new Throttle(100);
    expect(t.due(0)).toBe(true);
    expect(t.due(50)).toBe(false);
    expect(t.due(99)).toBe(false);
    expect(t.due(100)).toBe(true);
    expect(t.due(150)).toBe(false);
    expect(t.due(1000)).toBe(true);
  });
});

describe('progress and epoch lines', () => {
  it('draws a bar proportional to progress, clamped', () => {
    expect(bar(0, 10)).toBe('░'.repeat(10));
    expect(bar(0.5, 10)).toBe('█'.repeat(5) + '░'.repeat(5));
    expect(bar(1, 4)).toBe('████');
    expect(bar(7, 4)).toBe('████');
    expect(bar(Number.NaN, 4)).toBe('░░░░');
  });

  it('a progress line shows epoch, iteration, loss, images/s and ETA', () => {
    const line = formatProgress({ epoch: 3, epochs: 40, iterationInEpoch: 120, itersPerEpoch: 295, loss: 0.041234, imagesPerSecond: 4812.4, etaMs: 185_000 }, 10);
    expect(line).toBe('epoch  3/40 ████░░░░░░ 120/295  loss 0.04123  4,812 img/s  ETA 3m 05s');
    expect(formatProgress({ epoch: 1, epochs: 1, iterationInEpoch: 1, itersPerEpoch: 10, loss: Number.NaN, imagesPerSecond: 0, etaMs: null }, 0)).toBe('epoch 1/1 iter  1/10  loss NaN  0 img/s  ETA ?');
  });

  it('an epoch line shows train and val accuracy, val loss, lr and time', () => {
    const line = formatEpochLine({ epoch: 12, epochs: 0, trainAccuracy: 0.98123, trainLoss: 0.05, valAccuracy: 0.987, valLoss: 0.04125, learningRate: 8e-4, meanIterationLoss: 0.06, durationMs: 12_300, imagesPerSecond: 4796.6 } as never, 40);
    expect(line).toBe('epoch 12/40  train acc 98.12%  val acc 98.70%  val loss 0.04125  lr 8.00e-4  time 12.3s  4,797 img/s');
  });
});

describe('confusion matrix and confused pairs', () => {
  it('lists the most confused pairs, most first, ties by label', () => {
    const m = matrix(900, [[4, 9, 11], [3, 5, 6], [7, 1, 5], [9, 4, 5], [2, 7, 1]]);
    expect(confusedPairs(m, 4)).toEqual([
      { label: 4, predicted: 9, count: 11 },
      { label: 3, predicted: 5, count: 6 },
      { label: 7, predicted: 1, count: 5 },
      { label: 9, predicted: 4, count: 5 },
    ]);
    expect(confusedPairs(m, 100)).toHaveLength(5);
    expect(confusedPairs(matrix(5))).toEqual([]);
    expect(formatConfusedPairs(confusedPairs(m, 2))).toBe('  4 → 9  11 images\n  3 → 5   6 images');
    expect(formatConfusedPairs([{ label: 2, predicted: 7, count: 1 }])).toBe('  2 → 7  1 image');
    expect(formatConfusedPairs([])).toMatch(/no test image misclassified/);
  });

  it('confused pairs never include the diagonal and are sorted (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 100, maxLength: 100 }), (cells) => {
        const pairs = confusedPairs(cells, 100);
        const offDiag = cells.filter((c, i) => c > 0 && Math.floor(i / 10) !== i % 10).length;
        expect(pairs).toHaveLength(offDiag);
        expect(pairs.every((p) => p.label !== p.predicted && p.count === cells[p.label * 10 + p.predicted])).toBe(true);
        expect(pairs.every((p, i) => i === 0 || pairs[i - 1].count >= p.count)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('formats the 10×10 matrix with true rows, predicted columns, totals and per-class accuracy', () => {
    const m = matrix(980, [[4, 9, 11]]);
    const lines = formatConfusion(m).split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^true\\pred\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+total\s+acc$/);
    const row4 = lines[5].trim().split(/\s+/);
    expect(row4[0]).toBe('4');
    expect(row4.slice(1, 11)).toEqual(['.', '.', '.', '.', '980', '.', '.', '.', '.', '11']);
    expect(row4[11]).toBe('991');
    expect(row4[12]).toBe(formatPercent(980 / 991));
    // Columns line up: every row has the same length.
    expect(new Set(lines.slice(1).map((l) => l.length)).size).toBe(1);
  });

  it('names the classes of a dataset with class names: each row by label and name, the pairs by name', () => {
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const m = matrix(980, [[6, 0, 41], [4, 2, 7]]);
    const lines = formatConfusion(m, names).split('\n');
    expect(lines[0]).toMatch(/^true\\pred {5}\s+0\s+1/);
    expect(lines[7]).toMatch(/^6 Shirt {8}\s+41\s+\.\s/);
    expect(lines[10]).toMatch(/^9 Ankle boot {3}\s+\./);
    expect(new Set(lines.slice(1).map((l) => l.length)).size).toBe(1); // the rows line up
    expect(formatConfusedPairs(confusedPairs(m, 2), names)).toBe('  Shirt → T-shirt/top  41 images\n  Coat → Pullover       7 images');
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => formatConfusion(new Int32Array(99))).toThrow(/100 cells \(got 99\)/);
    expect(() => confusedPairs([1, 2, 3])).toThrow(/100 cells/);
  });
});
