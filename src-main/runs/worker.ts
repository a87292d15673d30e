// A run worker: trains one run (or evaluates one checkpoint) with the engine and reports to the
// supervisor through the protocol in ./protocol.ts. It reads the dataset itself (bytes stay in
// this thread), trains synchronously, and checks the shared stop flag between batches. The wasm
// backend computes on task.threads threads (./pool.ts: this one plus helpers).

import { parentPort, workerData } from 'node:worker_threads';
import type { Backend } from '../../src-shared/engine/backend';
import { architectureOf, type Architecture } from '../../src-shared/engine/arch';
import { CHECKPOINT_VERSION } from '../../src-shared/engine/checkpoint';
import { backendBatch, createBackend, type BackendChoice } from '../../src-shared/engine/select';
import { createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import type { Dataset, ImageSet, IterationInfo, IterationLoss, Trainer } from '../../src-shared/engine/types';
import { loadDatasetFrom } from '../data/mnist';
import { createEpochInsight, insightTransfer } from './insight';
import type { CheckpointPayload, EvaluateTask, TrainTask, WorkerMessage, WorkerTask } from './protocol';
import { createThreadedBackend } from './pool';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread.');

function post(m: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

/**
 * The backend of a task and what releases it: the data-parallel wasm backend on `threads` threads
 * (its helper threads end on release), or the reference; 'auto' falls back to the reference.
 */
async function makeBackend(choice: BackendChoice, batchSize: number, threads: number, architecture: Architecture): Promise<{ backend: Backend; release: () => Promise<void> }> {
  if (choice !== 'reference') {
    try {
      const backend = await createThreadedBackend(backendBatch(batchSize), threads, { architecture });
      return { backend, release: () => backend.dispose() };
    } catch (e) {
      if (choice === 'wasm') throw e;
    }
  }
  return { backend: createBackend('reference', batchSize, architecture), release: async () => {} };
}

function checkpointOf(t: Trainer): CheckpointPayload {
  return { epoch: t.epoch, iteration: t.iteration, formatVersion: CHECKPOINT_VERSION, data: t.checkpoint() };
}

function postReady(dataset: Dataset, backend: Backend, t: Trainer): void {
  post({ type: 'ready', datasetHash: dataset.hash, backend: backend.name, epoch: t.epoch, iteration: t.iteration, itersPerEpoch: t.itersPerEpoch });
}

/** Evaluates on the test set and posts the result, its arrays transferred (they are fresh). */
function postEvaluation(t: Trainer, test: ImageSet): void {
  const ev = t.evaluate(test);
  const labels = new Uint8Array(test.labels);
  post(
    { type: 'evaluation', evaluation: { count: ev.count, accuracy: ev.accuracy, loss: ev.loss, confusion: ev.confusion, labels, predicted: ev.predicted, probabilities: ev.probabilities } },
    [ev.confusion.buffer, labels.buffer, ev.predicted.buffer, ev.probabilities.buffer] as ArrayBuffer[],
  );
}

async function train(task: TrainTask): Promise<void> {
  const { backend, release } = await makeBackend(task.backend, task.config.batchSize, task.threads, architectureOf(task.config));
  try {
    trainOn(task, backend);
  } finally {
    await release();
  }
}

function trainOn(task: TrainTask, backend: Backend): void {
  const stop = new Int32Array(task.stopFlag);
  const dataset = loadDatasetFrom(task.dataset.source);
  const trainer = task.checkpoint ? restoreTrainer(task.checkpoint, dataset.train, backend) : createTrainer(task.config, dataset.train, backend);
  postReady(dataset, backend, trainer);
  if (dataset.hash !== task.dataset.hash) return; // the supervisor fails the run on the mismatch

  const cfg = task.config;
  const insight = createEpochInsight(trainer, dataset, cfg.testTimeline);
  const totalIters = cfg.epochs * trainer.itersPerEpoch;
  let pending: IterationLoss[] = [];
  let lastPost = performance.now();
  let itersSincePost = 0;
  let emaIps = 0;
  /** Posts a progress message with the losses pending so far and restarts the throttle window. */
  const postProgress = (info: IterationInfo, now: number): void => {
    if (itersSincePost > 0 && now > lastPost) {
      const ips = (itersSincePost * cfg.batchSize * 1000) / (now - lastPost);
      emaIps = emaIps === 0 ? ips : 0.7 * emaIps + 0.3 * ips;
    }
    const left = totalIters - info.iteration;
    post({
      type: 'progress',
      losses: pending,
      epoch: info.epoch,
      iteration: info.iteration,
      iterationInEpoch: info.iterationInEpoch,
      itersPerEpoch: info.itersPerEpoch,
      loss: info.loss,
      learningRate: info.learningRate,
      imagesPerSecond: emaIps,
      etaSeconds: emaIps > 0 ? (left * cfg.batchSize) / emaIps : null,
    });
    pending = [];
    lastPost = now;
    itersSincePost = 0;
  };
  while (!trainer.done) {
    if (Atomics.load(stop, 0) === 1) {
      const cp = checkpointOf(trainer);
      post({ type: 'stopped', losses: pending, checkpoint: cp }, [cp.data.buffer as ArrayBuffer]);
      return;
    }
    const info = trainer.step();
    itersSincePost++;
    pending.push({ iteration: info.iteration, epoch: info.epoch, loss: info.loss });
    if (!Number.isFinite(info.loss)) {
      post({ type: 'diverged', losses: pending, epoch: info.epoch, iteration: info.iteration });
      return;
    }
    if (info.epochEnd) {
      // Every epoch ends with a progress message, however short the epoch: a run that finishes
      // inside one throttle window still reports where it stands (live views and the CLI need
      // it). Its losses travel with the epoch's metrics (one transaction), so it carries none.
      const due = info.epoch % cfg.checkpointEvery === 0 || info.epoch === cfg.epochs;
      const cp = due ? checkpointOf(trainer) : null;
      const record = insight.measure(info.epochEnd);
      post({ type: 'epoch', losses: pending, metrics: info.epochEnd, checkpoint: cp, insight: record }, [...(cp ? [cp.data.buffer as ArrayBuffer] : []), ...insightTransfer(record)]);
      pending = [];
      postProgress(info, performance.now());
      continue;
    }
    const now = performance.now();
    if (now - lastPost >= task.progressIntervalMs) postProgress(info, now);
  }
  postEvaluation(trainer, dataset.test);
  post({ type: 'done' });
}

async function evaluate(task: EvaluateTask): Promise<void> {
  const { backend, release } = await makeBackend(task.backend, task.config.batchSize, task.threads, architectureOf(task.config));
  try {
    const dataset = loadDatasetFrom(task.dataset.source);
    const trainer = restoreTrainer(task.checkpoint, dataset.train, backend);
    postReady(dataset, backend, trainer);
    if (dataset.hash !== task.dataset.hash) throw new Error(`The dataset's files changed since it was registered (hash ${dataset.hash.slice(0, 12)}…).`);
    postEvaluation(trainer, dataset.test);
    post({ type: 'done' });
  } finally {
    await release();
  }
}

const { task } = workerData as { task: WorkerTask };
try {
  if (task.type === 'train') await train(task);
  else await evaluate(task);
} catch (e) {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
