// The wasm kernels one by one, against plain loops and the reference layers: GEMM in both forms
// on LeNet-5's shapes and on awkward ones (every tile width and scalar tail, strided C, A read
// transposed, accumulate vs overwrite, nothing written outside C), im2col and its transposed
// 5×5 form with the adjoint scatter, the fused ReLU + max-pool with heavy ties (first maximum
// wins) and NaN, and the winner-only conv backward against the reference's dense one.
import { describe, it, expect } from 'vitest';
import { instantiateKernels, type KernelExports } from '../../src-shared/engine/wasm/kernels';
import { maxpoolForward, maxpoolBackward } from '../../src-shared/engine/reference/maxpool';
import { reluForward, reluBackward } from '../../src-shared/engine/reference/relu';
import { convForward, convBackward } from '../../src-shared/engine/reference/conv';
import { Prng } from '../../src-shared/engine/prng';

/** A kernels instance with a bump allocator over fresh scratch memory (grown before any view). */
function scratch(mib = 8): { k: KernelExports; alloc: (floats: number) => Float32Array; bytes: (n: number) => Uint8Array } {
  const k = instantiateKernels();
  expect(k.setup(1)).toBeGreaterThan(0);
  let top = (k.scratchPtr() + 63) & ~63;
  k.memory.grow(mib * 16);
  const buf = k.memory.buffer;
  return {
    k,
    alloc(floats) {
      const a = new Float32Array(buf, top, floats);
      top += ((floats * 4 + 64 + 63) & ~63); // 64 bytes of slack between buffers
      return a;
    },
    bytes(n) {
      const a = new Uint8Array(buf, top, n);
      top += ((n + 64 + 63) & ~63);
      return a;
    },
  };
}

const SENTINEL = 12345.5;

function fillRandom(a: Float32Array, rng: Prng): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
}

/**
 * |got − want| ≤ 1e-5 · (1 + mag) per element, where mag (default |want|) is the sum of the
 * magnitudes of everything summed into that element: float32 rounding grows with it, a wrong
 * index or a missed term does not stay below it.
 */
function expectNear(name: string, got: ArrayLike<number>, want: ArrayLike<number>, mag?: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++) {
    const m = mag ? mag[i] : Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + m))) expect.fail(`${name}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

describe('gemmNN: C (+)= A·B, vectorised along N', () => {
  // [M, N, K]: LeNet-5's shapes and ones that hit the 3-row and 1-row tiles, the 4-wide and
  // scalar column tails and more than one column block (N > 128).
  const shapes: [number, number, number][] = [
    [6, 784, 25], [16, 100, 150], [150, 100, 16], [150, 16, 100], [120, 400, 7], [7, 84, 10],
    [1, 1, 1], [3, 5, 2], [5, 13, 3], [9, 131, 4], [2, 270, 6], [4, 12, 1],
  ];
  for (const [M, N, K] of shapes) {
    for (const transA of [false, true]) {
      for (const acc of [true, false]) {
        it(`M=${M} N=${N} K=${K}${transA ? ', A read transposed' : ''}, ${acc ? 'accumulate' : 'overwrite'}`, () => {
          const rng = new Prng(M * 1000 + N * 10 + K);
          const { k, alloc } = scratch();
          const ldb = N + 1, ldc = N + 3;
          const A = alloc(M * K), B = alloc(K * ldb), C = alloc(M * ldc);
          fillRandom(A, rng);
          fillRandom(B, rng);
          const c0 = new Float32Array(M * ldc);
          for (let i = 0; i < M; i++) for (let j = 0; j < ldc; j++) c0[i * ldc + j] = j < N ? rng.normal() : SENTINEL;
          C.set(c0);
          // A element (i,k) is at A[i·sai + k·sak].
          const [sai, sak] = transA ? [1, M] : [K, 1];
          k.gemmNN(M, N, K, A.byteOffset, sai, sak, B.byteOffset, ldb, C.byteOffset, ldc, acc ? 1 : 0);
          const want = new Float64Array(M * ldc), mag = new Float64Array(M * ldc);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < ldc; j++) {
              if (j >= N) { want[i * ldc + j] = SENTINEL; continue; }
              let s = acc ? c0[i * ldc + j] : 0, m = Math.abs(s);
              for (let kk = 0; kk < K; kk++) {
                const t = A[i * sai + kk * sak] * B[kk * ldb + j];
                s += t;
                m += Math.abs(t);
              }
              want[i * ldc + j] = s;
              mag[i * ldc + j] = m;
            }
          }
          expectNear('C', C, want, mag);
        });
      }
    }
  }
});

describe('gemmNT: C += A·Bᵀ, dot products along K', () => {
  const shapes: [number, number, number][] = [
    [6, 25, 784], [16, 150, 100], [200, 120, 400], [7, 10, 84], [1, 1, 1], [3, 5, 6], [5, 9, 13], [2, 4, 3],
  ];
  for (const [M, N, K] of shapes) {
    it(`M=${M} N=${N} K=${K}`, () => {
      const rng = new Prng(M * 7 + N * 3 + K);
      const { k, alloc } = scratch();
      const lda = K + 2, ldb = K + 1, ldc = N + 2;
      const A = alloc(M * lda), B = alloc(N * ldb), C = alloc(M * ldc);
      fillRandom(A, rng);
      fillRandom(B, rng);
      const c0 = new Float32Array(M * ldc);
      for (let i = 0; i < M; i++) for (let j = 0; j < ldc; j++) c0[i * ldc + j] = j < N ? rng.normal() : SENTINEL;
      C.set(c0);
      k.gemmNT(M, N, K, A.byteOffset, lda, B.byteOffset, ldb, C.byteOffset, ldc);
      const want = new Float64Array(M * ldc), mag = new Float64Array(M * ldc);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < ldc; j++) {
          if (j >= N) { want[i * ldc + j] = SENTINEL; continue; }
          let s = c0[i * ldc + j], m = Math.abs(s);
          for (let kk = 0; kk < K; kk++) {
            const t = A[i * lda + kk] * B[j * ldb + kk];
            s += t;
            m += Math.abs(t);
          }
          want[i * ldc + j] = s;
          mag[i * ldc + j] = m;
        }
      }
      expectNear('C', C, want, mag);
    });
  }
});

describe('im2col, im2colT5 and col2imT5', () => {
  for (const [C, H, W] of [[1, 32, 32], [6, 14, 14], [2, 7, 9], [3, 5, 5]]) {
    it(`C=${C} H=${H} W=${W}: both layouts match their definition and col2imT5 is the adjoint`, () => {
      const rng = new Prng(C * H * W);
      const { k, alloc } = scratch();
      const K = 5, OH = H - K + 1, OW = W - K + 1, P = OH * OW, R = C * K * K;
      const x = alloc(C * H * W), col = alloc(R * P), colT = alloc(R * P), dcolT = alloc(R * P), dx = alloc(C * H * W);
      fillRandom(x, rng);
      fillRandom(dcolT, rng);
      k.im2col(col.byteOffset, x.byteOffset, C, H, W, K);
      k.im2colT5(colT.byteOffset, x.byteOffset, C, H, W);
      const wantDx = new Float64Array(C * H * W);
      for (let c = 0; c < C; c++) for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
        const r = (c * K + ky) * K + kx;
        for (let y = 0; y < OH; y++) for (let xx = 0; xx < OW; xx++) {
          const src = (c * H + y + ky) * W + xx + kx, p = y * OW + xx;
          expect(col[r * P + p]).toBe(x[src]);
          expect(colT[p * R + r]).toBe(x[src]);
          wantDx[src] += dcolT[p * R + r];
        }
      }
      const before = new Float32Array(C * H * W);
      fillRandom(before, rng);
      dx.set(before);
      k.col2imT5(dx.byteOffset, dcolT.byteOffset, C, H, W);
      expectNear('dx', dx, wantDx.map((v, i) => v + before[i]));
    });
  }
});

/** The reference's winner index (flat, into x) from ours (window position 0..3). */
function winnerIndex(arg: Uint8Array, o: number, C: number, H: number, W: number): number {
  const OW = W / 2, OH = H / 2;
  const c = Math.floor(o / (OH * OW)), oy = Math.floor(o / OW) % OH, ox = o % OW, a = arg[o];
  return (c * H + 2 * oy + (a >> 1)) * W + 2 * ox + (a & 1);
}

describe('fused ReLU + 2×2 max-pool against the reference relu → maxpool', () => {
  // Values from a tiny set, so most windows hold ties; negative and zero maxima included.
  const levels = [-1, 0, 0.5, 1, 1];
  for (const [C, H, W] of [[6, 28, 28], [16, 10, 10], [2, 4, 4], [1, 6, 6], [3, 12, 12], [2, 2, 2]]) {
    it(`C=${C} H=${H} W=${W}: same output, and the first maximum wins`, () => {
      const rng = new Prng(C * 100 + H);
      const { k, alloc, bytes } = scratch();
      const size = C * H * W, osize = size / 4;
      const x = alloc(size), out = alloc(osize);
      const arg = bytes(osize);
      for (let i = 0; i < size; i++) x[i] = levels[rng.below(levels.length)];
      k.reluPoolForward(out.byteOffset, arg.byteOffset, x.byteOffset, C, H, W);
      const r = new Float32Array(size), pooled = new Float32Array(osize), am = new Int32Array(osize);
      reluForward(r, x, size);
      maxpoolForward(pooled, am, r, 1, C, H, W);
      expect(Array.from(out)).toEqual(Array.from(pooled));
      // Where the maximum is positive, the winner must be the reference's (where it is not, the
      // gradient is zero either way and the winner does not matter).
      let tiedPositive = 0;
      for (let o = 0; o < osize; o++) {
        if (!(pooled[o] > 0)) continue;
        expect(winnerIndex(arg, o, C, H, W), `window ${o}`).toBe(am[o]);
        const i0 = am[o] - (am[o] % W % 2) - (Math.floor(am[o] / W) % 2) * W;
        const win = [x[i0], x[i0 + 1], x[i0 + W], x[i0 + W + 1]];
        if (win.filter((v) => v === pooled[o]).length > 1) tiedPositive++;
      }
      if (osize >= 16) expect(tiedPositive).toBeGreaterThan(0); // not vacuous
    });
  }
});

describe('winner-only conv backward (poolConvBackward + col2imT5) against the reference conv → relu → maxpool backward', () => {
  for (const [F, C, H, W, seed] of [[6, 1, 32, 32, 1], [16, 6, 14, 14, 2], [3, 2, 10, 12, 3], [16, 6, 14, 14, 4], [4, 1, 12, 16, 5]]) {
    it(`F=${F} C=${C} H=${H} W=${W}`, () => {
      const rng = new Prng(seed);
      const { k, alloc, bytes } = scratch();
      const OH = H - 4, OW = W - 4, R = C * 25, P = OH * OW, osize = F * P / 4;
      const x = alloc(C * H * W), w = alloc(F * R), b = alloc(F), conv = alloc(F * P), out = alloc(osize), dout = alloc(osize);
      const colT = alloc(P * R), dcolT = alloc(P * R), dw = alloc(F * R), db = alloc(F), dx = alloc(C * H * W);
      const arg = bytes(osize);
      // Inputs on a coarse grid (seed 4: mostly constant) so that conv outputs tie in windows.
      for (let i = 0; i < x.length; i++) x[i] = seed === 4 ? (rng.below(8) === 0 ? 1 : 0.25) : rng.below(4) - 1;
      fillRandom(w, rng);
      fillRandom(b, rng);
      fillRandom(dout, rng);
      convForward(conv, x, w, b, 1, C, H, W, F, 5);
      k.reluPoolForward(out.byteOffset, arg.byteOffset, conv.byteOffset, F, OH, OW);
      k.im2colT5(colT.byteOffset, x.byteOffset, C, H, W);
      const dw0 = new Float32Array(F * R), db0 = new Float32Array(F);
      fillRandom(dw0, rng);
      fillRandom(db0, rng);
      dw.set(dw0);
      db.set(db0);
      dcolT.fill(0);
      dx.fill(0);
      k.poolConvBackward(dw.byteOffset, db.byteOffset, dcolT.byteOffset, w.byteOffset, colT.byteOffset, dout.byteOffset, out.byteOffset, arg.byteOffset, F, C, OH, OW);
      k.col2imT5(dx.byteOffset, dcolT.byteOffset, C, H, W);

      // The reference, dense: relu → maxpool forward, then maxpool → relu → conv backward.
      const r = new Float32Array(F * P), pooled = new Float32Array(osize), am = new Int32Array(osize);
      reluForward(r, conv, F * P);
      maxpoolForward(pooled, am, r, 1, F, OH, OW);
      expect(Array.from(out)).toEqual(Array.from(pooled));
      const dr = new Float32Array(F * P), dconv = new Float32Array(F * P);
      maxpoolBackward(dr, dout, am, osize);
      reluBackward(dconv, dr, conv, F * P);
      const wantDw = new Float64Array(dw0), wantDb = new Float64Array(db0), wantDx = new Float64Array(C * H * W);
      convBackward(wantDx, wantDw, wantDb, new Float64Array(dconv), new Float64Array(x), new Float64Array(w), 1, C, H, W, F, 5);
      expectNear('dw', dw, wantDw, wantDw.map((v) => Math.abs(v) + 10));
      expectNear('db', db, wantDb, wantDb.map((v) => Math.abs(v) + 10));
      expectNear('dx', dx, wantDx, wantDx.map((v) => Math.abs(v) + 10));
      expect(dconv.some((v) => v !== 0)).toBe(true);

      if (C === 1) {
        // The first layer's register-accumulating variant, reading the patches from the image itself, gives the same weight gradients.
        const dw2 = alloc(F * R), db2 = alloc(F);
        dw2.set(dw0);
        db2.set(db0);
        k.poolConvWeightGrad25(dw2.byteOffset, db2.byteOffset, x.byteOffset, W, dout.byteOffset, out.byteOffset, arg.byteOffset, F, OH, OW);
        expectNear('dw (C=1 variant)', dw2, wantDw, wantDw.map((v) => Math.abs(v) + 10));
        expectNear('db (C=1 variant)', db2, wantDb, wantDb.map((v) => Math.abs(v) + 10));
      }
    });
  }
});

describe('fused ReLU + max-pool with NaN', () => {
  it('propagates NaN like the reference (a diverged network must not be silenced)', () => {
    const rng = new Prng(99);
    const { k, alloc, bytes } = scratch();
    for (const [C, H, W] of [[6, 28, 28], [2, 6, 6]]) {
      const size = C * H * W, osize = size / 4;
      const x = alloc(size), out = alloc(osize);
      const arg = bytes(osize);
      const levels = [-1, 0.5, 1, NaN, -Infinity, Infinity];
      for (let i = 0; i < size; i++) x[i] = levels[rng.below(levels.length)];
      k.reluPoolForward(out.byteOffset, arg.byteOffset, x.byteOffset, C, H, W);
      const r = new Float32Array(size), pooled = new Float32Array(osize), am = new Int32Array(osize);
      reluForward(r, x, size);
      maxpoolForward(pooled, am, r, 1, C, H, W);
      expect(Array.from(out)).toEqual(Array.from(pooled)); // toEqual: NaN equals NaN
      expect(out.some((v) => Number.isNaN(v))).toBe(true);
      for (let o = 0; o < osize; o++) if (Number.isNaN(pooled[o])) expect(winnerIndex(arg, o, C, H, W)).toBe(am[o]);
    }
  });
});
