// LeNet-5 (spec.md, "The model") entirely in WebAssembly: parameters, gradients and every
// activation live in linear memory, laid out once.
//
//   x    (n, 1, 32, 32)
//   C1+S2  conv 5×5 1→6, ReLU, max-pool 2×2      → s2 (n, 6, 14, 14)   [c1 (6, 28, 28) per image]
//   C3+S4  conv 5×5 6→16, ReLU, max-pool 2×2     → s4 (n, 16, 5, 5) = (n, 400)
//   C5     affine 400→120, ReLU                  → h5 (n, 120)
//   F6     affine 120→84, ReLU                   → h6 (n, 84)
//   out    affine 84→10                          → logits (n, 10) → softmax → probs, loss
//
// Parameters follow engine/layout.ts (c1.w, c1.b, c3.w, c3.b, c5.w, c5.b, f6.w, f6.b, out.w,
// out.b; 61,706 floats), gradients the same layout. Backward ADDS into the gradients.
//
// Architecture (engine/arch.ts): setup/setupShared take the architecture's code (arch.ts
// architectureCode: activation in bits 0–1, pooling in bits 2–3, LeCun's C3 in bit 4, the RBF
// output in bit 5; 0 is the report's model) and configure() lays the parameters out as
// engine/layout.ts layoutFor does. The report's model runs exactly the kernels it always ran;
// the variants swap pieces in (same shapes):
//   tanh/sigmoid + max  pool the conv outputs first (pool.ts maxPoolForward), squash the winners;
//                       backward through the winners only (poolconv.ts winner kernels)
//   average/subsampling squash every conv output (kept per image: y1, y3), average the windows
//                       (subsampling: × k + b and squash again, keeping the means: m2, m4);
//                       backward dense (avgPoolBackward, then GEMMs)
//   LeCun's C3          the unconnected kernels' gradient is zeroed after each backward
//   RBF                 F6 → penalties (rbf.ts) into `logits`, the paper's loss
// The prototypes and the C3 mask are written by the host into `archData` (engine/rbf.ts and
// engine/arch.ts are their one definition).
// The conv layers run one image at a time (forward: im2col + GEMM; backward: only the max-pool
// winners carry gradient, see poolconv.ts), so their per-image scratch stays in cache; the affine
// layers run on the whole batch (or shard). The stage functions are exported one by one so that
// a profiler can time each layer; trainStep/predict run them in order. Every activation and
// gradient is flushed to zero below the float32 normal range (ftz.ts), and a forward layer's
// weights whose every product would be flushed count as 0 (screen.ts).
//
// The same sources build two modules (scripts/build-wasm.mjs):
// - kernels: its own memory; setup(maxBatch) lays out one thread's buffers (engine/wasm/backend.ts).
// - shared kernels: imports a shared memory; one instance per thread. setupShared() (on one
//   instance) lays out the buffers all threads share and one region per thread and writes a
//   header; attach(header, thread) points an instance at them. The threads then run work items
//   (runItem): shards of a batch — a FIXED split of the batch into SHARD_COUNT parts, each
//   with its own gradient buffer — and fixed chunks of the parameters, where the shard gradients
//   are summed in shard order and the optimiser runs (optim.ts). Which thread runs which item
//   never changes a bit of the result (engine/wasm/parallel.ts).
//
// Each instance keeps its own pointers in globals (wasm globals are per instance, so per thread).
//
// The files: layout.ts (the architecture and its parameter layout), buffers.ts (the memory
// layout and the pointers), stages.ts (forward and backward, layer by layer; trainStep,
// predict), this one (the shared mode's work items, and every export of the module: AssemblyScript
// exports what the entry file exports); the kernels themselves in gemm.ts, conv.ts, pool.ts, ….

import { C5W, SHARD_COUNT, UPDATE_CHUNK, paramCount, paramStride } from './layout';
import { PROBE_SLOTS, STEP_BETA1, STEP_BETA2, STEP_C2, STEP_EPS, STEP_FROM_BYTES, STEP_HANG, STEP_LAMBDA, STEP_LR, STEP_MODE, STEP_MU, STEP_N, STEP_OPT, STEP_SIZE, STEP_SPIN, STEP_TRAP, STEP_USE_MEAN, bindShardGrads, bindSharedGrads, bindSlice, grads, l2Sums, lut, meanImage, optA, optB, params, probe, shardGrads, shardLoss, sharedGrads, stage, step, thread, xs } from './buffers';
import { backward, forward, lossGrad, lossSum } from './stages';
import { updateRange, MODE_FROM_GRADS } from './optim';
import { assembleImages } from './batch';

// ---- the module's exports ----------------------------------------------------------------------
export { SHARD_COUNT, UPDATE_CHUNK, paramCountOf, updateChunks, tensorOffset } from './layout';
export {
  setup, paramsPtr, gradsPtr, inputPtr, labelsPtr, probsPtr, s2Ptr, s4Ptr, h5Ptr, h6Ptr, logitsPtr, archDataPtr, scratchPtr,
  sharedLayoutBytes, setupShared, attach, headerWord, PROBE_SLOTS,
  HEADER_PARAMS, HEADER_GRADS, HEADER_OPT_A, HEADER_OPT_B, HEADER_SHARD_LOSS, HEADER_L2, HEADER_XS, HEADER_LABELS,
  HEADER_PROBS, HEADER_STAGE, HEADER_LUT, HEADER_MEAN, HEADER_PROBE, HEADER_END, HEADER_SHARD_GRADS, HEADER_ARCH_DATA,
} from './buffers';
export { c1Forward, c3Forward, c5Forward, f6Forward, outForward, lossForward, lossBackward, outBackward, f6Backward, c5Backward, c3Backward, c1Backward, trainStep, predict } from './stages';

// ---- shared mode: the work items ---------------------------------------------------------------

/** Work items: runItem(job, item). */
export const JOB_TRAIN: i32 = 0; // shard `item`: forward + backward into its gradient buffer
export const JOB_PREDICT: i32 = 1; // shard `item`: forward, probabilities
export const JOB_UPDATE: i32 = 2; // parameter chunk `item`: sum the shards, L2, the optimiser
export const JOB_PROBE: i32 = 3; // diagnostics: record the thread, spin, maybe trap

/** Describes the next JOB_TRAIN / JOB_PREDICT: n images; fromBytes: build them from stage first. */
export function setBatch(n: i32, fromBytes: bool, useMean: bool): void {
  store<i32>(step + STEP_N, n);
  store<i32>(step + STEP_FROM_BYTES, fromBytes ? 1 : 0);
  store<i32>(step + STEP_USE_MEAN, useMean ? 1 : 0);
}

/** Describes the next JOB_UPDATE (optim.ts: mode, optimiser and its scalars, L2 λ). */
export function setUpdate(mode: i32, opt: i32, lr: f64, stepSize: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, mu: f64, lambda: f64): void {
  store<i32>(step + STEP_MODE, mode);
  store<i32>(step + STEP_OPT, opt);
  store<f64>(step + STEP_LR, lr); store<f64>(step + STEP_SIZE, stepSize); store<f64>(step + STEP_C2, c2);
  store<f64>(step + STEP_BETA1, beta1); store<f64>(step + STEP_BETA2, beta2); store<f64>(step + STEP_EPS, eps);
  store<f64>(step + STEP_MU, mu); store<f64>(step + STEP_LAMBDA, lambda);
}

/**
 * Describes the next JOB_PROBE: each item spins `spin` rounds; in thread `trap` an item traps,
 * in thread `hang` it never ends (−1: no such thread). Tests use it to fail a helper thread.
 */
export function setProbe(spin: f64, trap: i32, hang: i32): void {
  store<f64>(step + STEP_SPIN, spin);
  store<i32>(step + STEP_TRAP, trap);
  store<i32>(step + STEP_HANG, hang);
}

/** First image of shard s of a batch of n (engine/shards.ts shardStart). */
@inline function shardStart(n: i32, s: i32): i32 { return (s * n) / SHARD_COUNT; }

/** Bit s set for each shard that holds at least one of n images (the shards that are summed). */
export function usedShards(n: i32): i32 {
  let m = 0;
  for (let s = 0; s < SHARD_COUNT; s++) if (shardStart(n, s + 1) > shardStart(n, s)) m |= 1 << s;
  return m;
}

/** Builds images [lo, lo + m) of the batch from their bytes when the step says so. */
function assembleSlice(lo: i32, m: i32): void {
  if (load<i32>(step + STEP_FROM_BYTES) == 0) return;
  assembleImages(xs, stage + <usize>lo * 784, m, lut, load<i32>(step + STEP_USE_MEAN) != 0 ? meanImage : 0);
}

/**
 * Shard s of the batch: its images' forward and backward, the gradient of the WHOLE batch's mean
 * loss (dlogits divided by n, not by the shard's size) into the shard's own gradient buffer
 * (replacing what was there); the sum of its images' losses into shardLoss[s].
 */
function trainShard(s: i32): void {
  const n = load<i32>(step + STEP_N);
  const lo = shardStart(n, s), m = shardStart(n, s + 1) - lo;
  if (m == 0) return;
  bindSlice(lo);
  assembleSlice(lo, m);
  // The conv layers (and subsampling's coefficients) add into their gradients image by image:
  // zero them (2,572 floats for the report's model); the affine layers (the other 59,134)
  // overwrite theirs. The reduction flushes every value it reads.
  bindShardGrads(s);
  memory.fill(grads, 0, C5W << 2);
  forward(m);
  store<f64>(shardLoss + (<usize>s << 3), lossSum(m, true));
  lossGrad(m, 1.0 / <f64>n);
  backward(m);
  bindSharedGrads();
}

/** Shard s of the batch: probabilities only. */
function predictShard(s: i32): void {
  const n = load<i32>(step + STEP_N);
  const lo = shardStart(n, s), m = shardStart(n, s + 1) - lo;
  if (m == 0) return;
  bindSlice(lo);
  assembleSlice(lo, m);
  forward(m);
  lossSum(m, false);
}

/** Parameter chunk c: optim.ts updateRange; its Σ w² into l2[c]. */
function updateChunk(c: i32): void {
  const lo = c * UPDATE_CHUNK, hi = min(paramCount, lo + UPDATE_CHUNK);
  const mode = load<i32>(step + STEP_MODE);
  const l2 = updateRange(
    lo, hi, mode, params, sharedGrads, shardGrads, paramStride, mode == MODE_FROM_GRADS ? 0 : usedShards(load<i32>(step + STEP_N)),
    load<i32>(step + STEP_OPT), optA, optB, load<f64>(step + STEP_LR), load<f64>(step + STEP_SIZE), load<f64>(step + STEP_C2),
    load<f64>(step + STEP_BETA1), load<f64>(step + STEP_BETA2), load<f64>(step + STEP_EPS), load<f64>(step + STEP_MU), load<f64>(step + STEP_LAMBDA),
  );
  store<f64>(l2Sums + (<usize>c << 3), l2);
}

/** Diagnostics: records which thread ran item i, burns `spin` rounds, traps in thread `trap`, never ends in thread `hang`. */
function probeItem(i: i32): void {
  const hang = thread == load<i32>(step + STEP_HANG);
  const spin = load<f64>(step + STEP_SPIN);
  let x: f64 = 1;
  for (let k: f64 = 0; hang || k < spin; k++) x = x * 1.0000001 + 1e-9;
  store<i32>(probe + (<usize>(i & (PROBE_SLOTS - 1)) << 2), x > 0 ? thread : -1);
  if (thread == load<i32>(step + STEP_TRAP)) unreachable();
}

/** Runs one work item of a job (JOB_*). */
export function runItem(job: i32, item: i32): void {
  if (job == JOB_TRAIN) trainShard(item);
  else if (job == JOB_PREDICT) predictShard(item);
  else if (job == JOB_UPDATE) updateChunk(item);
  else if (job == JOB_PROBE) probeItem(item);
  else unreachable();
}

// ---- kernel entry points for the kernel tests and micro-benchmarks ---------------------------
export { gemmNN, gemmNT } from './gemm';
export { im2col, conv1Direct } from './conv';
export { reluPoolForward, maxPoolForward, avgPoolForward, avgPoolBackward, subsampleForward, subsampleBackward } from './pool';
export { im2colT5, col2imT5, poolConvBackward, poolConvWeightGrad25, winnerConvBackward, winnerWeightGrad25 } from './poolconv';
export { activateInPlace, activationGrad } from './activation';
export { rbfForward, rbfLoss, rbfLossBackward, rbfBackward } from './rbf';
export { affineBackwardAct } from './affine';
export { assembleImages } from './batch';
export { updateRange } from './optim';
export { flushBuffer } from './ftz';
export { screenConv, screenAffine, scaleUp } from './screen';
