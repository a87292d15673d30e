// Matrix kernels on raw float32 pointers, WebAssembly SIMD (f32x4). Every pointer is a byte
// address in linear memory; every stride is in floats. gemmNT always ACCUMULATES into C;
// gemmNN accumulates or overwrites (acc). Callers pre-fill C with a bias where needed.
//
//   gemmNN  C (M,N) (+)= A (M,K) · B (K,N)   A element (i,k) at A[i·sai + k·sak] (so A may be
//                                            read transposed), B and C row-major. Vectorised
//                                            along N; 4×8 register tile (3×8 when M is a
//                                            multiple of 3 but not 4), column blocks of NB.
//   gemmNT  C (M,N) += A (M,K) · B (N,K)ᵀ    A and B row-major with K contiguous ("dot product"
//                                            form). Vectorised along K; 2×4 tile of dot products.
//
// Shapes here are LeNet-5's (N or K is one of 784, 400, 120, 100, 84 — multiples of 4), but both
// kernels also handle any remainder with narrower tiles and scalar tails.

/** Column block width for gemmNN: the B panel (K × NB floats) stays in L1 across the row tiles. */
const NB: i32 = 128;

/** The starting value of a C tile: its current contents when accumulating, else zero. */
@inline function ld(c: usize, off: usize, acc: bool): v128 {
  return acc ? v128.load(c + off) : f32x4.splat(0);
}

/** acc + a·b, rounded twice (no fused multiply-add): every multiply-add of the GEMM tiles and of conv.ts's conv1Direct. */
@inline export function fma4(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// ---- gemmNN ---------------------------------------------------------------------------------

/** 4 rows × 8 columns of C: 8 accumulators, 2 B vectors and one splat per k. */
@inline function nn4x8(K: i32, a: usize, sai: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let r00 = ld(c, 0, acc), r01 = ld(c, 16, acc);
  let r10 = ld(c1, 0, acc), r11 = ld(c1, 16, acc);
  let r20 = ld(c2, 0, acc), r21 = ld(c2, 16, acc);
  let r30 = ld(c3, 0, acc), r31 = ld(c3, 16, acc);
  const sai2 = sai + sai, sai3 = sai2 + sai;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let s = v128.load32_splat(pa);
    r00 = fma4(r00, s, b0); r01 = fma4(r01, s, b1);
    s = v128.load32_splat(pa + sai);
    r10 = fma4(r10, s, b0); r11 = fma4(r11, s, b1);
    s = v128.load32_splat(pa + sai2);
    r20 = fma4(r20, s, b0); r21 = fma4(r21, s, b1);
    s = v128.load32_splat(pa + sai3);
    r30 = fma4(r30, s, b0); r31 = fma4(r31, s, b1);
    pa += sak; pb += ldb;
  }
  v128.store(c, r00); v128.store(c, r01, 16);
  v128.store(c1, r10); v128.store(c1, r11, 16);
  v128.store(c2, r20); v128.store(c2, r21, 16);
  v128.store(c3, r30); v128.store(c3, r31, 16);
}

/** 4 rows × 4 columns. */
@inline function nn4x4(K: i32, a: usize, sai: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let r0 = ld(c, 0, acc), r1 = ld(c1, 0, acc), r2 = ld(c2, 0, acc), r3 = ld(c3, 0, acc);
  const sai2 = sai + sai, sai3 = sai2 + sai;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    r0 = fma4(r0, v128.load32_splat(pa), b0);
    r1 = fma4(r1, v128.load32_splat(pa + sai), b0);
    r2 = fma4(r2, v128.load32_splat(pa + sai2), b0);
    r3 = fma4(r3, v128.load32_splat(pa + sai3), b0);
    pa += sak; pb += ldb;
  }
  v128.store(c, r0); v128.store(c1, r1); v128.store(c2, r2); v128.store(c3, r3);
}

/** 3 rows × 8 columns (for M a multiple of 3 but not of 4: conv1's 6 filters, C3's 150 rows of dcol). */
@inline function nn3x8(K: i32, a: usize, sai: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc;
  let r00 = ld(c, 0, acc), r01 = ld(c, 16, acc);
  let r10 = ld(c1, 0, acc), r11 = ld(c1, 16, acc);
  let r20 = ld(c2, 0, acc), r21 = ld(c2, 16, acc);
  const sai2 = sai + sai;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let s = v128.load32_splat(pa);
    r00 = fma4(r00, s, b0); r01 = fma4(r01, s, b1);
    s = v128.load32_splat(pa + sai);
    r10 = fma4(r10, s, b0); r11 = fma4(r11, s, b1);
    s = v128.load32_splat(pa + sai2);
    r20 = fma4(r20, s, b0); r21 = fma4(r21, s, b1);
    pa += sak; pb += ldb;
  }
  v128.store(c, r00); v128.store(c, r01, 16);
  v128.store(c1, r10); v128.store(c1, r11, 16);
  v128.store(c2, r20); v128.store(c2, r21, 16);
}

/** 3 rows × 4 columns. */
@inline function nn3x4(K: i32, a: usize, sai: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc;
  let r0 = ld(c, 0, acc), r1 = ld(c1, 0, acc), r2 = ld(c2, 0, acc);
  const sai2 = sai + sai;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    r0 = fma4(r0, v128.load32_splat(pa), b0);
    r1 = fma4(r1, v128.load32_splat(pa + sai), b0);
    r2 = fma4(r2, v128.load32_splat(pa + sai2), b0);
    pa += sak; pb += ldb;
  }
  v128.store(c, r0); v128.store(c1, r1); v128.store(c2, r2);
}

/** 1 row × 8 columns. */
@inline function nn1x8(K: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let r0 = ld(c, 0, acc), r1 = ld(c, 16, acc);
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const s = v128.load32_splat(pa);
    r0 = fma4(r0, s, v128.load(pb)); r1 = fma4(r1, s, v128.load(pb, 16));
    pa += sak; pb += ldb;
  }
  v128.store(c, r0); v128.store(c, r1, 16);
}

/** 1 row × 4 columns. */
@inline function nn1x4(K: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let r0 = ld(c, 0, acc);
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    r0 = fma4(r0, v128.load32_splat(pa), v128.load(pb));
    pa += sak; pb += ldb;
  }
  v128.store(c, r0);
}

/** 1 row × 1 column, scalar (only for N not a multiple of 4). */
@inline function nn1x1(K: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let r: f32 = acc ? load<f32>(c) : 0;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    r += load<f32>(pa) * load<f32>(pb);
    pa += sak; pb += ldb;
  }
  store<f32>(c, r);
}

/**
 * C (M,N) += A (M,K) · B (K,N) if acc, else C = A · B. A element (i,k) at A[i·sai + k·sak];
 * B row stride ldb, C row stride ldc (floats).
 */
export function gemmNN(M: i32, N: i32, K: i32, A: usize, sai: i32, sak: i32, B: usize, ldb: i32, C: usize, ldc: i32, acc: bool): void {
  const saiB = <usize>sai << 2, sakB = <usize>sak << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  for (let j0 = 0; j0 < N; j0 += NB) {
    const jn = min(N, j0 + NB);
    let i = 0;
    if (M % 4 != 0 && M % 3 == 0) {
      for (; i + 3 <= M; i += 3) {
        const a = A + <usize>i * saiB;
        const c = C + <usize>i * ldcB;
        let j = j0;
        for (; j + 8 <= jn; j += 8) nn3x8(K, a, saiB, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), ldcB, acc);
        for (; j + 4 <= jn; j += 4) nn3x4(K, a, saiB, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), ldcB, acc);
        for (; j < jn; j++) {
          for (let r = 0; r < 3; r++) nn1x1(K, a + <usize>r * saiB, sakB, B + (<usize>j << 2), ldbB, c + <usize>r * ldcB + (<usize>j << 2), acc);
        }
      }
    }
    for (; i + 4 <= M; i += 4) {
      const a = A + <usize>i * saiB;
      const c = C + <usize>i * ldcB;
      let j = j0;
      for (; j + 8 <= jn; j += 8) nn4x8(K, a, saiB, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), ldcB, acc);
      for (; j + 4 <= jn; j += 4) nn4x4(K, a, saiB, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), ldcB, acc);
      for (; j < jn; j++) {
        for (let r = 0; r < 4; r++) nn1x1(K, a + <usize>r * saiB, sakB, B + (<usize>j << 2), ldbB, c + <usize>r * ldcB + (<usize>j << 2), acc);
      }
    }
    for (; i < M; i++) {
      const a = A + <usize>i * saiB;
      const c = C + <usize>i * ldcB;
      let j = j0;
      for (; j + 8 <= jn; j += 8) nn1x8(K, a, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), acc);
      for (; j + 4 <= jn; j += 4) nn1x4(K, a, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), acc);
      for (; j < jn; j++) nn1x1(K, a, sakB, B + (<usize>j << 2), ldbB, c + (<usize>j << 2), acc);
    }
  }
}

// ---- gemmNT ---------------------------------------------------------------------------------

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Scalar dot product of K floats (the K % 4 tail and single elements). */
@inline function dotTail(K: i32, k0: i32, a: usize, b: usize): f32 {
  let s: f32 = 0;
  for (let k = k0; k < K; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

/** 2 rows of A × 4 rows of B: 8 dot products at once. */
@inline function nt2x4(K: i32, a0: usize, lda: usize, b0: usize, ldb: usize, c: usize, ldc: usize): void {
  const a1 = a0 + lda, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let r00 = f32x4.splat(0), r01 = r00, r02 = r00, r03 = r00, r10 = r00, r11 = r00, r12 = r00, r13 = r00;
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const o = <usize>k << 2;
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    let y = v128.load(b0 + o);
    r00 = fma4(r00, x0, y); r10 = fma4(r10, x1, y);
    y = v128.load(b1 + o);
    r01 = fma4(r01, x0, y); r11 = fma4(r11, x1, y);
    y = v128.load(b2 + o);
    r02 = fma4(r02, x0, y); r12 = fma4(r12, x1, y);
    y = v128.load(b3 + o);
    r03 = fma4(r03, x0, y); r13 = fma4(r13, x1, y);
  }
  const c1 = c + ldc;
  store<f32>(c, load<f32>(c) + hsum(r00) + dotTail(K, K4, a0, b0));
  store<f32>(c, load<f32>(c, 4) + hsum(r01) + dotTail(K, K4, a0, b1), 4);
  store<f32>(c, load<f32>(c, 8) + hsum(r02) + dotTail(K, K4, a0, b2), 8);
  store<f32>(c, load<f32>(c, 12) + hsum(r03) + dotTail(K, K4, a0, b3), 12);
  store<f32>(c1, load<f32>(c1) + hsum(r10) + dotTail(K, K4, a1, b0));
  store<f32>(c1, load<f32>(c1, 4) + hsum(r11) + dotTail(K, K4, a1, b1), 4);
  store<f32>(c1, load<f32>(c1, 8) + hsum(r12) + dotTail(K, K4, a1, b2), 8);
  store<f32>(c1, load<f32>(c1, 12) + hsum(r13) + dotTail(K, K4, a1, b3), 12);
}

/** One dot product. */
@inline function nt1x1(K: i32, a: usize, b: usize, c: usize): void {
  let r = f32x4.splat(0);
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const o = <usize>k << 2;
    r = fma4(r, v128.load(a + o), v128.load(b + o));
  }
  store<f32>(c, load<f32>(c) + hsum(r) + dotTail(K, K4, a, b));
}

/** C (M,N) += A (M,K) · Bᵀ with B (N,K); row strides lda, ldb, ldc in floats. */
export function gemmNT(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32): void {
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a = A + <usize>i * ldaB, c = C + <usize>i * ldcB;
    let j = 0;
    for (; j + 4 <= N; j += 4) nt2x4(K, a, ldaB, B + <usize>j * ldbB, ldbB, c + (<usize>j << 2), ldcB);
    for (; j < N; j++) {
      nt1x1(K, a, B + <usize>j * ldbB, c + (<usize>j << 2));
      nt1x1(K, a + ldaB, B + <usize>j * ldbB, c + ldcB + (<usize>j << 2));
    }
  }
  for (; i < M; i++) {
    const a = A + <usize>i * ldaB, c = C + <usize>i * ldcB;
    for (let j = 0; j < N; j++) nt1x1(K, a, B + <usize>j * ldbB, c + (<usize>j << 2));
  }
}
