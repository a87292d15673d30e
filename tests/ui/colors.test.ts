import { describe, expect, it } from 'vitest';
import { hueDistance, runColor, runColors, runHue } from '../../src-shared/ui/colors';

describe('run colours', () => {
  it('are a function of the run id alone', () => {
    expect(runColor(7)).toBe(runColor(7));
    expect(runColor(7)).toMatch(/^hsl\(\d+(\.\d)? 70% 50%\)$/);
    expect(runColor(7, 0.3)).toMatch(/\/ 0\.3\)$/);
  });

  it('spread consecutive ids apart', () => {
    for (let id = 1; id < 200; id++) expect(hueDistance(runHue(id), runHue(id + 1))).toBeGreaterThan(100);
  });

  it('keep colours of runs shown together at least minGap apart', () => {
    const ids = Array.from({ length: 8 }, (_, i) => 1 + i * 47);
    const map = runColors(ids);
    const hues = ids.map((id) => Number(/hsl\(([\d.]+)/.exec(map.get(id)!)![1]));
    for (let i = 0; i < hues.length; i++) for (let j = i + 1; j < hues.length; j++) expect(hueDistance(hues[i], hues[j])).toBeGreaterThanOrEqual(24);
    // runs without a clash keep their own colour
    expect(runColors([3]).get(3)).toBe(runColor(3));
  });

  it('rejects ids that are not whole numbers ≥ 0', () => {
    expect(() => runColor(-1)).toThrow(/run id/);
    expect(() => runColor(1.5)).toThrow(/run id/);
  });
});
