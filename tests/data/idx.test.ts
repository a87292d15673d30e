import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxError, parseIdxImages, parseIdxLabels, parseIdxPair } from '../../src-main/data/idx';
import { idxError, imageFile, labelFile, u32be } from './idx-fixtures';

function readU32(d: Uint8Array, at: number): number {
  return new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(at, false);
}

describe('IDX images', () => {
  it('parses a valid file: header fields and pixel bytes as they are', () => {
    const f = imageFile(3);
    const r = parseIdxImages(f, 'a.idx');
    expect(r.count).toBe(3);
    expect(r.rows).toBe(28);
    expect(r.cols).toBe(28);
    expect(r.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.pixels)).toEqual(Array.from(f.subarray(16)));
  });

  it('parses the same file gzipped, identically', () => {
    const f = imageFile(4);
    const a = parseIdxImages(f, 'a');
    const b = parseIdxImages(gzipSync(f), 'a.gz');
    expect(b.count).toBe(4);
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
  });

  it('names the file and the found magic when the magic is wrong', () => {
    const e = idxError(() => parseIdxImages(labelFile([1, 2, 3]), 'train-images-idx3-ubyte'));
    expect(e.file).toBe('train-images-idx3-ubyte');
    expect(e.message).toMatch(/^train-images-idx3-ubyte: wrong magic number 2049 .*label file.*expected 2051/);
    expect(idxError(() => parseIdxImages(imageFile(1, { magic: 0x12345678 }), 'x')).message).toMatch(/wrong magic number 305419896 \(0x12345678\)/);
  });

  it('reports dimensions other than 28×28 with what was found', () => {
    expect(idxError(() => parseIdxImages(imageFile(2, { rows: 32, cols: 32 }), 'big')).message).toMatch(/big: images are 32×32; this product needs 28×28/);
    expect(idxError(() => parseIdxImages(imageFile(2, { rows: 28, cols: 27 }), 'f')).message).toMatch(/28×27/);
    // Absurd dimensions are rejected before anything is sized from them.
    const huge = imageFile(1);
    huge.set(u32be(0xffffffff), 8);
    expect(idxError(() => parseIdxImages(huge, 'f')).message).toMatch(/4294967295×28/);
  });

  it('rejects truncated and over-long payloads with both sizes', () => {
    const f = imageFile(3);
    expect(idxError(() => parseIdxImages(f.subarray(0, f.length - 1), 'f')).message).toMatch(/truncated: the header declares 3 images of 28×28 \(2,352 bytes\) but only 2,351 bytes follow/);
    const long = new Uint8Array(f.length + 5);
    long.set(f);
    expect(idxError(() => parseIdxImages(long, 'f')).message).toMatch(/too long: .* 2,357 bytes follow the header \(5 extra bytes\)/);
    expect(idxError(() => parseIdxImages(f.subarray(0, 10), 'f')).message).toMatch(/10 bytes, shorter than the 16-byte IDX image header/);
  });

  it('rejects an absurd header count without allocating from it', () => {
    // 4 billion images declared, 1 present: must be a clean "truncated" error, not a RangeError.
    const e = idxError(() => parseIdxImages(imageFile(1, { declaredCount: 0xffffffff }), 'f'));
    expect(e.message).toMatch(/truncated: the header declares 4,294,967,295 images/);
    expect(idxError(() => parseIdxImages(imageFile(0), 'f')).message).toMatch(/declares 0 images/);
  });

  it('every prefix of a valid file (plain and gzipped) is a clean error', () => {
    const f = imageFile(2);
    for (let n = 0; n < f.length; n++) idxError(() => parseIdxImages(f.subarray(0, n), `prefix-${n}`));
    const gz = gzipSync(f);
    for (let n = 0; n < gz.length; n++) idxError(() => parseIdxImages(gz.subarray(0, n), `gz-prefix-${n}`));
  });

  it('random bytes give an IdxError or a correct parse, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        let r;
        try {
          r = parseIdxImages(bytes, 'rnd');
        } catch (e) {
          expect(e).toBeInstanceOf(IdxError);
          return;
        }
        expect(readU32(bytes, 0)).toBe(2051);
        expect(r.count * 784 + 16).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('random header mutations give an IdxError or a parse that matches the header', () => {
    const base = imageFile(2);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(15), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.integer({ min: -30, max: 30 }), (edits, resize) => {
        const len = Math.max(0, base.length + resize);
        const f = new Uint8Array(len);
        f.set(base.subarray(0, Math.min(len, base.length)));
        for (const [at, v] of edits) if (at < len) f[at] = v;
        let r;
        try {
          r = parseIdxImages(f, 'mut');
        } catch (e) {
          expect(e).toBeInstanceOf(IdxError);
          expect((e as IdxError).message.startsWith('mut: ')).toBe(true);
          return;
        }
        expect(readU32(f, 0)).toBe(2051);
        expect(readU32(f, 8)).toBe(28);
        expect(readU32(f, 12)).toBe(28);
        expect(r.count).toBe(readU32(f, 4));
        expect(16 + r.count * 784).toBe(f.length);
        expect(Array.from(r.pixels)).toEqual(Array.from(f.subarray(16)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('IDX labels', () => {
  it('parses a valid file, plain and gzipped', () => {
    const f = labelFile([0, 9, 3, 3, 7]);
    expect(Array.from(parseIdxLabels(f, 'l'))).toEqual([0, 9, 3, 3, 7]);
    expect(Array.from(parseIdxLabels(gzipSync(f), 'l.gz'))).toEqual([0, 9, 3, 3, 7]);
  });

  it('rejects labels above 9 with the value and its index', () => {
    expect(idxError(() => parseIdxLabels(labelFile([1, 2, 10, 4]), 'labels')).message).toMatch(/^labels: label 10 at index 2 is above 9/);
    expect(idxError(() => parseIdxLabels(labelFile([255]), 'labels')).message).toMatch(/label 255 at index 0/);
  });

  it('rejects wrong magic, truncation, extra bytes and absurd counts', () => {
    expect(idxError(() => parseIdxLabels(imageFile(1), 'l')).message).toMatch(/wrong magic number 2051 .*image file.*expected 2049/);
    const f = labelFile([1, 2, 3]);
    expect(idxError(() => parseIdxLabels(f.subarray(0, 10), 'l')).message).toMatch(/truncated: the header declares 3 labels but only 2 bytes/);
    expect(idxError(() => parseIdxLabels(labelFile([1, 2, 3], { declaredCount: 2 }), 'l')).message).toMatch(/too long: .*1 extra byte\)/);
    expect(idxError(() => parseIdxLabels(labelFile([1], { declaredCount: 0xfffffff0 }), 'l')).message).toMatch(/truncated/);
    expect(idxError(() => parseIdxLabels(labelFile([]), 'l')).message).toMatch(/declares 0 labels/);
  });

  it('every prefix of a valid file (plain and gzipped) is a clean error', () => {
    const f = labelFile([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let n = 0; n < f.length; n++) idxError(() => parseIdxLabels(f.subarray(0, n), 'p'));
    const gz = gzipSync(f);
    for (let n = 0; n < gz.length; n++) idxError(() => parseIdxLabels(gz.subarray(0, n), 'gzp'));
  });

  it('random bytes give an IdxError or a correct parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, asLabels) => {
        // Half the runs start from a valid label header so the payload checks get exercised.
        const f = asLabels ? new Uint8Array([...u32be(2049), ...u32be(bytes.length), ...bytes]) : bytes;
        let r;
        try {
          r = parseIdxLabels(f, 'rnd');
        } catch (e) {
          expect(e).toBeInstanceOf(IdxError);
          return;
        }
        expect(readU32(f, 0)).toBe(2049);
        expect(r.length).toBe(readU32(f, 4));
        expect(Array.from(r)).toEqual(Array.from(f.subarray(8)));
        expect(r.every((l) => l <= 9)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('gzip handling', () => {
  it('a corrupt gzip is a clean error naming the file', () => {
    const gz = Buffer.from(gzipSync(imageFile(2)));
    gz[gz.length >> 1] ^= 0xff; // flip bits in the deflate stream
    gz[gz.length - 5] ^= 0xff; // and in the CRC/size trailer, so it can't pass by luck
    expect(idxError(() => parseIdxImages(gz, 'x.gz')).message).toMatch(/^x\.gz: gzip data does not inflate/);
    // Trailing garbage after the gzip member.
    const trailing = Buffer.concat([gzipSync(labelFile([1, 2])), Buffer.from([1, 2, 3])]);
    expect(idxError(() => parseIdxLabels(trailing, 'y.gz')).message).toMatch(/gzip data does not inflate/);
  });

  it('a gzip that inflates past the limit is refused (gzip bomb)', () => {
    const bomb = gzipSync(new Uint8Array(1 << 20)); // 1 MiB of zeros → ~1 KiB
    expect(bomb.length).toBeLessThan(4096);
    expect(idxError(() => parseIdxImages(bomb, 'bomb.gz', { maxBytes: 100_000 })).message).toMatch(/inflates to more than the limit of 100,000 bytes/);
    expect(idxError(() => parseIdxImages(imageFile(200), 'plain', { maxBytes: 100_000 })).message).toMatch(/more than the limit/);
  });

  it('random bytes after a gzip signature are a clean error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (rest) => {
        const f = new Uint8Array([0x1f, 0x8b, ...rest]);
        try {
          parseIdxImages(f, 'g');
        } catch (e) {
          expect(e).toBeInstanceOf(IdxError);
          return;
        }
        throw new Error('random gzip parsed as 28×28 images');
      }),
      { numRuns: 300 },
    );
  });
});

describe('image/label pairs', () => {
  it('joins matching files into an ImageSet of bytes', () => {
    const s = parseIdxPair({ data: imageFile(3), file: 'i' }, { data: gzipSync(labelFile([4, 9, 1])), file: 'l.gz' });
    expect(s.count).toBe(3);
    expect(s.pixels.length).toBe(3 * 784);
    expect(Array.from(s.labels)).toEqual([4, 9, 1]);
  });

  it('mismatched counts name both files and both counts', () => {
    const e = idxError(() => parseIdxPair({ data: imageFile(3), file: 'imgs' }, { data: labelFile([1, 2]), file: 'lbls' }));
    expect(e.message).toBe('imgs + lbls: mismatched counts: 3 images but 2 labels.');
  });
});
