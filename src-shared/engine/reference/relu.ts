// ReLU, elementwise on any shape of `size` elements: out = max(0, x).
// NaN passes through (as in PyTorch): a diverged network must show a NaN loss, not be silenced.

import type { Floats } from './conv';

/** out[i] = max(0, x[i]) for i < size. */
export function reluForward(out: Floats, x: Floats, size: number): void {
  for (let i = 0; i < size; i++) {
    const v = x[i];
    out[i] = v < 0 ? 0 : v; // NaN < 0 is false: NaN propagates
  }
}

/** ADDS dout · [x > 0] into dx. At x = 0 the gradient is 0 (PyTorch's choice). */
export function reluBackward(dx: Floats, dout: Floats, x: Floats, size: number): void {
  for (let i = 0; i < size; i++) {
    if (x[i] > 0) dx[i] += dout[i];
  }
}
