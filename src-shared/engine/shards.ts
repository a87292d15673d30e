// Data-parallel training with results that never depend on the thread count.
//
// A batch of n images is split into SHARD_COUNT shards, always the same way whatever the number
// of threads: shard s holds images [⌊s·n/8⌋, ⌊(s+1)·n/8⌋) (batch 200: 8 shards of 25; a batch
// of fewer than 8 images leaves some shards empty). Each shard's gradient (of the whole batch's
// mean loss) goes into its own buffer, and the buffers are summed in shard order:
//
//   g[i] = flush(((0 + f(shard_0[i])) + f(shard_1[i])) + … + f(shard_7[i]))   float32, f = flush,
//                                                                           empty shards skipped
// (the shard buffers are flushed as they are read rather than in a pass of their own).
//
// The parameters are then updated in fixed chunks of UPDATE_CHUNK indices (L2 and the optimiser
// are per element; the L2 loss is summed per chunk, then over chunks in order). Threads only
// decide WHO computes a shard or a chunk, never what is computed: 1, 2 or 16 threads, or a run
// stopped on 2 and resumed on 1, give the same bits. engine/wasm/parallel.ts runs this;
// sumShards below is the plain reference of the reduction.
//
// Why 8: it is the most threads one run can keep busy, and every shard costs a gradient buffer
// (247 KB) to zero and to sum per step; at batch 200 on one thread the split costs about 2% over
// a single whole-batch pass (docs/performance.md).

import { flush32 } from './ftz';

export const SHARD_COUNT = 8;
/** Parameters per update chunk. */
export const UPDATE_CHUNK = 4096;
/** Threads one run may be given: any more than SHARD_COUNT compute nothing (they are not started). */
export const MAX_THREADS = 256;

/** The first image of shard s (0 ≤ s ≤ SHARD_COUNT) of a batch of n. */
export function shardStart(n: number, s: number): number {
  return Math.floor((s * n) / SHARD_COUNT);
}

/**
 * The reference reduction: grads[i] ← flush(grads[i] + flush(shards[0][i]) + flush(shards[1][i])
 * + …), in float32, shard order, skipping shards that hold no image of a batch of n.
 */
export function sumShards(grads: Float32Array, shards: readonly Float32Array[], n: number): void {
  if (shards.length !== SHARD_COUNT) throw new Error(`sumShards: expected ${SHARD_COUNT} shard buffers (got ${shards.length}).`);
  const used = shards.filter((_, s) => shardStart(n, s + 1) > shardStart(n, s));
  for (let i = 0; i < grads.length; i++) {
    let g = grads[i];
    for (const b of used) g = Math.fround(g + flush32(b[i]));
    grads[i] = flush32(g);
  }
}

/** Checks a thread count: a whole number 1..MAX_THREADS, else a clear error naming `what`. */
export function checkThreads(threads: unknown, what = 'threads'): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new Error(`${what} must be a whole number between 1 and ${MAX_THREADS} (got ${JSON.stringify(threads)}).`);
  }
  return threads;
}
