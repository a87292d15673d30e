// Training on real worker threads (src-main/runs/pool.ts): the same run on 1, 2 and 3 threads,
// and stopped on one thread count and resumed on another, ends with byte-identical parameters
// (engine/shards.ts: the batch split never depends on the threads). Helpers really compute, and
// a helper that throws or stops mid-job fails the step with an error instead of hanging it.
import { afterAll, describe, expect, it } from 'vitest';
import { createThreadedBackend, type ThreadedBackend } from '../../src-main/runs/pool';
import { createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import type { IterationInfo, TrainConfig } from '../../src-shared/engine/types';
import { LENET1998_ARCHITECTURE, type Architecture } from '../../src-shared/engine/arch';
import { expectSameBits, mnistTest, mnistTrain, smallConfig } from './helpers';

const set = mnistTrain(400);
const test = mnistTest(100);
// The report's recipe in small: Adam, L2, mean-image centring, shuffled batches of 40 (8 shards
// of 5), four epochs of 9 iterations (the last batch 20 images), 36 steps in all with the evaluations.
const cfg: TrainConfig = smallConfig({
  epochs: 4, batchSize: 40, trainSubset: 340, validationSize: 60, trainEvalSize: 50, sampling: 'shuffle',
  optimizer: 'adam', weightDecay: 1e-3, normalization: 'center', init: 'he', decayStart: 2, decayFactor: 0.8, learningRate: 2e-3,
});

const open: ThreadedBackend[] = [];
async function backend(threads: number, architecture?: Architecture): Promise<ThreadedBackend> {
  const b = await createThreadedBackend(64, threads, { architecture });
  open.push(b);
  return b;
}
afterAll(async () => {
  await Promise.all(open.map((b) => b.dispose()));
});

/** Everything a checkpoint holds (parameters, Adam's m and v, the permutation, the PRNG state…) is equal, bar the timings. */
function expectSameCheckpoint(got: Uint8Array, want: Uint8Array, what: string): void {
  const a = decodeCheckpoint(got), w = decodeCheckpoint(want);
  expect({ ...a.header, epochTrainMs: 0, epochEvalMs: 0 }, `${what}: checkpoint header`).toEqual({ ...w.header, epochTrainMs: 0, epochEvalMs: 0 });
  expect([...a.buffers.keys()]).toEqual(['params', 'adam.m', 'adam.v', 'permutation']);
  for (const [name, buf] of a.buffers) {
    const other = w.buffers.get(name)!;
    expect(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).equals(Buffer.from(other.buffer, other.byteOffset, other.byteLength)), `${what}: checkpoint buffer ${name}`).toBe(true);
  }
}

/** Info without the timings (they differ between runs). */
const plain = (i: IterationInfo & { epochEnd?: { durationMs: number; imagesPerSecond: number } }) => ({ ...i, epochEnd: i.epochEnd && { ...i.epochEnd, durationMs: 0, imagesPerSecond: 0 } });

describe('the thread count never changes a bit', () => {
  it('1, 2 and 3 threads: identical losses, metrics, parameters, optimiser state and test predictions', async () => {
    const runs = [];
    for (const threads of [1, 2, 3]) {
      const b = await backend(threads);
      expect(b.threads).toBe(threads);
      const t = createTrainer(cfg, set, b);
      const infos = [];
      while (!t.done) infos.push(plain(t.step()));
      runs.push({ threads, infos, params: t.params.slice(), checkpoint: t.checkpoint(), probs: t.evaluate(test).probabilities });
    }
    expect(runs[0].infos.length).toBe(36);
    for (const r of runs.slice(1)) {
      expect(r.infos, `${r.threads} threads: losses and epoch metrics`).toEqual(runs[0].infos);
      expectSameBits(r.params, runs[0].params, `params on ${r.threads} threads`);
      expectSameBits(r.probs, runs[0].probs, `test probabilities on ${r.threads} threads`);
      expectSameCheckpoint(r.checkpoint, runs[0].checkpoint, `${r.threads} threads`);
    }
  });

  it('stopped on 2 threads mid-epoch, resumed on 1 and on 3: the same as never stopping', async () => {
    const whole = createTrainer(cfg, set, await backend(1));
    while (!whole.done) whole.step();
    const two = createTrainer(cfg, set, await backend(2));
    while (two.iteration < 13) two.step(); // mid-epoch 2
    const saved = two.checkpoint();
    for (const threads of [1, 3]) {
      const resumed = restoreTrainer(saved, set, await backend(threads));
      expect(resumed.iteration).toBe(13);
      while (!resumed.done) resumed.step();
      expectSameBits(resumed.params, whole.params, `resumed on ${threads} threads`);
      expectSameCheckpoint(resumed.checkpoint(), whole.checkpoint(), `resumed on ${threads} threads`);
    }
  });

  it('LeCun\'s 1998 network (every switch original: its own kernels and layout) on 1 and 3 threads, and resumed on 2', async () => {
    const c = { ...cfg, ...LENET1998_ARCHITECTURE, epochs: 2 };
    const one = createTrainer(c, set, await backend(1, LENET1998_ARCHITECTURE));
    while (one.iteration < 7) one.step();
    const saved = one.checkpoint();
    while (!one.done) one.step();
    const three = createTrainer(c, set, await backend(3, LENET1998_ARCHITECTURE));
    while (!three.done) three.step();
    expectSameBits(three.params, one.params, 'LeNet-1998 params on 3 threads');
    const resumed = restoreTrainer(saved, set, await backend(2, LENET1998_ARCHITECTURE));
    while (!resumed.done) resumed.step();
    expectSameBits(resumed.params, one.params, 'LeNet-1998 resumed on 2 threads');
    expectSameBits(resumed.evaluate(test).probabilities, one.evaluate(test).probabilities, 'LeNet-1998 test probabilities');
  });
});

describe('helpers and failures', () => {
  it('helper threads run items (the probe records who ran each one)', async () => {
    const b = await backend(3);
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 20 && seen.size < 3; attempt++) for (const t of b.probe(255, 20_000)) seen.add(t);
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('a helper whose item throws fails the step with its error, not a hang; the backend then refuses to go on', async () => {
    const b = await createThreadedBackend(8, 2);
    let error: Error | null = null;
    for (let attempt = 0; attempt < 50 && !error; attempt++) {
      try {
        b.probe(255, 20_000, 1); // thread 1 traps in any item it claims
      } catch (e) {
        error = e as Error;
      }
    }
    expect(error?.message).toMatch(/compute thread 1 failed: unreachable/);
    expect(() => b.trainStep(new Float32Array(1024), new Uint8Array(1), 1)).toThrow(/failed earlier/);
    await b.dispose();
  });

  it('a helper that never finishes its item fails the step after the stall timeout', async () => {
    const b = await createThreadedBackend(8, 2, { stallTimeoutMs: 300 });
    let error: Error | null = null;
    for (let attempt = 0; attempt < 50 && !error; attempt++) {
      try {
        b.probe(255, 20_000, -1, 1); // thread 1 spins forever in any item it claims
      } catch (e) {
        error = e as Error;
      }
    }
    expect(error?.message).toMatch(/no compute thread finished an item for \d+ s/);
    await b.dispose(); // terminates the spinning thread
  }, 20_000);

  it('refuses a bad thread count with a clear message', async () => {
    for (const t of [0, -1, 257, 1.5, NaN]) {
      await expect(createThreadedBackend(8, t)).rejects.toThrow(/threads must be a whole number between 1 and 256/);
    }
  });

  it('more threads than shards start only as many as can compute', async () => {
    const b = await backend(12);
    expect(b.threads).toBe(8);
  });
});
