// Saving files the user asked for (chart PNGs, CSV data, run exports): a blob and a download link.
// Works in the browser and in Electron (which shows a save dialog for downloads).

export function downloadBlob(filename: string, data: BlobPart, mime: string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A canvas as a PNG with an opaque background (charts draw on transparent canvases). */
export function downloadCanvasPng(canvas: HTMLCanvasElement, filename: string): void {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  out.toBlob((blob) => {
    if (blob) downloadBlob(filename, blob, 'image/png');
  }, 'image/png');
}

/** A safe file name part from a run name. */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'run';
}
