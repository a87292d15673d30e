// A seeded pseudo-random number generator: xoshiro128** (Blackman & Vigna), its 128-bit state
// filled from a uint32 seed by splitmix32. The whole state is four uint32 words, so it
// serialises into a checkpoint and restores exactly. No Math.random anywhere in the engine.
//
// Streams: `new Prng(seed, stream)` gives independent generators for one seed (the initialiser,
// the batch sampler and the evaluation sample each draw from their own stream), so adding draws
// to one never shifts another.

/** splitmix32: a good 32-bit mixer for turning a seed into well-spread state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;

export type PrngState = [number, number, number, number];

export class Prng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** seed: any uint32; stream: a small integer naming an independent sequence for that seed. */
  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`Prng seed must be a uint32 (got ${seed}).`);
    if (!Number.isInteger(stream) || stream < 0 || stream > 0xffff) throw new Error(`Prng stream must be an integer 0..65535 (got ${stream}).`);
    const sm = { s: (seed ^ Math.imul(stream + 1, 0x632be5ab)) | 0 };
    this.s0 = splitmix32(sm);
    this.s1 = splitmix32(sm);
    this.s2 = splitmix32(sm);
    this.s3 = splitmix32(sm);
    // xoshiro's only forbidden state is all zeros; splitmix32 cannot give four zero words in a
    // row for any seed, but guard anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next uint32 (xoshiro128**). */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.s0 = n0 | 0;
    this.s1 = n1 | 0;
    this.s2 = n2 | 0;
    this.s3 = n3 | 0;
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling). n ≤ 2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new Error(`Prng.below needs an integer 1..2^32 (got ${n}).`);
    // Accept only draws below the largest multiple of n that fits in 2^32.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * A standard normal sample (Box–Muller). Stateless between calls: each call draws two uniforms
   * and discards the second normal, so the generator's state is only the four words.
   */
  normal(): number {
    // u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates: shuffles `a[0..n)` in place (n defaults to a.length). */
  shuffle(a: Uint32Array | Int32Array | number[], n = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Writes a uniformly random permutation of 0..n-1 into out[0..n). */
  permutation(out: Uint32Array, n = out.length): void {
    if (n > out.length) throw new Error(`permutation: n (${n}) exceeds the buffer (${out.length}).`);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out, n);
  }

  /** The state as four uint32 words (for checkpoints). */
  getState(): PrngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores a state from getState(). */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new Error('A PRNG state must be four uint32 words.');
    }
    if (state.every((w) => w === 0)) throw new Error('A PRNG state of all zeros is invalid for xoshiro128**.');
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  static fromState(state: readonly number[]): Prng {
    const p = new Prng(0);
    p.setState(state);
    return p;
  }
}
