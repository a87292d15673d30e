// Checkpoints: exact continuation from any step (mid-epoch and at an epoch boundary) for every
// sampling mode and both optimisers, and clean refusals of bad bytes (fast-check), other
// versions and other training sets — without touching the backend.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTrainer, restoreTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { CHECKPOINT_VERSION, crc32, decodeCheckpoint, encodeCheckpoint } from '../../src-shared/engine/checkpoint';
import type { EpochMetrics, TrainConfig } from '../../src-shared/engine/types';
import { expectSameBits, mnistTrain, sliceSet, smallConfig } from './helpers';

const set = mnistTrain(50); // 40 training images, 10 validation
const withoutTiming = (m: EpochMetrics | undefined) => m && { ...m, durationMs: 0, imagesPerSecond: 0 };

describe('exact continuation', () => {
  const variants: [string, Partial<TrainConfig>][] = [
    ['sequential, adam', { sampling: 'sequential', optimizer: 'adam' }],
    ['shuffle, adam', { sampling: 'shuffle', optimizer: 'adam' }],
    ['bootstrap, sgd with momentum', { sampling: 'bootstrap', optimizer: 'sgd', momentum: 0.9, learningRate: 0.01 }],
    ['shuffle, plain sgd', { sampling: 'shuffle', optimizer: 'sgd', momentum: 0, learningRate: 0.01 }],
    ['sequential, adam, center normalisation (mean image in the checkpoint)', { sampling: 'sequential', optimizer: 'adam', normalization: 'center' }],
  ];
  for (const [name, over] of variants) {
    it(`${name}: restoring mid-epoch or at an epoch boundary continues bit-identically`, () => {
      // 20 training images in batches of 4: 5 iterations per epoch
      const cfg = smallConfig({ epochs: 2, batchSize: 4, trainSubset: 20, validationSize: 10, trainEvalSize: 10, decayStart: 1, decayFactor: 0.5, ...over });
      const a = createTrainer(cfg, set, createReferenceBackend(4));
      expect(a.itersPerEpoch).toBe(5);
      const snaps = new Map<number, Uint8Array>();
      const infos = [];
      while (!a.done) {
        if (a.iteration === 3 || a.iteration === 5) snaps.set(a.iteration, a.checkpoint()); // mid-epoch 1; start of epoch 2
        infos.push(a.step());
      }
      const finalA = a.params.slice();
      for (const [at, bytes] of snaps) {
        const b = restoreTrainer(bytes, set, createReferenceBackend(4));
        expect(b.iteration).toBe(at);
        expect(b.epoch).toBe(Math.floor(at / 5));
        expect(b.iterationInEpoch).toBe(at % 5);
        expect(Buffer.compare(b.checkpoint(), bytes)).toBe(0); // the restored state is the saved state, byte for byte
        const rest = [];
        while (!b.done) rest.push(b.step());
        expect(rest.map((i) => ({ ...i, epochEnd: withoutTiming(i.epochEnd) }))).toEqual(infos.slice(at).map((i) => ({ ...i, epochEnd: withoutTiming(i.epochEnd) })));
        expectSameBits(b.params, finalA, `params after restoring at iteration ${at}`);
      }
      const end = restoreTrainer(a.checkpoint(), set, createReferenceBackend(4));
      expect(end.done).toBe(true);
      expectSameBits(end.params, finalA, 'params of a finished run');
    });
  }

  it('taking a checkpoint changes nothing', () => {
    const cfg = smallConfig({ epochs: 1, batchSize: 4, trainSubset: 16, validationSize: 10, sampling: 'bootstrap' });
    const a = createTrainer(cfg, set, createReferenceBackend(4));
    const b = createTrainer(cfg, set, createReferenceBackend(4));
    while (!a.done) { a.checkpoint(); a.step(); b.step(); }
    expectSameBits(a.params, b.params, 'params');
  });
});

describe('bad checkpoints are refused with a clear message, touching nothing', () => {
  const cfg = smallConfig({ epochs: 2, batchSize: 8, validationSize: 10, sampling: 'shuffle' });
  const t = createTrainer(cfg, set, createReferenceBackend(8));
  t.step(); t.step();
  const good = t.checkpoint();
  const KNOWN = /checkpoint|Checkpoint/;

  function refuse(bytes: Uint8Array, msg: RegExp = KNOWN, trainSet = set): void {
    const backend = createReferenceBackend(8);
    let err: unknown = null;
    try { restoreTrainer(bytes, trainSet, backend); } catch (e) { err = e; }
    expect(err, 'restore must fail').toBeInstanceOf(Error);
    expect((err as Error).constructor).toBe(Error); // not a TypeError/RangeError from deep inside
    expect((err as Error).message).toMatch(msg);
    expect(backend.params.every((p) => p === 0)).toBe(true);
  }

  /** Rewrites the header (keeping the buffers) and re-signs, to reach the checks behind the checksum. */
  function withHeader(edit: (h: Record<string, unknown>) => void, dropBuffer?: string): Uint8Array {
    const d = decodeCheckpoint(good);
    const h = { ...d.header };
    delete h.buffers;
    edit(h);
    return encodeCheckpoint(h, [...d.buffers].filter(([n]) => n !== dropBuffer).map(([name, data]) => ({ name, data })));
  }

  it('the good checkpoint restores (control)', () => {
    expect(restoreTrainer(good, set, createReferenceBackend(8)).iteration).toBe(2);
  });

  it('wrong magic, newer or unknown version, extra bytes, flipped bits', () => {
    const m = good.slice(); m[0] = 0x58;
    refuse(m, /wrong magic number/);
    const resign = (b: Uint8Array) => { new DataView(b.buffer).setUint32(b.length - 4, crc32(b, b.length - 4), true); return b; };
    const v2 = good.slice(); new DataView(v2.buffer).setUint32(8, CHECKPOINT_VERSION + 1, true);
    refuse(resign(v2), /version 3 is newer than this engine reads \(versions 1 and 2\): update LeNet Workbench/);
    const v0 = good.slice(); new DataView(v0.buffer).setUint32(8, 0, true);
    refuse(v0, /Unknown checkpoint format version 0/);
    const long = new Uint8Array(good.length + 3); long.set(good);
    refuse(long, /3 unexpected bytes after its end/);
    const flipped = good.slice(); flipped[good.length - 1000] ^= 0x10;
    refuse(flipped, /checksum mismatch/);
  });

  it('every prefix of the header region and random truncations (fast-check)', () => {
    for (let n = 0; n < 1200; n += 7) refuse(good.subarray(0, n));
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), (n) => { refuse(good.subarray(0, n), /truncated|Not a LeNet|Corrupt/); }), { numRuns: 60 });
  });

  it('random bytes, and random bytes behind a valid magic and version (fast-check)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => { refuse(b); }), { numRuns: 200 });
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (tail) => {
      const b = new Uint8Array(12 + tail.length);
      b.set(good.subarray(0, 12)); b.set(tail, 12);
      refuse(b);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
      const b = good.slice(); b[pos] ^= x;
      refuse(b);
    }), { numRuns: 60 });
  });

  it('a signed header that lies is still caught', () => {
    refuse(withHeader((h) => { (h.config as Record<string, unknown>).batchSize = 'eight'; }), /Corrupt checkpoint: Invalid training config: batchSize must be a whole number/);
    refuse(withHeader((h) => { h.iteration = 3; }), /iteration 3 does not match epoch 0 and position 2/);
    refuse(withHeader((h) => { h.iterationInEpoch = 7; h.iteration = 7; }), /iterationInEpoch must be a whole number 0\.\.4/);
    refuse(withHeader(() => {}, 'params'), /buffer "params" must hold 61706/);
    refuse(withHeader(() => {}, 'adam.v'), /buffer "adam.v"/);
    refuse(withHeader((h) => { h.optimizer = { name: 'sgd', t: 2 }; }), /not for "adam"/);
    refuse(withHeader((h) => { h.rng = [0, 0, 0, 0]; }), /all zeros/);
    refuse(withHeader((h) => { h.rng = 'x'; }), /PRNG state is missing/);
    refuse(withHeader((h) => { h.kind = 'gpt2'; }), /not a LeNet-5 trainer checkpoint/);
    refuse(withHeader((h) => { h.normalization = { mode: 'standardize', mean: 0.1, std: 0 }; }), /normalisation statistics/);
    const d = decodeCheckpoint(good);
    const perm = (d.buffers.get('permutation') as Uint32Array).slice();
    perm[0] = perm[1];
    const h = { ...d.header }; delete h.buffers;
    refuse(encodeCheckpoint(h, [...d.buffers].map(([name, data]) => ({ name, data: name === 'permutation' ? perm : data }))), /not a permutation/);
  });

  it('a training set of another size, or other content of the same size', () => {
    refuse(good, /made with a training set of 50 images; the one given has 49/, sliceSet(set, 0, 49));
    const other = mnistTrain(60);
    refuse(good, /different training set of the same size/, sliceSet(other, 10, 50));
  });

  it('a backend too small for the batch', () => {
    expect(() => restoreTrainer(good, set, createReferenceBackend(4))).toThrow(/exceeds the backend's maxBatch \(4\)/);
  });
});
