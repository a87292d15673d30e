import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { heatCellColors, heatIntensities, parseRgb, rowNormalize } from '../../src-shared/ui/confusion';

const matrix = (n: number) => fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: n * n, maxLength: n * n });

describe('confusion transforms', () => {
  it('row-normalised rows sum to 1 (or 0 for empty rows) and keep proportions', () => {
    fc.assert(
      fc.property(matrix(10), (m) => {
        const r = rowNormalize(m);
        for (let t = 0; t < 10; t++) {
          const row = m.slice(t * 10, t * 10 + 10);
          const sum = row.reduce((a, b) => a + b, 0);
          const rsum = Array.from(r.slice(t * 10, t * 10 + 10)).reduce((a, b) => a + b, 0);
          expect(rsum).toBeCloseTo(sum === 0 ? 0 : 1, 9);
          for (let p = 0; p < 10; p++) if (sum) expect(r[t * 10 + p]).toBeCloseTo(row[p] / sum, 12);
        }
      }),
    );
  });

  it('heat intensities scale diagonal and off-diagonal separately', () => {
    const h = heatIntensities([100, 2, 4, 50]);
    expect(Array.from(h)).toEqual([1, 0.5, 1, 0.5]);
    expect(Array.from(heatIntensities([0, 0, 0, 0]))).toEqual([0, 0, 0, 0]);
  });

  it('rejects matrices that are not square or hold bad counts', () => {
    expect(() => rowNormalize([1, 2, 3])).toThrow(/square/);
    expect(() => rowNormalize([])).toThrow(/square/);
    expect(() => rowNormalize([1, -1, 0, 0])).toThrow(/whole numbers/);
    expect(() => rowNormalize([1, 0.5, 0, 0])).toThrow(/whole numbers/);
    expect(() => heatIntensities([1, 2])).toThrow(/square/);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 30 }), (xs) => {
        try {
          rowNormalize(xs);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});

describe('heat-map cell colours', () => {
  const contrast = (a: string, b: string) => {
    const l = (h: string) => {
      const v = parseInt(h.slice(1), 16);
      return [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4)).reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
    };
    const [x, y] = [l(a), l(b)];
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  it('keep every count readable from pale to saturated, in both themes', () => {
    const themes = [
      { heat: parseRgb('37, 99, 201')!, panel: parseRgb('#ffffff')!, texts: [parseRgb('#1c1d21')!, parseRgb('#000000')!, parseRgb('#ffffff')!] },
      { heat: parseRgb('91, 147, 240')!, panel: parseRgb('#1f2126')!, texts: [parseRgb('#e6e7ea')!, parseRgb('#000000')!, parseRgb('#ffffff')!] },
      { heat: parseRgb('240, 106, 99')!, panel: parseRgb('#1f2126')!, texts: [parseRgb('#e6e7ea')!, parseRgb('#000000')!, parseRgb('#ffffff')!] },
    ];
    for (const t of themes)
      for (let a = 0; a <= 1.0001; a += 0.05) {
        const c = heatCellColors(t.heat, a, t.panel, t.texts);
        expect(contrast(c.background, c.color), `${c.color} on ${c.background}`).toBeGreaterThanOrEqual(4.5);
      }
  });
  it('parse both colour notations', () => {
    expect(parseRgb('#0a0b0c')).toEqual([10, 11, 12]);
    expect(parseRgb('#fff')).toEqual([255, 255, 255]); // as a minified stylesheet writes #ffffff
    expect(parseRgb(' 1, 2 ,3 ')).toEqual([1, 2, 3]);
    expect(parseRgb('blue')).toBeNull();
  });
});
