// Draw-a-digit preprocessing: empty drawings, the 20×20 box with its aspect ratio, centring by
// centre of mass, canvas RGBA conversion, and MNIST digits surviving an upscale-then-preprocess.
import { describe, expect, it } from 'vitest';
import { centreOfMass, greyFromRgba, preprocessDrawing, type GreyImage } from '../../src-shared/insight/draw';
import { mnistTest } from '../engine/helpers';

function canvas(w: number, h: number, paint: (x: number, y: number) => number): GreyImage {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = paint(x, y);
  return { width: w, height: h, data };
}

function inkBox(p: Uint8Array): { w: number; h: number } {
  let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (p[y * 28 + x] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('preprocessDrawing', () => {
  it('says "draw something" for an empty or nearly empty canvas', () => {
    const blank = preprocessDrawing(canvas(280, 280, () => 0));
    expect(blank).toEqual({ empty: true, reason: 'Nothing is drawn yet: draw a digit.' });
    const speck = preprocessDrawing(canvas(280, 280, (x, y) => (x === 5 && y === 9 ? 255 : 0)));
    expect(speck.empty).toBe(true);
    if (speck.empty) expect(speck.reason).toMatch(/too faint or too small/);
    expect(preprocessDrawing(canvas(280, 280, () => 10)).empty).toBe(true); // below the ink threshold
  });

  it('fits the ink in a 20×20 box, keeps its aspect ratio and centres its mass', () => {
    // A 100×50 block in the top-left corner of a 300×200 canvas.
    const r = preprocessDrawing(canvas(300, 200, (x, y) => (x >= 10 && x < 110 && y >= 5 && y < 55 ? 255 : 0)));
    expect(r.empty).toBe(false);
    if (r.empty) return;
    expect(r.bbox).toEqual({ x: 10, y: 5, width: 100, height: 50 });
    expect(r.scale).toBeCloseTo(0.2, 12);
    expect(inkBox(r.pixels)).toEqual({ w: 20, h: 10 });
    const com = centreOfMass(r.pixels)!;
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...r.pixels)).toBe(255);
    expect(r.offset).toEqual({ x: 5, y: 10 }); // centre of mass (9.5, 4.5) → 14 − 9.5 = 4.5, rounded up
  });

  it('centres by mass, not by box: a heavy stroke pulls the digit', () => {
    // An "L": a tall stem and a thick foot; the mass sits low, so the box moves up.
    const r = preprocessDrawing(canvas(200, 200, (x, y) => ((x >= 20 && x < 40 && y >= 20 && y < 180) || (x >= 20 && x < 180 && y >= 150 && y < 180) ? 255 : 0)));
    if (r.empty) throw new Error('not empty');
    const com = centreOfMass(r.pixels)!;
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5);
    expect(r.offset.y).toBeLessThan(4); // a box centred by size would sit at 4
  });

  it('puts the centre of mass where MNIST has it: pixel (14, 14) on average', () => {
    const set = mnistTest(2000);
    let sx = 0, sy = 0;
    for (let i = 0; i < set.count; i++) {
      const c = centreOfMass(set.pixels.subarray(i * 784, (i + 1) * 784))!;
      sx += c.x; sy += c.y;
    }
    expect(Math.abs(sx / set.count - 14)).toBeLessThan(0.05);
    expect(Math.abs(sy / set.count - 14)).toBeLessThan(0.05);
  });

  it('keeps the digit inside the field when centring would push it out', () => {
    // Almost all mass in one corner of a 20×20 box: centring would move the box off the field.
    const r = preprocessDrawing(canvas(20, 20, (x, y) => (x < 4 && y < 4 ? 255 : x === 19 && y === 19 ? 255 : 0)));
    if (r.empty) throw new Error('not empty');
    expect(r.offset.x).toBeGreaterThanOrEqual(0);
    expect(r.offset.x + 20).toBeLessThanOrEqual(28);
  });

  it('gives back an MNIST digit drawn ten times larger', () => {
    const set = mnistTest(20);
    for (let i = 0; i < 20; i++) {
      const src = set.pixels.subarray(i * 784, (i + 1) * 784);
      const big = canvas(280, 280, (x, y) => src[Math.floor(y / 10) * 28 + Math.floor(x / 10)]);
      const r = preprocessDrawing(big);
      if (r.empty) throw new Error(`digit ${i} read as empty`);
      // MNIST's digits already fill a 20-pixel box centred by mass, so the result must be close.
      let dot = 0, na = 0, nb = 0;
      for (let k = 0; k < 784; k++) { dot += src[k] * r.pixels[k]; na += src[k] ** 2; nb += r.pixels[k] ** 2; }
      expect(dot / Math.sqrt(na * nb), `digit ${i}`).toBeGreaterThan(0.9);
    }
  });

  it('refuses malformed input', () => {
    expect(() => preprocessDrawing({ width: 0, height: 5, data: [] })).toThrow(/between 1×1/);
    expect(() => preprocessDrawing({ width: 2, height: 2, data: [0, 0, 0] })).toThrow(/needs 4 values/);
  });
});

describe('greyFromRgba', () => {
  const px = (r: number, g: number, b: number, a: number) => [r, g, b, a];
  it('reads ink from alpha, dark-on-light or light-on-dark canvases', () => {
    const rgba = [...px(0, 0, 0, 255), ...px(255, 255, 255, 255), ...px(0, 0, 0, 0), ...px(0, 0, 0, 128)];
    expect(Array.from(greyFromRgba(rgba, 4, 1, 'alpha').data)).toEqual([255, 255, 0, 128]);
    expect(Array.from(greyFromRgba(rgba, 4, 1, 'dark').data)).toEqual([255, 0, 0, 128]);
    expect(Array.from(greyFromRgba(rgba, 4, 1, 'light').data)).toEqual([0, 255, 0, 0]);
    expect(() => greyFromRgba([0, 0, 0], 1, 1, 'alpha')).toThrow(/4 = 4 values/);
  });
});
