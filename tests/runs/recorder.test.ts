// The recorder on its own (it is transport-free): worker messages → writes through a RunWriter
// and events, and what it does when writes fail or the lease is lost. The writer here is a
// stand-in that can be told to fail; the real one is tested in tests/runs/lease.test.ts.
import { describe, expect, it } from 'vitest';
import type { EventMap } from '../../src-shared/contract';
import { RunRecorder } from '../../src-main/runs/recorder';
import type { WorkerMessage } from '../../src-main/runs/protocol';
import { StoreError, type RunRecord, type RunWriter } from '../../src-main/store/index';

type Failure = Error | null;

/** A stand-in writer that keeps the run's position as the store would. */
function fakeWriter(fail: { append?: Failure; epoch?: Failure; finish?: Failure } = {}, start = { epoch: 0, iteration: 0 }) {
  const calls: string[] = [];
  const pos = { ...start, lastCheckpoint: null as { id: number; iteration: number; evaluated: boolean } | null };
  const writer: RunWriter = {
    runId: 7,
    owner: 'box/1/ab',
    renew: () => calls.push('renew'),
    appendIterationLosses: (l) => {
      if (fail.append) throw fail.append;
      calls.push(`append ${l.map((x) => x.iteration).join(',')}`);
      pos.iteration = l.at(-1)!.iteration;
    },
    recordEpoch: (r) => {
      if (fail.epoch) throw fail.epoch;
      calls.push(`epoch ${r.metrics.epoch}`);
      if (r.losses?.length) pos.iteration = r.losses.at(-1)!.iteration;
      pos.epoch = r.metrics.epoch;
      if (r.checkpoint) pos.lastCheckpoint = { id: 11, iteration: pos.iteration, evaluated: false };
      return { checkpointId: r.checkpoint ? 11 : null };
    },
    recordCheckpoint: () => {
      calls.push('checkpoint');
      return { id: 12, runId: 7, epoch: 1, iteration: 3, formatVersion: 1, byteLength: 1, sha256: '', createdAt: 0 };
    },
    recordEvaluation: () => {
      calls.push('evaluation');
      pos.lastCheckpoint!.evaluated = true;
      return {} as ReturnType<RunWriter['recordEvaluation']>;
    },
    rewind: (iteration) => {
      calls.push(`rewind ${iteration}`);
      pos.iteration = iteration;
      pos.epoch = Math.floor(iteration / 3);
    },
    setTrainedOn: (text) => calls.push(`trained on ${text}`),
    position: () => ({ ...pos }),
    finish: (status, details) => {
      if (fail.finish) throw fail.finish;
      calls.push(`finish ${status}`);
      return { status, error: details?.error ?? null } as RunRecord;
    },
  };
  return { writer, calls };
}

function recorder(writer: RunWriter) {
  const events: { name: keyof EventMap; payload: unknown }[] = [];
  const r = new RunRecorder({
    writer,
    emit: (name, payload) => events.push({ name, payload }),
    epochs: 3,
    datasetHash: 'h'.repeat(64),
    stopRequested: () => false,
  });
  return { r, events };
}

const metrics = { epoch: 1, trainAccuracy: 0.5, trainLoss: 1, valAccuracy: 0.5, valLoss: 1, learningRate: 0.001, meanIterationLoss: 1, durationMs: 1, imagesPerSecond: 1 };
const progress: WorkerMessage = { type: 'progress', losses: [{ iteration: 1, epoch: 1, loss: 2 }], epoch: 1, iteration: 1, iterationInEpoch: 1, itersPerEpoch: 3, loss: 2, learningRate: 0.001, imagesPerSecond: 10, etaSeconds: 5 };
const epoch: WorkerMessage = { type: 'epoch', losses: [{ iteration: 2, epoch: 1, loss: 2 }, { iteration: 3, epoch: 1, loss: 2 }], metrics, checkpoint: { epoch: 1, iteration: 3, formatVersion: 1, data: new Uint8Array(4) } };
const full = new Error('database or disk is full');

describe('RunRecorder', () => {
  it('writes each message and forwards events; done ends the run completed', () => {
    const { writer, calls } = fakeWriter();
    const { r, events } = recorder(writer);
    expect(r.onMessage({ type: 'ready', datasetHash: 'h'.repeat(64), backend: 'wasm', epoch: 0, iteration: 0, itersPerEpoch: 3 })).toEqual({ kind: 'continue' });
    expect(r.onMessage(progress)).toEqual({ kind: 'continue' });
    expect(r.onMessage(epoch)).toEqual({ kind: 'continue' });
    expect(r.onMessage({ type: 'evaluation', evaluation: { count: 1, accuracy: 1, loss: 0, confusion: new Int32Array(100), labels: new Uint8Array(1), predicted: new Uint8Array(1), probabilities: new Float32Array(10) } })).toEqual({ kind: 'continue' });
    expect(r.onMessage({ type: 'done' })).toEqual({ kind: 'ended', status: 'completed', recorded: true });
    expect(calls).toEqual(['append 1', 'epoch 1', 'evaluation', 'finish completed']);
    expect(r.done).toBe(true);
    expect(events.map((e) => e.name)).toEqual(['runProgress', 'runEpoch', 'runStatus']);
    expect(events[0].payload).toMatchObject({ runId: 7, epochs: 3, iteration: 1, itersPerEpoch: 3, loss: 2 });
    expect(r.onMessage(progress)).toEqual({ kind: 'continue' }); // nothing after the end
    expect(calls).toHaveLength(4);
  });

  it('a dataset that changed fails the run before anything is written', () => {
    const { writer, calls } = fakeWriter();
    const { r } = recorder(writer);
    expect(r.onMessage({ type: 'ready', datasetHash: 'x'.repeat(64), backend: 'wasm', epoch: 0, iteration: 0, itersPerEpoch: 3 })).toMatchObject({ kind: 'ended', status: 'failed' });
    expect(calls).toEqual(['finish failed']);
  });

  it('a write that fails ends the run failed with the reason', () => {
    const { writer, calls } = fakeWriter({ epoch: full });
    const { r, events } = recorder(writer);
    expect(r.onMessage(epoch)).toEqual({ kind: 'ended', status: 'failed', recorded: true });
    expect(calls).toEqual(['finish failed']);
    expect(events.at(-1)).toEqual({ name: 'runStatus', payload: { runId: 7, status: 'failed', error: 'Recording the run failed: database or disk is full' } });
  });

  it('when even the final status cannot be written, the end is still announced with both reasons', () => {
    const { writer } = fakeWriter({ epoch: full, finish: full });
    const { r, events } = recorder(writer);
    expect(r.onMessage(epoch)).toEqual({ kind: 'ended', status: 'interrupted', recorded: false });
    const last = events.at(-1)!;
    expect(last.name).toBe('runStatus');
    expect(last.payload).toMatchObject({ runId: 7, status: 'interrupted' });
    expect((last.payload as { error: string }).error).toMatch(/^Recording the run failed: database or disk is full Its end could not be recorded either: database or disk is full\..*interrupted/);
  });

  it('a lost lease stops the recording without another write, not even a status', () => {
    const lost = new StoreError('lease', 'Run 7 is no longer trained by this process');
    const { writer, calls } = fakeWriter({ append: lost });
    const { r, events } = recorder(writer);
    expect(r.onMessage(progress)).toEqual({ kind: 'lost', reason: 'Run 7 is no longer trained by this process' });
    expect(r.onMessage({ type: 'done' })).toEqual({ kind: 'continue' });
    expect(calls).toEqual([]);
    expect(events).toEqual([]);
    const { writer: w2, calls: c2 } = fakeWriter({ finish: lost });
    const { r: r2 } = recorder(w2);
    expect(r2.onMessage({ type: 'done' })).toMatchObject({ kind: 'lost' });
    expect(c2).toEqual([]);
  });

  it('a worker that exits without a final message fails the run with the exit reason', () => {
    const { writer, calls } = fakeWriter();
    const { r } = recorder(writer);
    r.onMessage(progress);
    expect(r.onExit('The training worker exited unexpectedly (exit code 1) in epoch 1.')).toMatchObject({ kind: 'ended', status: 'failed' });
    expect(calls).toEqual(['append 1', 'finish failed']);
  });

  it('replayed messages (a coordinator re-reading an agent\'s stream) are not recorded twice', () => {
    const { writer, calls } = fakeWriter();
    const { r, events } = recorder(writer);
    for (const m of [progress, epoch, progress, epoch]) r.onMessage(m);
    r.onMessage({ type: 'evaluation', evaluation: { count: 1, accuracy: 1, loss: 0, confusion: new Int32Array(100), labels: new Uint8Array(1), predicted: new Uint8Array(1), probabilities: new Float32Array(10) } });
    r.onMessage({ type: 'evaluation', evaluation: { count: 1, accuracy: 1, loss: 0, confusion: new Int32Array(100), labels: new Uint8Array(1), predicted: new Uint8Array(1), probabilities: new Float32Array(10) } });
    expect(calls).toEqual(['append 1', 'epoch 1', 'evaluation']);
    expect(events.filter((e) => e.name === 'runEpoch')).toHaveLength(1);
  });

  it('a task that starts again from an earlier checkpoint rewinds the record first, and says where it trains', () => {
    const { writer, calls } = fakeWriter({}, { epoch: 2, iteration: 8 });
    const { r } = recorder(writer);
    r.onMessage({ type: 'ready', datasetHash: 'h'.repeat(64), backend: 'wasm', epoch: 1, iteration: 3, itersPerEpoch: 3, where: 'agent b on host-2, 1 thread' });
    expect(calls).toEqual(['rewind 3', 'trained on agent b on host-2, 1 thread']);
    expect(r.onMessage({ type: 'ready', datasetHash: 'h'.repeat(64), backend: 'wasm', epoch: 3, iteration: 9, itersPerEpoch: 3 })).toMatchObject({ kind: 'ended', status: 'failed' });
  });
});
