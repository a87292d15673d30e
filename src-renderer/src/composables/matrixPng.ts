// Draws a confusion matrix (counts or fractions, optionally signed) onto a canvas for PNG export,
// with the same colours as the on-screen heat map.
import { heatIntensities } from '@shared/ui/confusion';
import { cssVar } from './theme';
import { downloadCanvasPng } from './download';

export function saveMatrixPng(values: ArrayLike<number>, title: string, fileName: string, fmt: (v: number) => string, signed: boolean, names?: readonly string[]): void {
  const n = Math.round(Math.sqrt(values.length));
  const cell = 44;
  const label = (i: number) => names?.[i] ?? String(i);
  const canvas = document.createElement('canvas');
  const measure = canvas.getContext('2d');
  if (!measure) return;
  measure.font = '13px system-ui, sans-serif';
  // Room for the longest class name beside the rows and above the columns (written upwards).
  const longest = Math.max(...Array.from({ length: n }, (_, i) => measure.measureText(label(i)).width));
  const padLeft = Math.max(56, Math.ceil(longest) + 20);
  const padTop = Math.max(56, Math.ceil(longest) + 48);
  canvas.width = Math.max(padLeft + n * cell + 12, 320);
  canvas.height = padTop + n * cell + 34;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const text = cssVar('--text') || '#000';
  const heat = cssVar('--heat') || '47, 111, 222';
  const neg = cssVar('--heat-neg') || '199, 49, 43';
  const inten = heatIntensities(values);
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillStyle = text;
  ctx.fillText(title, 8, 18);
  ctx.fillText('true ↓  predicted →', 8, 36);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = text;
  for (let i = 0; i < n; i++) {
    ctx.textAlign = 'right';
    ctx.fillText(label(i), padLeft - 8, padTop + i * cell + cell / 2);
    ctx.save();
    ctx.translate(padLeft + i * cell + cell / 2, padTop - 8);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(label(i), 0, 0);
    ctx.restore();
  }
  ctx.textAlign = 'center';
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = values[t * n + p];
      ctx.fillStyle = `rgba(${signed && v < 0 ? neg : heat}, ${0.08 + 0.85 * inten[t * n + p]})`;
      ctx.fillRect(padLeft + p * cell + 1, padTop + t * cell + 1, cell - 2, cell - 2);
      ctx.fillStyle = text;
      ctx.fillText(fmt(v), padLeft + p * cell + cell / 2, padTop + t * cell + cell / 2);
    }
  downloadCanvasPng(canvas, fileName);
}
