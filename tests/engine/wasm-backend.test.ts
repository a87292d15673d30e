// The wasm SIMD backend against the plain TypeScript reference (llm.c's test_gpt2 style: same
// parameters and batch into both, compare loss, probabilities and every gradient tensor, and
// name the tensor that differs), plus a finite-difference check of the wasm backend itself,
// bad input, accumulation and the input view.
import { describe, it, expect } from 'vitest';
import { createWasmBackend, decodeBase64, type WasmBackend } from '../../src-shared/engine/wasm/backend';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { PARAM_TABLE, PARAM_COUNT } from '../../src-shared/engine/layout';
import { Prng } from '../../src-shared/engine/prng';
import type { Backend } from '../../src-shared/engine/backend';
import fc from 'fast-check';

const IMG = 1024;

/** He-like random parameters: activations neither vanish nor explode, so every path is exercised. */
function randomParams(rng: Prng): Float32Array {
  const p = new Float32Array(PARAM_COUNT);
  for (const e of PARAM_TABLE) {
    const fanIn = e.shape.length === 1 ? 10 : e.size / e.shape[0];
    const s = e.shape.length === 1 ? 0.1 : Math.sqrt(2 / fanIn);
    for (let i = 0; i < e.size; i++) p[e.offset + i] = rng.normal() * s;
  }
  return p;
}

/** Random images: 'noise' is N(0,1) everywhere; 'digits' mimics padded, standardised MNIST — a
 * constant background (many exact max-pool ties) with a few bright strokes. */
function randomBatch(rng: Prng, n: number, kind: 'noise' | 'digits'): { x: Float32Array; labels: Uint8Array } {
  const x = new Float32Array(n * IMG);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.below(10);
    if (kind === 'noise') {
      for (let j = 0; j < IMG; j++) x[i * IMG + j] = rng.normal();
    } else {
      x.fill(-0.4242, i * IMG, (i + 1) * IMG);
      for (let s = 0; s < 40; s++) {
        const r = 6 + rng.below(20), c = 6 + rng.below(20);
        x[i * IMG + r * 32 + c] = 2.8215;
        x[i * IMG + r * 32 + c + 1] = 1 + rng.uniform();
      }
    }
  }
  return { x, labels };
}

/**
 * Fails naming the tensor and element when |got − want| > tol·(|want| + max|want of the tensor|).
 * The second term keeps near-zero entries of a tensor (where float32 summation order dominates)
 * from failing on pure rounding.
 */
function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= tol * (Math.abs(want[i]) + scale))) {
      expect.fail(`${name}[${i}]: wasm ${got[i]} vs reference ${want[i]} (|diff| ${diff.toExponential(2)}, tensor max ${scale.toExponential(2)})`);
    }
  }
}

function expectGradsClose(wasm: Backend, ref: Backend, tol: number): void {
  for (const e of PARAM_TABLE) {
    expectClose(`grad ${e.name}`, wasm.grads.subarray(e.offset, e.offset + e.size), ref.grads.subarray(e.offset, e.offset + e.size), tol);
  }
}

/** Non-zero gradient entries per tensor (a check that the comparison is not vacuous). */
function nonZeroFraction(b: Backend, name: string): number {
  const e = PARAM_TABLE.find((p) => p.name === name)!;
  let nz = 0;
  for (let i = e.offset; i < e.offset + e.size; i++) if (b.grads[i] !== 0) nz++;
  return nz / e.size;
}

describe('wasm backend vs the TypeScript reference', () => {
  for (const [kind, seed, n] of [['noise', 1, 7], ['digits', 2, 9], ['noise', 3, 1], ['digits', 4, 32]] as const) {
    it(`${kind} inputs, n=${n}: loss, probabilities and every gradient agree`, () => {
      const rng = new Prng(seed);
      const params = randomParams(rng);
      const { x, labels } = randomBatch(rng, n, kind);
      const wasm = createWasmBackend(32);
      const ref = createReferenceBackend(32);
      wasm.params.set(params);
      ref.params.set(params);

      const lw = wasm.trainStep(x, labels, n);
      const lr = ref.trainStep(x, labels, n);
      expect(Number.isFinite(lr)).toBe(true);
      expect(Math.abs(lw - lr), `loss: wasm ${lw} vs reference ${lr}`).toBeLessThanOrEqual(1e-5 * Math.abs(lr));
      expectGradsClose(wasm, ref, 1e-4);
      for (const e of PARAM_TABLE) expect(nonZeroFraction(ref, e.name), `reference grad ${e.name} is all zero`).toBeGreaterThan(0.05);

      const pw = new Float32Array(n * 10), pr = new Float32Array(n * 10);
      wasm.predict(x, n, pw);
      ref.predict(x, n, pr);
      expectClose('probabilities', pw, pr, 1e-5);
    });
  }

  it('routes max-pool gradients like the reference on an all-constant image (every window tied)', () => {
    const rng = new Prng(5);
    const params = randomParams(rng);
    const n = 3;
    const x = new Float32Array(n * IMG).fill(0.75);
    const labels = new Uint8Array([1, 4, 9]);
    const wasm = createWasmBackend(n), ref = createReferenceBackend(n);
    wasm.params.set(params);
    ref.params.set(params);
    expect(Math.abs(wasm.trainStep(x, labels, n) - ref.trainStep(x, labels, n))).toBeLessThan(1e-5);
    expectGradsClose(wasm, ref, 1e-4);
    // With every window tied, routing to all tied inputs (the classic bug) would make the conv
    // gradients 4× larger; check they are not zero so the comparison above means something.
    expect(nonZeroFraction(ref, 'c1.w')).toBeGreaterThan(0);
    expect(nonZeroFraction(ref, 'c3.w')).toBeGreaterThan(0);
  });

  it('a step on the report-style initialisation (σ = 0.001, biases 0) agrees too', () => {
    const rng = new Prng(6);
    const params = new Float32Array(PARAM_COUNT);
    for (const e of PARAM_TABLE) if (e.shape.length > 1) for (let i = 0; i < e.size; i++) params[e.offset + i] = rng.normal() * 0.001;
    const { x, labels } = randomBatch(rng, 10, 'digits');
    const wasm = createWasmBackend(10), ref = createReferenceBackend(10);
    wasm.params.set(params);
    ref.params.set(params);
    expect(Math.abs(wasm.trainStep(x, labels, 10) - ref.trainStep(x, labels, 10))).toBeLessThan(1e-6);
    expectGradsClose(wasm, ref, 1e-4);
  });

  it('a few SGD steps stay in step with the reference', () => {
    const rng = new Prng(7);
    const params = randomParams(rng);
    const wasm = createWasmBackend(16), ref = createReferenceBackend(16);
    wasm.params.set(params);
    ref.params.set(params);
    for (let step = 0; step < 5; step++) {
      const { x, labels } = randomBatch(rng, 16, 'digits');
      wasm.grads.fill(0);
      ref.grads.fill(0);
      const lw = wasm.trainStep(x, labels, 16), lr = ref.trainStep(x, labels, 16);
      expect(Math.abs(lw - lr), `step ${step}: loss ${lw} vs ${lr}`).toBeLessThan(1e-4 * Math.abs(lr));
      for (let i = 0; i < PARAM_COUNT; i++) {
        wasm.params[i] -= 0.05 * wasm.grads[i];
        ref.params[i] -= 0.05 * ref.grads[i];
      }
    }
    expectClose('params after 5 steps', wasm.params, ref.params, 1e-4);
  });
});

describe('wasm backend on its own', () => {
  it('finite differences agree with the gradient along random directions of every tensor', () => {
    const rng = new Prng(11);
    const n = 4;
    const b = createWasmBackend(n);
    b.params.set(randomParams(rng));
    const { x, labels } = randomBatch(rng, n, 'noise');
    b.grads.fill(0);
    b.trainStep(x, labels, n);
    const grad = b.grads.slice();
    const base = b.params.slice();
    const loss = (): number => b.trainStep(x, labels, n); // grads keep accumulating; only the loss is used
    for (const e of PARAM_TABLE) {
      // A random unit direction inside this tensor; the directional derivative is grad·d.
      const d = new Float64Array(e.size);
      let norm = 0;
      for (let i = 0; i < e.size; i++) { d[i] = rng.normal(); norm += d[i] * d[i]; }
      norm = Math.sqrt(norm);
      let analytic = 0;
      for (let i = 0; i < e.size; i++) { d[i] /= norm; analytic += grad[e.offset + i] * d[i]; }
      const h = 1e-2;
      const at = (t: number): number => {
        for (let i = 0; i < e.size; i++) b.params[e.offset + i] = base[e.offset + i] + t * d[i];
        return loss();
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      b.params.set(base);
      const err = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 1e-3);
      expect(err, `${e.name}: numeric ${numeric} vs analytic ${analytic}`).toBeLessThan(2e-2);
    }
  });

  it('a NaN anywhere in the parameters gives a NaN loss, as in the reference (divergence is never silenced)', () => {
    const rng = new Prng(17);
    const params = randomParams(rng);
    const { x, labels } = randomBatch(rng, 3, 'digits');
    for (const name of ['c1.w', 'c3.b', 'c5.w', 'f6.b', 'out.w']) {
      const e = PARAM_TABLE.find((p) => p.name === name)!;
      const p = params.slice();
      p[e.offset + 1] = NaN;
      const wasm = createWasmBackend(3), ref = createReferenceBackend(3);
      wasm.params.set(p);
      ref.params.set(p);
      expect(ref.trainStep(x, labels, 3), `reference, NaN in ${name}`).toBeNaN();
      expect(wasm.trainStep(x, labels, 3), `wasm, NaN in ${name}`).toBeNaN();
    }
  });

  it('trainStep ADDS into grads: two identical steps give twice the gradient', () => {
    const rng = new Prng(12);
    const b = createWasmBackend(8);
    b.params.set(randomParams(rng));
    const { x, labels } = randomBatch(rng, 8, 'digits');
    b.grads.fill(0);
    const l1 = b.trainStep(x, labels, 8);
    const once = b.grads.slice();
    const l2 = b.trainStep(x, labels, 8);
    expect(l2).toBe(l1);
    expectClose('grads after two steps', b.grads, once.map((v) => 2 * v), 1e-5);
  });

  it('a batch written into the input view gives the same result as a copied one, and views survive steps', () => {
    const rng = new Prng(13);
    const b = createWasmBackend(6);
    const params = randomParams(rng);
    b.params.set(params);
    const { x, labels } = randomBatch(rng, 6, 'noise');
    const buffer = b.params.buffer;
    const pCopied = new Float32Array(60), pView = new Float32Array(60);
    b.predict(x, 6, pCopied);
    b.input.set(x);
    b.predict(b.input, 6, pView);
    expect(Array.from(pView)).toEqual(Array.from(pCopied));
    b.grads.fill(0);
    b.trainStep(b.input, labels, 6);
    expect(b.params.buffer).toBe(buffer); // memory never grew: views are not detached
    expect(b.params.length).toBe(PARAM_COUNT);
    expect(Array.from(b.params)).toEqual(Array.from(params));
  });

  it('a batch smaller than maxBatch uses only its own images', () => {
    const rng = new Prng(14);
    const params = randomParams(rng);
    const { x, labels } = randomBatch(rng, 5, 'noise');
    const big = createWasmBackend(20), small = createWasmBackend(3);
    big.params.set(params);
    small.params.set(params);
    big.trainStep(randomBatch(rng, 20, 'noise').x, new Uint8Array(20), 20); // leave other images in memory
    big.grads.fill(0);
    expect(big.trainStep(x, labels, 3)).toBe(small.trainStep(x, labels, 3));
    expect(Array.from(big.grads)).toEqual(Array.from(small.grads));
  });

  it('profileStep times every stage and has the same effect as trainStep', () => {
    const rng = new Prng(15);
    const params = randomParams(rng);
    const { x, labels } = randomBatch(rng, 4, 'digits');
    const a = createWasmBackend(4), b = createWasmBackend(4);
    a.params.set(params);
    b.params.set(params);
    const loss = a.trainStep(x, labels, 4);
    let t = 0;
    const prof = b.profileStep(x, labels, 4, () => (t += 1));
    expect(prof.loss).toBe(loss);
    expect(Array.from(b.grads)).toEqual(Array.from(a.grads));
    expect(prof.stages.map((s) => `${s.pass} ${s.stage}`)).toEqual([
      'forward c1+s2', 'forward c3+s4', 'forward c5', 'forward f6', 'forward out', 'forward softmax',
      'backward softmax', 'backward out', 'backward f6', 'backward c5', 'backward c3+s4', 'backward c1+s2',
    ]);
    expect(prof.stages.every((s) => s.ms === 1)).toBe(true);
  });

  it('rejects bad arguments with a clear message and changes nothing', () => {
    const rng = new Prng(16);
    const b: WasmBackend = createWasmBackend(4);
    b.params.set(randomParams(rng));
    b.grads.fill(0.5);
    const before = { p: b.params.slice(), g: b.grads.slice(), input: b.input.slice() };
    const { x, labels } = randomBatch(rng, 4, 'noise');
    const probs = new Float32Array(40);
    const bad: [() => unknown, RegExp][] = [
      [() => b.trainStep(x, labels, 0), /n must be a whole number between 1 and maxBatch 4/],
      [() => b.trainStep(x, labels, 5), /n must be a whole number between 1 and maxBatch 4/],
      [() => b.trainStep(x, labels, 2.5), /n must be a whole number/],
      [() => b.trainStep(x.subarray(0, 3 * IMG), labels, 4), /x must be a Float32Array of at least/],
      [() => b.trainStep(new Float64Array(4 * IMG) as unknown as Float32Array, labels, 4), /x must be a Float32Array/],
      [() => b.trainStep(x, labels.subarray(0, 3), 4), /labels must be a Uint8Array of at least n = 4/],
      [() => b.trainStep(x, new Uint8Array([1, 2, 10, 3]), 4), /label 10 at position 2 is not a class 0\.\.9/],
      [() => b.trainStep(x, [1, 2, 3, 4] as unknown as Uint8Array, 4), /labels must be a Uint8Array/],
      [() => b.predict(x, 4, new Float32Array(39)), /probs must be a Float32Array of at least n·10 = 40/],
      [() => b.predict(x, -1, probs), /n must be a whole number/],
      [() => b.profileStep(x, new Uint8Array([0, 0, 0, 255]), 4), /label 255 at position 3/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(message);
      expect(Array.from(b.params)).toEqual(Array.from(before.p));
      expect(Array.from(b.grads)).toEqual(Array.from(before.g));
      expect(Array.from(b.input)).toEqual(Array.from(before.input));
    }
    for (const m of [0, -3, 1.5, 65537, NaN, '8' as unknown as number]) {
      expect(() => createWasmBackend(m)).toThrow(/maxBatch must be a whole number between 1 and 65536/);
    }
  });

  it('two backends do not share memory', () => {
    const a = createWasmBackend(2), b = createWasmBackend(2);
    a.params.fill(1);
    expect(b.params.every((v) => v === 0)).toBe(true);
    expect(a.params.buffer).not.toBe(b.params.buffer);
  });
});

describe('decodeBase64', () => {
  it('round-trips any bytes encoded by Buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const s = Buffer.from(bytes).toString('base64');
      expect(Array.from(decodeBase64(s))).toEqual(Array.from(bytes));
    }));
  });

  it('rejects malformed text with a clear error, never a wrong decode', () => {
    expect(() => decodeBase64('abc')).toThrow(/multiple of 4/);
    expect(() => decodeBase64('ab!d')).toThrow(/Invalid base64 character at position 2/);
    expect(() => decodeBase64('a=bc')).toThrow(/Invalid base64 character at position 1/);
    expect(() => decodeBase64('abcé===')).toThrow(/multiple of 4|Invalid/);
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      let decoded: Uint8Array | null = null;
      try {
        decoded = decodeBase64(s);
      } catch (e) {
        expect((e as Error).message).toMatch(/base64/);
        return;
      }
      // Accepted: it must be exactly what Node decodes, and re-encode to the same text.
      expect(Buffer.from(decoded).toString('base64')).toBe(s);
    }));
  });
});
