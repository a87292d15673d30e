// The series palettes, measured: contrast with each theme's panels, distance between colours in
// CIELAB (ΔE*ab), and distance under simulated deuteranopia and protanopia (Machado et al. 2009,
// severity 1) for the first four, the ones a comparison of A and B and two more runs uses most.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrastRatio, parseHex, PALETTES, positionColors, seriesColor, type Theme } from '../../src-shared/ui/colors';

type Vec = [number, number, number];
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const clamp = (v: number) => Math.min(1, Math.max(0, v));
const mul = (m: number[][], v: Vec): Vec => [0, 1, 2].map((i) => clamp(m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])) as Vec;
const DEUTAN = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]];
const PROTAN = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]];

function lab([r, g, b]: Vec): Vec {
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
const linRgb = (hex: string) => parseHex(hex).map((c) => linear(c / 255)) as Vec;
const deltaE = (a: Vec, b: Vec) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
function minDistance(colors: readonly string[], see: (v: Vec) => Vec = (v) => v): number {
  const labs = colors.map((c) => lab(see(linRgb(c))));
  let min = Infinity;
  for (let i = 0; i < labs.length; i++) for (let j = i + 1; j < labs.length; j++) min = Math.min(min, deltaE(labs[i], labs[j]));
  return min;
}

// The panel and page backgrounds of each theme, read from the stylesheet itself.
const css = readFileSync('src-renderer/src/styles.css', 'utf8');
const darkAt = css.indexOf('prefers-color-scheme: dark');
const varIn = (text: string, name: string) => new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(text)![1];
const SURFACES: Record<Theme, string[]> = {
  light: ['bg', 'panel', 'panel-2'].map((n) => varIn(css.slice(0, darkAt), n)),
  dark: ['bg', 'panel', 'panel-2'].map((n) => varIn(css.slice(darkAt), n)),
};

describe('series colours', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: every colour has at least 3:1 contrast with the page and panels`, () => {
      for (const c of PALETTES[theme]) for (const s of SURFACES[theme]) expect(contrastRatio(c, s), `${c} on ${s}`).toBeGreaterThanOrEqual(3);
    });
    it(`${theme}: the eight colours are far apart, the first four also for colour-blind eyes`, () => {
      expect(PALETTES[theme]).toHaveLength(8);
      expect(minDistance(PALETTES[theme])).toBeGreaterThan(25);
      expect(minDistance(PALETTES[theme].slice(0, 4), (v) => mul(DEUTAN, v))).toBeGreaterThan(10);
      expect(minDistance(PALETTES[theme].slice(0, 4), (v) => mul(PROTAN, v))).toBeGreaterThan(10);
    });
  }

  it('go by position in the view, not by run id (ids 1 and 6 once got the same green)', () => {
    const a = positionColors([1, 6], 'light');
    expect(a.get(1)).toBe(PALETTES.light[0]);
    expect(a.get(6)).toBe(PALETTES.light[1]);
    expect(positionColors([6, 1], 'dark').get(6)).toBe(PALETTES.dark[0]);
    const eight = positionColors([5, 4, 3, 2, 1, 9, 8, 7], 'light');
    expect(new Set(eight.values()).size).toBe(8);
    expect(positionColors([3, 3, 4], 'light').get(4)).toBe(PALETTES.light[1]);
  });

  it('wrap past the palette and reject bad positions', () => {
    expect(seriesColor(8, 'dark')).toBe(PALETTES.dark[0]);
    expect(() => seriesColor(-1, 'light')).toThrow(/position/);
    expect(() => seriesColor(1.5, 'light')).toThrow(/position/);
  });

  it('measures contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(() => parseHex('red')).toThrow(/#rrggbb/);
  });
});
