// The squashing functions of the architecture switch `activation` (engine/arch.ts), elementwise
// on any shape of `size` elements:
//   relu     max(0, x)                      (engine/reference/relu.ts; the report's)
//   tanh     A·tanh(S·x), A = 1.7159, S = 2/3 (LeCun et al. 1998, appendix A: f(±1) = ±1)
//   sigmoid  1 / (1 + e^−x)
// The backward pass reads the layer's OUTPUT y, from which each derivative follows:
//   relu' = [y > 0],  tanh' = (S/A)·(A² − y²),  sigmoid' = y·(1 − y)
// so no pre-activation has to be kept. NaN propagates (a diverged network must show it).

import type { Activation } from '../arch';
import { TANH_A, TANH_S } from '../arch';
import type { Floats } from './conv';

/** out[i] = act(x[i]) for i < size (out may be x). */
export function activationForward(out: Floats, x: Floats, size: number, act: Activation): void {
  switch (act) {
    case 'relu':
      for (let i = 0; i < size; i++) { const v = x[i]; out[i] = v < 0 ? 0 : v; }
      return;
    case 'tanh':
      for (let i = 0; i < size; i++) out[i] = TANH_A * Math.tanh(TANH_S * x[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < size; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
      return;
  }
}

/** ADDS dout · act'(·) into dx, the derivative taken from the output y (file comment). */
export function activationBackward(dx: Floats, dout: Floats, y: Floats, size: number, act: Activation): void {
  switch (act) {
    case 'relu':
      for (let i = 0; i < size; i++) if (y[i] > 0) dx[i] += dout[i];
      return;
    case 'tanh': {
      const c = TANH_S / TANH_A, a2 = TANH_A * TANH_A;
      for (let i = 0; i < size; i++) { const v = y[i]; dx[i] += dout[i] * (c * (a2 - v * v)); }
      return;
    }
    case 'sigmoid':
      for (let i = 0; i < size; i++) { const v = y[i]; dx[i] += dout[i] * (v * (1 - v)); }
      return;
  }
}
