// Shared fixtures for the run and API tests: temp folders, a tiny IDX dataset cut from MNIST
// (so a whole run with its test evaluation takes a second or two), and a small run config.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../../src-shared/config';
import { EVENT_NAMES, type EventMap, type EventName } from '../../src-shared/contract';
import { loadMnist } from '../../src-main/data/mnist';
import type { Workbench } from '../../src-main/api/workbench';

export function tempDir(prefix = 'lenet-runs-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function idxImages(pixels: Uint8Array, count: number): Buffer {
  const b = Buffer.alloc(16 + count * 784);
  b.writeUInt32BE(2051, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(28, 8);
  b.writeUInt32BE(28, 12);
  Buffer.from(pixels.buffer, pixels.byteOffset, count * 784).copy(b, 16);
  return b;
}

function idxLabels(labels: Uint8Array, count: number): Buffer {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(2049, 0);
  b.writeUInt32BE(count, 4);
  Buffer.from(labels.buffer, labels.byteOffset, count).copy(b, 8);
  return b;
}

/** Writes the first `train` training and `test` test images of MNIST as an IDX folder. */
export function writeTinyDataset(dir: string, train = 900, test = 300): string {
  const m = loadMnist();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxImages(m.train.pixels, train));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels(m.train.labels, train));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(m.test.pixels, test));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxLabels(m.test.labels, test));
  return dir;
}

/** A run on the tiny dataset: 500 training images, batch 50 → 10 iterations an epoch. */
export function tinyConfig(dataset: string, over: Partial<RunConfig> = {}): Partial<RunConfig> {
  return {
    dataset,
    epochs: 2,
    batchSize: 50,
    validationSize: 200,
    trainSubset: 500,
    trainEvalSize: 200,
    checkpointEvery: 1,
    decayStart: 1,
    decayFactor: 0.9,
    ...over,
  };
}

/** Records every event of a workbench, in order. */
export function recordEvents(wb: Workbench): { all: { name: EventName; payload: EventMap[EventName] }[]; of<K extends EventName>(name: K): EventMap[K][] } {
  const all: { name: EventName; payload: EventMap[EventName] }[] = [];
  for (const name of EVENT_NAMES) {
    wb.events.on(name, (payload) => all.push({ name, payload }));
  }
  return { all, of: <K extends EventName>(name: K) => all.filter((e) => e.name === name).map((e) => e.payload as EventMap[K]) };
}

/** Resolves when a run reaches one of the statuses (polling the API; fails after timeoutMs). */
export async function waitForStatus(wb: Workbench, id: number, statuses: readonly string[], timeoutMs = 60_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const r = await wb.api.getRun({ id });
    if (statuses.includes(r.status)) return r.status;
    if (Date.now() - t0 > timeoutMs) throw new Error(`Run ${id} is still ${r.status} after ${timeoutMs} ms (waiting for ${statuses.join('/')}).`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
