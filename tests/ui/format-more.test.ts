import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCheckpointPlace, formatProbability, liveDurationMs } from '../../src-shared/ui/format';
import { compareFileBase, exportFileName, fileSlug, runFileBase } from '../../src-shared/ui/exportNames';

describe('probabilities in captions', () => {
  it('never round 99.57% up to 100% nor a small chance down to 0%', () => {
    expect(formatProbability(0.9957)).toBe('99.6%');
    expect(formatProbability(0.99996)).toBe('>99.9%');
    expect(formatProbability(0.9995)).toBe('>99.9%');
    expect(formatProbability(1)).toBe('100%');
    expect(formatProbability(0.00004)).toBe('<0.1%');
    expect(formatProbability(0)).toBe('0%');
    expect(formatProbability(0.125)).toBe('12.5%');
    expect(formatProbability(null)).toBe('—');
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (p) => {
      expect(formatProbability(p)).not.toBe('100%');
      expect(formatProbability(p)).not.toBe('100.0%');
    }));
  });
});

describe('checkpoint places', () => {
  it('say mid-epoch when a stop checkpointed inside an epoch (epoch 1 done, iteration 490 of 295 per epoch)', () => {
    expect(formatCheckpointPlace(1, 490, 295)).toBe('epoch 2, iteration 195 of 295 (mid-epoch, 490 in all)');
  });
  it('name the end of an epoch, the start, and fall back to the global iteration', () => {
    expect(formatCheckpointPlace(2, 590, 295)).toBe('end of epoch 2 (iteration 590)');
    expect(formatCheckpointPlace(0, 0, 295)).toBe('start (iteration 0)');
    expect(formatCheckpointPlace(1, 490, null)).toBe('after epoch 1, iteration 490 in all');
  });
});

describe('live duration', () => {
  it('ticks while running and stands still otherwise', () => {
    expect(liveDurationMs(10_000, true, 1_000, 4_000)).toBe(13_000);
    expect(liveDurationMs(10_000, false, 1_000, 4_000)).toBe(10_000);
    expect(liveDurationMs(10_000, true, 5_000, 4_000)).toBe(10_000);
    expect(liveDurationMs(null, true, 1_000, 4_000)).toBeNull();
  });
});

describe('export file names', () => {
  it('share one scheme for runs and comparisons', () => {
    expect(fileSlug('Tiny A, batch 100!')).toBe('tiny-a-batch-100');
    expect(fileSlug('***')).toBe('run');
    expect(fileSlug('x'.repeat(80))).toHaveLength(60);
    const base = runFileBase({ id: 7, name: 'Tiny A' });
    expect(base).toBe('run-7-tiny-a');
    expect(exportFileName(base, 'loss', 'png')).toBe('run-7-tiny-a-loss.png');
    expect(exportFileName(base, '', '.json')).toBe('run-7-tiny-a.json');
    expect(exportFileName(compareFileBase([9, 7]), 'Confusion A', 'csv')).toBe('compare-9-7-confusion-a.csv');
  });
});
