import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, formatEta, formatLoss, formatPercent, formatRate, formatSci, formatTime } from '../../src-shared/ui/format';

describe('formatting', () => {
  it('accuracy as % with two decimals', () => {
    expect(formatPercent(0.99223)).toBe('99.22%');
    expect(formatPercent(0.9927)).toBe('99.27%');
    expect(formatPercent(1)).toBe('100.00%');
    expect(formatPercent(0)).toBe('0.00%');
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(NaN)).toBe('diverged');
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => {
      expect(formatPercent(x)).toMatch(/^\d{1,3}\.\d{2}%$/);
    }));
  });

  it('durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(NaN)).toBe('—');
    expect(formatDuration(null)).toBe('—');
  });

  it('ETA from progress and rate', () => {
    expect(formatEta(0, 59000, 5000)).toBe('11.8 s');
    expect(formatEta(59000, 59000, 5000)).toBe('done');
    expect(formatEta(10, 100, 0)).toBe('—');
    expect(formatEta(10, 0, 10)).toBe('—');
    expect(formatEta(10, 100, NaN)).toBe('—');
  });

  it('rates, scientific numbers, losses and times', () => {
    expect(formatRate(5123.4)).toBe('5,123 img/s');
    expect(formatRate(12.34)).toBe('12.3 img/s');
    expect(formatRate(null)).toBe('—');
    expect(formatSci(0.001)).toBe('1e-3');
    expect(formatSci(0.0005)).toBe('5e-4');
    expect(formatSci(1e-8)).toBe('1e-8');
    expect(formatSci(0.8)).toBe('0.8');
    expect(formatSci(200)).toBe('200');
    expect(formatSci(0)).toBe('0');
    expect(formatLoss(0.016234)).toBe('0.01623');
    expect(formatLoss(NaN)).toBe('diverged');
    expect(formatLoss(Infinity)).toBe('∞');
    expect(formatTime(new Date(2024, 0, 2, 3, 4).getTime())).toBe('2024-01-02 03:04');
    expect(formatTime(null)).toBe('—');
  });

  it('formatSci round-trips to 4 significant digits', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1e6, noNaN: true }), (x) => {
        const back = Number(formatSci(x));
        expect(Math.abs(back - x) / x).toBeLessThan(1e-3);
      }),
    );
  });
});
