import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DARK_DIGIT, LIGHT_DIGIT, digitToRgba } from '../../src-shared/ui/digit';

describe('digitToRgba', () => {
  it('maps 0 to paper and 255 to ink, opaque', () => {
    const px = new Uint8Array(28 * 28);
    px[0] = 255;
    px[1] = 128;
    const rgba = digitToRgba(px);
    expect(rgba.length).toBe(28 * 28 * 4);
    expect(Array.from(rgba.slice(0, 4))).toEqual([...LIGHT_DIGIT.ink, 255]);
    expect(Array.from(rgba.slice(8, 12))).toEqual([...LIGHT_DIGIT.paper, 255]);
    expect(rgba[4]).toBeGreaterThan(LIGHT_DIGIT.ink[0]);
    expect(rgba[4]).toBeLessThan(LIGHT_DIGIT.paper[0]);
    const dark = digitToRgba(px, 28, 28, DARK_DIGIT);
    expect(Array.from(dark.slice(0, 4))).toEqual([...DARK_DIGIT.ink, 255]);
  });

  it('reads the digit at an offset in a batch of images', () => {
    const batch = new Uint8Array(3 * 4);
    batch.fill(255, 4, 8); // second 2×2 image all ink
    const rgba = digitToRgba(batch, 2, 2, LIGHT_DIGIT, 4);
    for (let i = 0; i < 4; i++) expect(rgba[i * 4]).toBe(LIGHT_DIGIT.ink[0]);
  });

  it('is monotone: more ink, darker on light paper', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 254 }), (v) => {
        const rgba = digitToRgba(new Uint8Array([v, v + 1]), 1, 2);
        expect(rgba[0]).toBeGreaterThanOrEqual(rgba[4]);
      }),
    );
  });

  it('refuses short buffers and bad sizes with a clear message', () => {
    expect(() => digitToRgba(new Uint8Array(100))).toThrow(/Need 784 bytes/);
    expect(() => digitToRgba(new Uint8Array(784), 28, 28, LIGHT_DIGIT, 1)).toThrow(/offset 1/);
    expect(() => digitToRgba(new Uint8Array(784), 0, 28)).toThrow(/between 1×1/);
    expect(() => digitToRgba(new Uint8Array(784), 28.5, 28)).toThrow(/between 1×1/);
  });
});
