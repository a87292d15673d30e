// Draws a confusion matrix (counts or fractions, optionally signed) onto a canvas for PNG export,
// with the same colours as the on-screen heat map.
import { heatIntensities } from '@shared/ui/confusion';
import { cssVar } from './theme';
import { downloadCanvasPng } from './download';

export function saveMatrixPng(values: ArrayLike<number>, title: string, fileName: string, fmt: (v: number) => string, signed: boolean): void {
  const n = Math.round(Math.sqrt(values.length));
  const cell = 44;
  const pad = 56;
  const canvas = document.createElement('canvas');
  canvas.width = pad + n * cell + 12;
  canvas.height = pad + n * cell + 34;
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
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = text;
    ctx.fillText(String(i), pad + i * cell + cell / 2, pad - 10);
    ctx.fillText(String(i), pad - 14, pad + i * cell + cell / 2);
  }
  for (let t = 0; t < n; t++)
    for (let p = 0; p < n; p++) {
      const v = values[t * n + p];
      ctx.fillStyle = `rgba(${signed && v < 0 ? neg : heat}, ${0.08 + 0.85 * inten[t * n + p]})`;
      ctx.fillRect(pad + p * cell + 1, pad + t * cell + 1, cell - 2, cell - 2);
      ctx.fillStyle = text;
      ctx.fillText(fmt(v), pad + p * cell + cell / 2, pad + t * cell + cell / 2);
    }
  downloadCanvasPng(canvas, fileName);
}
