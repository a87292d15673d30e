// A forward-only LeNet-5 for inspection: the activations of a batch of images at every layer,
// written for throughput rather than clarity, because the worker runs it on a fixed sample every
// epoch (training health) and the views run it over the whole test set (top-activating images).
// It is tested against the reference model (engine/reference/lenet) layer by layer.
//
// Why not the reference backend: its conv loops run over one output row (10 floats for C3), so
// loop overhead dominates; 200 images took 265 ms, 4–6% of an epoch. Here each conv is an
// im2col + a matrix product whose inner loop runs over all images of the chunk at once.
//
// Layouts inside the probe, n images per chunk. C1 reads its 5×5 windows straight from the input
// and computes all six kernels in one pass; C3 first copies every 6×5×5 window into one
// contiguous row ("im2row"), so its inner loop is a 150-long dot product that four kernels share:
//   x      (n, 1, 32, 32)        input, as engine/batch writes it
//   c1     (n, 6, 28, 28)        conv + ReLU
//   s2     (n, 6, 14, 14)        2×2 max pool
//   rows3  (n·10·10, 150)        C3's 6×5×5 window at every output position: c·25 + ki·5 + kj
//   c3     (n, 16, 10, 10)       conv + ReLU
//   s4     (n, 400)              2×2 max pool, = (n, 16, 5, 5) flattened C-H-W, as the reference
//   c5     (n, 120), f6 (n, 84)  affine + ReLU
//   logits (n, 10)
// Each sum starts from the bias and adds the terms in the reference's order, but in a float64
// local rather than a float32 array, so values agree with the reference to float32 rounding
// (tested), not bit for bit; for a given input they are deterministic.

import { paramEntry } from '../layout';

export type ProbeLayer = 'c1' | 's2' | 'c3' | 's4' | 'c5' | 'f6' | 'logits';

/** Per-image size of each probe activation. */
export const PROBE_SIZE: Readonly<Record<ProbeLayer, number>> = { c1: 6 * 784, s2: 6 * 196, c3: 16 * 100, s4: 400, c5: 120, f6: 84, logits: 10 };

export interface Probe {
  readonly maxBatch: number;
  /** Runs images 0..n-1 of x (n, 1, 32, 32) through the network with the given flat params. */
  forward(params: Float32Array, x: Float32Array, n: number): void;
  /** The activations of the last forward, each (n, …) NCHW (file comment). Read only. */
  readonly buffers: Readonly<Record<ProbeLayer, Float32Array>>;
  /** The batch size of the last forward. */
  readonly n: number;
}

export function createProbe(maxBatch: number): Probe {
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 4096) throw new Error(`createProbe: maxBatch must be a whole number 1..4096 (got ${maxBatch}).`);
  const B = maxBatch;
  const rows3 = new Float32Array(B * 100 * 150);
  const buf: Record<ProbeLayer, Float32Array> = {
    c1: new Float32Array(B * PROBE_SIZE.c1), s2: new Float32Array(B * PROBE_SIZE.s2), c3: new Float32Array(B * PROBE_SIZE.c3),
    s4: new Float32Array(B * 400), c5: new Float32Array(B * 120), f6: new Float32Array(B * 84), logits: new Float32Array(B * 10),
  };
  const at = (name: string): number => paramEntry(name).offset;
  const O = {
    c1w: at('c1.w'), c1b: at('c1.b'), c3w: at('c3.w'), c3b: at('c3.b'), c5w: at('c5.w'), c5b: at('c5.b'),
    f6w: at('f6.w'), f6b: at('f6.b'), ow: at('out.w'), ob: at('out.b'),
  };
  let lastN = 0;

  return {
    maxBatch: B,
    buffers: buf,
    get n() { return lastN; },

    forward(params: Float32Array, x: Float32Array, n: number): void {
      if (!Number.isInteger(n) || n < 1 || n > B) throw new Error(`Probe.forward: n must be a whole number 1..${B} (got ${n}).`);
      if (x.length < n * 1024) throw new Error(`Probe.forward: x must hold n·1024 = ${n * 1024} floats (got ${x.length}).`);
      lastN = n;
      // C1: each 5×5 window of the input times the 6 kernels at once (one pass, six sums), ReLU.
      conv1(buf.c1, x, params, O.c1w, O.c1b, n);
      // S2: (n·6) planes 28×28 → 14×14.
      pool(buf.s2, buf.c1, n * 6, 28);
      // C3: rows3 (n·100, 150), then times the 16 kernels.
      const s2 = buf.s2;
      for (let i = 0; i < n; i++) {
        for (let oh = 0; oh < 10; oh++) {
          for (let w = 0; w < 10; w++) {
            let r = ((i * 10 + oh) * 10 + w) * 150;
            for (let c = 0; c < 6; c++) {
              const src = (i * 6 + c) * 196 + oh * 14 + w;
              for (let ki = 0; ki < 5; ki++) {
                const s = src + ki * 14;
                rows3[r] = s2[s]; rows3[r + 1] = s2[s + 1]; rows3[r + 2] = s2[s + 2]; rows3[r + 3] = s2[s + 3]; rows3[r + 4] = s2[s + 4];
                r += 5;
              }
            }
          }
        }
      }
      convRows(buf.c3, rows3, params, O.c3w, O.c3b, n, 100, 16, 150);
      // S4: (n·16) planes 10×10 → 5×5, which is already (n, 400) in C-H-W order.
      pool(buf.s4, buf.c3, n * 16, 10);
      affine(buf.c5, buf.s4, params, O.c5w, O.c5b, n, 400, 120, true);
      affine(buf.f6, buf.c5, params, O.f6w, O.f6b, n, 120, 84, true);
      affine(buf.logits, buf.f6, params, O.ow, O.ob, n, 84, 10, false);
    },
  };
}

/**
 * out (n, 6, 28, 28) = ReLU(conv5×5(x (n, 1, 32, 32), C1's kernels at w0) + biases at b0), two
 * neighbouring output pixels at a time: twelve sums share each weight load.
 */
function conv1(out: Float32Array, x: Float32Array, params: Float32Array, w0: number, b0: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const xi = i * 1024, oi = i * 6 * 784;
    for (let oh = 0; oh < 28; oh++) {
      for (let w = 0; w < 28; w += 2) {
        let a0 = params[b0], a1 = params[b0 + 1], a2 = params[b0 + 2], a3 = params[b0 + 3], a4 = params[b0 + 4], a5 = params[b0 + 5];
        let c0 = a0, c1 = a1, c2 = a2, c3 = a3, c4 = a4, c5 = a5;
        for (let ki = 0; ki < 5; ki++) {
          const r = xi + (oh + ki) * 32 + w;
          const q = w0 + ki * 5;
          for (let kj = 0; kj < 5; kj++) {
            const u = x[r + kj], v = x[r + kj + 1], k = q + kj;
            const k0 = params[k], k1 = params[k + 25], k2 = params[k + 50], k3 = params[k + 75], k4 = params[k + 100], k5 = params[k + 125];
            a0 += k0 * u; a1 += k1 * u; a2 += k2 * u; a3 += k3 * u; a4 += k4 * u; a5 += k5 * u;
            c0 += k0 * v; c1 += k1 * v; c2 += k2 * v; c3 += k3 * v; c4 += k4 * v; c5 += k5 * v;
          }
        }
        const o = oi + oh * 28 + w;
        out[o] = a0 < 0 ? 0 : a0; out[o + 784] = a1 < 0 ? 0 : a1; out[o + 1568] = a2 < 0 ? 0 : a2;
        out[o + 2352] = a3 < 0 ? 0 : a3; out[o + 3136] = a4 < 0 ? 0 : a4; out[o + 3920] = a5 < 0 ? 0 : a5;
        out[o + 1] = c0 < 0 ? 0 : c0; out[o + 785] = c1 < 0 ? 0 : c1; out[o + 1569] = c2 < 0 ? 0 : c2;
        out[o + 2353] = c3 < 0 ? 0 : c3; out[o + 3137] = c4 < 0 ? 0 : c4; out[o + 3921] = c5 < 0 ? 0 : c5;
      }
    }
  }
}

/**
 * out (n, F, P) = ReLU(kernels (F, K) · rowsᵀ + b) for windows rows (n·P, K): F kernels read from
 * params at w0 (row-major (F, K), PyTorch's (F, C, k, k) flattened), biases at b0. Each pass
 * computes four kernels on two neighbouring windows (eight sums: each weight and window value
 * loaded once feeds several products). F must be a multiple of 4 and P even (16 and 100 here).
 */
function convRows(out: Float32Array, rows: Float32Array, params: Float32Array, w0: number, b0: number, n: number, P: number, F: number, K: number): void {
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p += 2) {
      const r = (i * P + p) * K, r2 = r + K;
      const o = i * F * P + p;
      for (let f = 0; f < F; f += 4) {
        const q0 = w0 + f * K, q1 = q0 + K, q2 = q1 + K, q3 = q2 + K;
        let a0 = params[b0 + f], a1 = params[b0 + f + 1], a2 = params[b0 + f + 2], a3 = params[b0 + f + 3];
        let c0 = a0, c1 = a1, c2 = a2, c3 = a3;
        for (let k = 0; k < K; k++) {
          const u = rows[r + k], v = rows[r2 + k];
          const w0v = params[q0 + k], w1v = params[q1 + k], w2v = params[q2 + k], w3v = params[q3 + k];
          a0 += w0v * u; a1 += w1v * u; a2 += w2v * u; a3 += w3v * u;
          c0 += w0v * v; c1 += w1v * v; c2 += w2v * v; c3 += w3v * v;
        }
        // `s < 0 ? 0 : s` is the reference ReLU: NaN < 0 is false, so NaN propagates.
        const o0 = o + f * P;
        out[o0] = a0 < 0 ? 0 : a0; out[o0 + P] = a1 < 0 ? 0 : a1; out[o0 + 2 * P] = a2 < 0 ? 0 : a2; out[o0 + 3 * P] = a3 < 0 ? 0 : a3;
        out[o0 + 1] = c0 < 0 ? 0 : c0; out[o0 + P + 1] = c1 < 0 ? 0 : c1; out[o0 + 2 * P + 1] = c2 < 0 ? 0 : c2; out[o0 + 3 * P + 1] = c3 < 0 ? 0 : c3;
      }
    }
  }
}

/** 2×2 max pool of `planes` square planes of side S (row-major) into planes of side S/2. */
function pool(out: Float32Array, x: Float32Array, planes: number, S: number): void {
  const H = S >> 1;
  for (let p = 0; p < planes; p++) {
    const src = p * S * S, dst = p * H * H;
    for (let oh = 0; oh < H; oh++) {
      for (let w = 0; w < H; w++) {
        const a = src + 2 * oh * S + 2 * w;
        out[dst + oh * H + w] = max4(x[a], x[a + 1], x[a + S], x[a + S + 1]);
      }
    }
  }
}

/** The reference pool's value: the first maximum in row-major order, NaN winning as there. */
function max4(a: number, b: number, c: number, d: number): number {
  let m = a;
  if (b > m || (b !== b && m === m)) m = b;
  if (c > m || (c !== c && m === m)) m = c;
  if (d > m || (d !== d && m === m)) m = d;
  return m;
}

/**
 * out (n, OUT) = x (n, IN) · Wᵀ + b, optionally ReLU; W (OUT, IN) at w0 and b at b0 in params.
 * Four outputs of two images per pass (eight sums), so each weight is read once per two images:
 * C5's 48,000 weights do not fit in L1, and reading them was the cost.
 */
function affine(out: Float32Array, x: Float32Array, params: Float32Array, w0: number, b0: number, n: number, IN: number, OUT: number, relu: boolean): void {
  const r = (s: number): number => (relu && s < 0 ? 0 : s);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const xa = i * IN, xb = xa + IN;
    let o = 0;
    for (; o + 4 <= OUT; o += 4) {
      const q0 = w0 + o * IN, q1 = q0 + IN, q2 = q1 + IN, q3 = q2 + IN;
      let a0 = params[b0 + o], a1 = params[b0 + o + 1], a2 = params[b0 + o + 2], a3 = params[b0 + o + 3];
      let c0 = a0, c1 = a1, c2 = a2, c3 = a3;
      for (let k = 0; k < IN; k++) {
        const u = x[xa + k], v = x[xb + k];
        const k0 = params[q0 + k], k1 = params[q1 + k], k2 = params[q2 + k], k3 = params[q3 + k];
        a0 += k0 * u; a1 += k1 * u; a2 += k2 * u; a3 += k3 * u;
        c0 += k0 * v; c1 += k1 * v; c2 += k2 * v; c3 += k3 * v;
      }
      const ra = i * OUT + o, rb = ra + OUT;
      out[ra] = r(a0); out[ra + 1] = r(a1); out[ra + 2] = r(a2); out[ra + 3] = r(a3);
      out[rb] = r(c0); out[rb + 1] = r(c1); out[rb + 2] = r(c2); out[rb + 3] = r(c3);
    }
    for (; o < OUT; o++) {
      out[i * OUT + o] = r(dot(params, w0 + o * IN, x, xa, IN, params[b0 + o]));
      out[(i + 1) * OUT + o] = r(dot(params, w0 + o * IN, x, xb, IN, params[b0 + o]));
    }
  }
  for (; i < n; i++) {
    for (let o = 0; o < OUT; o++) out[i * OUT + o] = r(dot(params, w0 + o * IN, x, i * IN, IN, params[b0 + o]));
  }
}

/** s0 + Σ_k a[p + k]·b[q + k] for k < len, in order. */
function dot(a: Float32Array, p: number, b: Float32Array, q: number, len: number, s0: number): number {
  let s = s0;
  for (let k = 0; k < len; k++) s += a[p + k] * b[q + k];
  return s;
}
