// Confusion-matrix transforms for the heat map (the metric helpers — per-class P/R/F1, A − B,
// most confused pairs — live in ../metrics.ts). A matrix is n×n, row-major, row = true label,
// column = predicted label: m[t * n + p].

function sideOf(m: ArrayLike<number>): number {
  const n = Math.round(Math.sqrt(m.length));
  if (n === 0 || n * n !== m.length) throw new RangeError(`A confusion matrix must be square (got ${m.length} cells).`);
  for (let i = 0; i < m.length; i++) {
    const v = m[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`Confusion counts must be whole numbers ≥ 0 (cell ${i} is ${v}).`);
  }
  return n;
}

/** Each row divided by its sum (the recall view); rows with no samples stay 0. */
export function rowNormalize(m: ArrayLike<number>): Float64Array {
  const n = sideOf(m);
  const out = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    let sum = 0;
    for (let p = 0; p < n; p++) sum += m[t * n + p];
    if (sum === 0) continue;
    for (let p = 0; p < n; p++) out[t * n + p] = m[t * n + p] / sum;
  }
  return out;
}

/**
 * Cell intensity in [0, 1] for the heat map. Diagonal and off-diagonal cells are scaled
 * separately (the diagonal would otherwise wash out every mistake): off-diagonal cells relative to
 * the largest off-diagonal value, the diagonal relative to the largest diagonal value.
 */
export function heatIntensities(values: ArrayLike<number>): Float64Array {
  const n = Math.round(Math.sqrt(values.length));
  if (n === 0 || n * n !== values.length) throw new RangeError(`A confusion matrix must be square (got ${values.length} cells).`);
  let maxDiag = 0;
  let maxOff = 0;
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = Math.abs(values[t * n + p]);
      if (t === p) maxDiag = Math.max(maxDiag, v);
      else maxOff = Math.max(maxOff, v);
    }
  const out = new Float64Array(n * n);
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = Math.abs(values[t * n + p]);
      const max = t === p ? maxDiag : maxOff;
      out[t * n + p] = max === 0 ? 0 : v / max;
    }
  return out;
}

/** "37, 99, 201", "#2563c9" or "#fff" (a minified stylesheet's) → [r, g, b]; null when it is none. */
export function parseRgb(text: string): [number, number, number] | null {
  const t = text.trim();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(t);
  if (short) return [parseInt(short[1] + short[1], 16), parseInt(short[2] + short[2], 16), parseInt(short[3] + short[3], 16)];
  const hex = /^#([0-9a-f]{6})$/i.exec(t);
  if (hex) {
    const v = parseInt(hex[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const parts = t.split(',').map((p) => Number(p.trim()));
  return parts.length === 3 && parts.every((p) => Number.isFinite(p) && p >= 0 && p <= 255) ? [parts[0], parts[1], parts[2]] : null;
}

const toHex = (rgb: readonly number[]) => '#' + rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');

function luminance(rgb: readonly number[]): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * A heat-map cell's colours: the heat colour at `alpha` laid over the panel, as an opaque hex
 * background, and of the candidate text colours the one with the most contrast on it (the theme's
 * text on pale cells, its opposite on saturated ones), so every count stays readable (WCAG AA). With
 * pure black and white among the candidates, every background gets at least 4.58:1.
 */
export function heatCellColors(heat: readonly number[], alpha: number, panel: readonly number[], texts: readonly (readonly number[])[]): { background: string; color: string } {
  const a = Math.min(1, Math.max(0, alpha));
  const bg = heat.map((c, i) => c * a + panel[i] * (1 - a));
  const lb = luminance(bg);
  let best = texts[0];
  let bestRatio = 0;
  for (const t of texts) {
    const lt = luminance(t);
    const ratio = (Math.max(lb, lt) + 0.05) / (Math.min(lb, lt) + 0.05);
    if (ratio > bestRatio) {
      best = t;
      bestRatio = ratio;
    }
  }
  return { background: toHex(bg), color: toHex(best) };
}
