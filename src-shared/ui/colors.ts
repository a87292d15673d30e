// Series colours. A colour belongs to a position in one view (the first run compared, the second,
// …; train and validation in a run's charts), never to a run id: ids 1 and 6 once hashed to the
// same green. The palettes are designed for distinguishability (after Okabe & Ito and Paul Tol):
// every colour keeps at least 3:1 contrast with its theme's panels (WCAG 1.4.11, graphics), the
// eight stay far apart in CIELAB, and the first four stay apart under deuteranopia and protanopia
// too (tests/ui/colors.test.ts measures all of that). Colour is never the only cue: legends, A/B
// labels and names say the same.

export type Theme = 'light' | 'dark';

export const PALETTES: Readonly<Record<Theme, readonly string[]>> = {
  light: ['#1f6fc5', '#c2410c', '#0f8a5f', '#b3306f', '#6b4fc9', '#8a6d00', '#0b7f99', '#4d4d4d'],
  dark: ['#5ea8f2', '#ff8a5c', '#3cc58e', '#f27aaf', '#b49cf5', '#d9b74a', '#4fd0e0', '#c8c8c8'],
};

/** The colour of the series at `position` (0-based) in a view; past the palette it wraps around. */
export function seriesColor(position: number, theme: Theme): string {
  if (!Number.isInteger(position) || position < 0) throw new RangeError(`A series position must be a whole number ≥ 0 (got ${position}).`);
  const p = PALETTES[theme];
  return p[position % p.length];
}

/** Colours for the runs shown together, by their position in the list: a map from run id to colour. */
export function positionColors(runIds: readonly number[], theme: Theme): Map<number, string> {
  const out = new Map<number, string>();
  for (const id of runIds) if (!out.has(id)) out.set(id, seriesColor(out.size, theme));
  return out;
}

/** The roles a single run's charts draw in: each its own colour (and train lines are dashed too). */
export const ROLE_POSITIONS = { train: 0, validation: 1, learningRate: 2 } as const;

/** `#rrggbb` → [r, g, b] in 0..255. */
export function parseHex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (!m) throw new RangeError(`Expected a #rrggbb colour (got "${color}").`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** WCAG 2.1 relative luminance of a #rrggbb colour. */
export function relativeLuminance(color: string): number {
  const [r, g, b] = parseHex(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
