// Draw a digit: MNIST's own preprocessing applied to a canvas bitmap, so a drawn digit looks to
// the network like the digits it was trained on (LeCun et al.: "the images were size normalized
// to fit in a 20×20 pixel box while preserving their aspect ratio … and centered in a 28×28 image
// by computing the center of mass of the pixels"):
//   1. find the ink's bounding box (pixels at or above a threshold);
//   2. scale the box so its longer side is 20 pixels, preserving the aspect ratio, by area
//      averaging (each output pixel is the mean of the input area it covers: anti-aliased grey
//      levels, as MNIST's are);
//   3. place it in a 28×28 field so the centre of mass of the ink falls on pixel (14, 14)
//      (rounded to whole pixels, kept inside the field). Measured on MNIST: the mean centre of
//      mass of its 70,000 digits is (14.0, 14.0) in pixel indices (tests/insight/draw.test.ts).
// Input: greyscale, ink high (255) on background 0, as MNIST stores digits; greyFromRgba turns a
// canvas's RGBA into that.

export const MNIST_SIZE = 28;
export const MNIST_BOX = 20;
/** Where MNIST puts a digit's centre of mass: pixel (14, 14). */
export const MNIST_CENTRE = 14;

export interface GreyImage {
  width: number;
  height: number;
  /** width × height values 0–255, row-major, ink high. */
  data: ArrayLike<number>;
}

export interface PreprocessOptions {
  /** Pixels at or above this value count as ink for the bounding box (default 26, ~10% grey). */
  inkThreshold?: number;
  /** Below this much ink (sum of values/255 over ink pixels) the drawing is empty (default 4). */
  minInk?: number;
}

export type Preprocessed =
  | { empty: true; reason: string }
  | {
    empty: false;
    /** 784 bytes, 28×28 row-major: the network's input pixels. */
    pixels: Uint8Array;
    /** The ink's bounding box in the input (x, y of the top-left pixel; width, height). */
    bbox: { x: number; y: number; width: number; height: number };
    /** Output pixels per input pixel. */
    scale: number;
    /** Where the scaled box's top-left corner was placed in the 28×28 field. */
    offset: { x: number; y: number };
  };

/** Canvas RGBA → ink-high greyscale. 'alpha': ink is opacity (a transparent canvas); 'dark': dark ink on light paper; 'light': light ink on dark paper. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number, ink: 'alpha' | 'dark' | 'light'): GreyImage {
  checkSize(width, height);
  if (rgba.length !== width * height * 4) throw new Error(`RGBA data must hold ${width}×${height}×4 = ${width * height * 4} values (got ${rgba.length}).`);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2], a = rgba[4 * i + 3];
    // Rec. 601 luma, composited over the paper by the alpha (a transparent pixel is paper).
    const luma = (0.299 * r + 0.587 * g + 0.114 * b) * (a / 255);
    const v = ink === 'alpha' ? a : ink === 'light' ? luma : 255 - (luma + (255 - a));
    data[i] = Math.max(0, Math.min(255, Math.round(v)));
  }
  return { width, height, data };
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 4096 || height > 4096) {
    throw new Error(`A drawing must be between 1×1 and 4096×4096 pixels (got ${width}×${height}).`);
  }
}

/** Area-average resampling weights: how much of input pixel j (of n) falls into output pixel i (of m). */
function coverage(n: number, m: number): { start: number; weights: number[] }[] {
  const step = n / m; // input pixels per output pixel
  const out: { start: number; weights: number[] }[] = [];
  for (let i = 0; i < m; i++) {
    const a = i * step, b = (i + 1) * step;
    const start = Math.floor(a);
    const weights: number[] = [];
    for (let j = start; j < Math.min(n, Math.ceil(b)); j++) weights.push((Math.min(b, j + 1) - Math.max(a, j)) / step);
    out.push({ start, weights });
  }
  return out;
}

/** MNIST-style 28×28 pixels from a drawing, or { empty } when there is nothing (enough) drawn. */
export function preprocessDrawing(img: GreyImage, options: PreprocessOptions = {}): Preprocessed {
  const { width: W, height: H, data } = img;
  checkSize(W, H);
  if (data.length !== W * H) throw new Error(`A ${W}×${H} drawing needs ${W * H} values (got ${data.length}).`);
  const threshold = options.inkThreshold ?? 26;
  const minInk = options.minInk ?? 4;
  let x0 = W, y0 = H, x1 = -1, y1 = -1, ink = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = data[y * W + x];
      if (v >= threshold) {
        ink += v / 255;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return { empty: true, reason: 'Nothing is drawn yet: draw a digit.' };
  if (ink < minInk) return { empty: true, reason: 'The drawing is too faint or too small: draw a larger digit.' };
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = MNIST_BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.min(MNIST_BOX, Math.round(bw * scale)));
  const th = Math.max(1, Math.min(MNIST_BOX, Math.round(bh * scale)));
  // 2. Area-average the box into tw × th (separable: rows, then columns).
  const cx = coverage(bw, tw), cy = coverage(bh, th);
  const rows = new Float64Array(bh * tw);
  for (let y = 0; y < bh; y++) {
    for (let i = 0; i < tw; i++) {
      let s = 0;
      cx[i].weights.forEach((w, k) => { s += w * data[(y0 + y) * W + x0 + cx[i].start + k]; });
      rows[y * tw + i] = s;
    }
  }
  const box = new Float64Array(th * tw);
  for (let j = 0; j < th; j++) {
    for (let i = 0; i < tw; i++) {
      let s = 0;
      cy[j].weights.forEach((w, k) => { s += w * rows[(cy[j].start + k) * tw + i]; });
      box[j * tw + i] = s;
    }
  }
  // 3. Centre of mass of the box (pixel indices), moved to pixel (14, 14) of the field.
  const com = centreOfMass(box, tw, th);
  if (com === null) return { empty: true, reason: 'The drawing is too faint or too small: draw a larger digit.' };
  const place = (c: number, size: number) => Math.max(0, Math.min(MNIST_SIZE - size, Math.round(MNIST_CENTRE - c)));
  const ox = place(com.x, tw), oy = place(com.y, th);
  const pixels = new Uint8Array(MNIST_SIZE * MNIST_SIZE);
  for (let j = 0; j < th; j++) {
    for (let i = 0; i < tw; i++) pixels[(oy + j) * MNIST_SIZE + ox + i] = Math.max(0, Math.min(255, Math.round(box[j * tw + i])));
  }
  return { empty: false, pixels, bbox: { x: x0, y: y0, width: bw, height: bh }, scale, offset: { x: ox, y: oy } };
}

/** Centre of mass (x, y) of an image (28×28 unless given), in pixel indices; null for a blank image. */
export function centreOfMass(pixels: ArrayLike<number>, width = MNIST_SIZE, height = width): { x: number; y: number } | null {
  let m = 0, x = 0, y = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const v = pixels[r * width + c];
      m += v; x += v * c; y += v * r;
    }
  }
  return m > 0 ? { x: x / m, y: y / m } : null;
}
