// Drawing a greyscale digit (bytes, row-major, 0 = background) as RGBA pixels for ImageData.
// Pure: the renderer wraps the result in `new ImageData(rgba, cols, rows)` and puts it on a canvas.

export interface DigitStyle {
  /** Ink colour for value 255 and paper colour for value 0, as [r, g, b]. */
  ink: readonly [number, number, number];
  paper: readonly [number, number, number];
}

export const LIGHT_DIGIT: DigitStyle = { ink: [17, 17, 17], paper: [255, 255, 255] };
export const DARK_DIGIT: DigitStyle = { ink: [240, 240, 240], paper: [24, 24, 27] };

export function digitToRgba(pixels: Uint8Array, rows = 28, cols = 28, style: DigitStyle = LIGHT_DIGIT, offset = 0): Uint8ClampedArray {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0 || rows > 1024 || cols > 1024) {
    throw new RangeError(`A digit must be between 1×1 and 1024×1024 pixels (got ${rows}×${cols}).`);
  }
  const n = rows * cols;
  if (!Number.isInteger(offset) || offset < 0 || offset + n > pixels.length) {
    throw new RangeError(`Need ${n} bytes at offset ${offset} for a ${rows}×${cols} digit, have ${pixels.length}.`);
  }
  const out = new Uint8ClampedArray(n * 4);
  const [ir, ig, ib] = style.ink;
  const [pr, pg, pb] = style.paper;
  for (let i = 0; i < n; i++) {
    const a = pixels[offset + i] / 255;
    out[i * 4] = pr + (ir - pr) * a;
    out[i * 4 + 1] = pg + (ig - pg) * a;
    out[i * 4 + 2] = pb + (ib - pb) * a;
    out[i * 4 + 3] = 255;
  }
  return out;
}
