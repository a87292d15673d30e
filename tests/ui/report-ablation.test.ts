// The words of the Report page's "Improved vs original" section (src-shared/ui/report.ts).
import { describe, expect, it } from 'vitest';
import { accuracyGainText, epochsSavedText, epochsText } from '../../src-shared/ui/report';

describe('improved-vs-original wording', () => {
  it('gives accuracy differences in signed percentage points, never "-0.00"', () => {
    expect(accuracyGainText(0.0033)).toBe('+0.33 points');
    expect(accuracyGainText(-0.012)).toBe('−1.20 points');
    expect(accuracyGainText(0)).toBe('±0.00 points');
    expect(accuracyGainText(-0.00001)).toBe('±0.00 points');
    expect(accuracyGainText(0.0794)).toBe('+7.94 points');
  });

  it('gives epochs to the mark to one decimal (a mean over seeds) or says it was not reached', () => {
    expect(epochsText(3)).toBe('3');
    expect(epochsText(10 / 3)).toBe('3.3');
    expect(epochsText(null)).toBe('not reached');
  });

  it('says which way a change moves convergence', () => {
    expect(epochsSavedText(2)).toBe('converges 2 epochs sooner');
    expect(epochsSavedText(1)).toBe('converges 1 epoch sooner');
    expect(epochsSavedText(-0.5)).toBe('converges 0.5 epochs later');
    expect(epochsSavedText(0)).toBe('converges as fast');
    expect(epochsSavedText(null)).toMatch(/no comparison/);
  });
});
