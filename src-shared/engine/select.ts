// Which backend computes a run: one rule for the run worker, the CLI and the benchmark.

import type { Backend } from './backend';
import { DEFAULT_ARCHITECTURE, type Architecture } from './arch';
import { createReferenceBackend } from './reference/lenet';
import { createParallelBackend } from './wasm/parallel';

/** 'auto': the WebAssembly SIMD backend, or the reference if this runtime cannot run it. */
export const BACKEND_CHOICES = ['auto', 'wasm', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Evaluation runs in chunks of at least this many images, whatever the training batch. */
export const EVAL_CHUNK = 200;

/** Largest batch a run's backend must take: its training batch, and evaluation chunks. */
export function backendBatch(batchSize: number): number {
  return Math.max(batchSize, EVAL_CHUNK);
}

/**
 * A backend for the architecture (the report's model by default) whose buffers take a run's
 * batches (backendBatch). 'wasm' is the data-parallel backend on one thread (the same bits as on
 * any number: engine/shards.ts; more threads need a host's pool, src-main/runs/pool.ts). 'auto'
 * falls back to the reference.
 */
export function createBackend(choice: BackendChoice, batchSize: number, architecture: Architecture = DEFAULT_ARCHITECTURE): Backend {
  const maxBatch = backendBatch(batchSize);
  if (choice === 'reference') return createReferenceBackend(maxBatch, { architecture });
  if (choice === 'wasm') return createParallelBackend(maxBatch, { architecture });
  try {
    return createParallelBackend(maxBatch, { architecture });
  } catch {
    return createReferenceBackend(maxBatch, { architecture });
  }
}
