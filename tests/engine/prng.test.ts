// The seeded PRNG: xoshiro128** reference outputs, ranges and rough distributions, state round trip.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src-shared/engine/prng';

describe('Prng', () => {
  it('is xoshiro128**: matches the reference C implementation from state [1, 2, 3, 4]', () => {
    const p = Prng.fromState([1, 2, 3, 4]);
    // from Blackman & Vigna's xoshiro128starstar.c, compiled and run with s = {1, 2, 3, 4}
    expect(Array.from({ length: 6 }, () => p.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('same seed, same sequence; other seeds and streams differ', () => {
    const a = new Prng(42), b = new Prng(42), c = new Prng(43), d = new Prng(42, 1);
    const seq = (p: Prng) => Array.from({ length: 8 }, () => p.nextUint32());
    const sa = seq(a);
    expect(seq(b)).toEqual(sa);
    expect(seq(c)).not.toEqual(sa);
    expect(seq(d)).not.toEqual(sa);
  });

  it('state round trip continues the same sequence', () => {
    const a = new Prng(5);
    for (let i = 0; i < 10; i++) a.normal();
    const b = Prng.fromState(a.getState());
    for (let i = 0; i < 20; i++) expect(b.uniform()).toBe(a.uniform());
    expect(() => b.setState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => b.setState([1, 2, 3])).toThrow(/four uint32/);
    expect(() => b.setState([1, 2, 3, 2 ** 32])).toThrow(/four uint32/);
  });

  it('uniform is in [0,1), below(n) in [0,n) and roughly uniform, normal has mean 0 and sd 1', () => {
    const p = new Prng(9);
    const counts = new Array(7).fill(0);
    let s = 0, s2 = 0, umin = 1, umax = 0;
    const N = 70000;
    for (let i = 0; i < N; i++) {
      const u = p.uniform();
      umin = Math.min(umin, u); umax = Math.max(umax, u);
      counts[p.below(7)]++;
      const z = p.normal();
      s += z; s2 += z * z;
    }
    expect(umin).toBeGreaterThanOrEqual(0);
    expect(umax).toBeLessThan(1);
    const chi2 = counts.reduce((acc, c) => acc + (c - N / 7) ** 2 / (N / 7), 0);
    expect(chi2).toBeLessThan(22.5); // 6 degrees of freedom, p ≈ 0.001
    expect(Math.abs(s / N)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(s2 / N - (s / N) ** 2) - 1)).toBeLessThan(0.02);
    expect(() => p.below(0)).toThrow(/below/);
    expect(() => new Prng(-1)).toThrow(/uint32/);
  });

  it('permutation is a permutation, and not the identity', () => {
    const p = new Prng(3);
    const out = new Uint32Array(100);
    p.permutation(out);
    expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(out)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const part = new Uint32Array(10).fill(99);
    p.permutation(part, 4);
    expect([...part.subarray(0, 4)].sort()).toEqual([0, 1, 2, 3]);
    expect(Array.from(part.subarray(4))).toEqual([99, 99, 99, 99, 99, 99]);
  });
});
