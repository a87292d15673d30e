// The CLI's training loop with the real solver and the wasm backend on a tiny MNIST subset.
import { describe, expect, it } from 'vitest';
import { runTrainingLoop } from '../../src-main/cli/loop';
import { loadMnist } from '../../src-main/data/mnist';
import { DEFAULT_CONFIG, type RunConfig } from '../../src-shared/config';
import { createTrainer, restoreTrainer, type EpochMetrics, type ImageSet, type IterationInfo } from '../../src-shared/engine';
import { createWasmBackend } from '../../src-shared/engine/wasm/backend';

const mnist = loadMnist();
const small: RunConfig = { ...DEFAULT_CONFIG, init: 'he', epochs: 3, batchSize: 50, trainSubset: 200, trainEvalSize: 200, validationSize: 100, checkpointEvery: 2 };
const testSlice: ImageSet = { count: 300, rows: 28, cols: 28, pixels: mnist.test.pixels.subarray(0, 300 * 784), labels: mnist.test.labels.subarray(0, 300) };

function trainer(cfg: RunConfig = small) {
  return createTrainer(cfg, mnist.train, createWasmBackend(200));
}

describe('training loop', () => {
  it('runs every iteration and epoch through the callbacks, checkpoints on schedule, evaluates the test set', async () => {
    const iters: IterationInfo[] = [];
    const epochs: EpochMetrics[] = [];
    const checkpoints: [number, number][] = [];
    const r = await runTrainingLoop(
      trainer(),
      { onIteration: (i) => iters.push(i), onEpoch: (m) => epochs.push(m), onCheckpoint: (e, it, bytes) => (checkpoints.push([e, it]), expect(bytes.length).toBeGreaterThan(61706 * 4)) },
      { testSet: testSlice },
    );
    expect(r.status).toBe('completed');
    expect(iters.map((i) => i.iteration)).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(checkpoints).toEqual([[2, 8], [3, 12]]);
    expect([r.epoch, r.iteration]).toEqual([3, 12]);
    expect(r.test!.count).toBe(300);
    let sum = 0;
    for (const c of r.test!.confusion) sum += c;
    expect(sum).toBe(300);
    expect(r.test!.accuracy).toBeGreaterThan(0.3); // 12 small batches: well above chance (0.1)
  });

  it('a stop requested from another event (as Ctrl-C) ends after the current batch with a resumable checkpoint', async () => {
    let stop = false;
    let seen = 0;
    let saved: Uint8Array | null = null;
    let savedAt = -1;
    const r = await runTrainingLoop(
      trainer(),
      {
        onIteration: () => {
          if (++seen === 5) setTimeout(() => (stop = true), 0); // like a signal handler: runs only if the loop yields
        },
        onCheckpoint: (_e, it, bytes) => ((saved = bytes), (savedAt = it)),
      },
      { shouldStop: () => stop, testSet: testSlice, yieldEveryMs: 0 },
    );
    expect(r.status).toBe('stopped');
    expect(r.iteration).toBeGreaterThanOrEqual(5);
    expect(r.iteration).toBeLessThan(12);
    expect(savedAt).toBe(r.iteration);
    expect(r.test!.count).toBe(300);
    // The stop checkpoint continues the run: the finished parameters equal an uninterrupted run's.
    const resumed = restoreTrainer(saved!, mnist.train, createWasmBackend(200));
    await runTrainingLoop(resumed);
    const straight = trainer();
    await runTrainingLoop(straight);
    expect(Buffer.from(resumed.params.buffer).equals(Buffer.from(straight.params.buffer))).toBe(true);
  });

  it('a non-finite loss stops the run as diverged, without a test evaluation', async () => {
    // Plain SGD at rate 10 overflows within a few iterations (seeded, so always the same way).
    const cfg: RunConfig = { ...small, optimizer: 'sgd', learningRate: 10, trainSubset: 400, epochs: 5 };
    const r = await runTrainingLoop(trainer(cfg), {}, { testSet: testSlice });
    expect(r.status).toBe('diverged');
    expect(Number.isFinite(r.divergedAt!.loss)).toBe(false);
    expect(r.iteration).toBe(r.divergedAt!.iteration);
    expect(r.test).toBeUndefined();
  });
});
