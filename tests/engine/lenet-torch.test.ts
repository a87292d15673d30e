// The whole reference LeNet-5 against PyTorch (llm.c's test_gpt2 idea): the same parameters and
// six real MNIST digits give the same loss, logits, parameter gradients (named per tensor) and
// input gradient. Real digits mean many tied max-pool windows, so this also pins the
// first-maximum tie rule. Fixture: scripts/torch_lenet_fixture.py.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PARAM_TABLE } from '../../src-shared/engine/layout';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { BatchWriter } from '../../src-shared/engine/batch';
import { mnistTrain } from './helpers';

interface Fixture {
  n: number;
  labels: number[];
  loss: number;
  logits: number[];
  grads: Record<string, { indices_stride: number; values: number[]; maxAbs: number }>;
  dx: { stride: number; values: number[]; maxAbs: number };
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/lenet-torch.json', import.meta.url), 'utf8')) as Fixture;

/** The fixture script's parameters: an integer LCG, u = ((s mod 2001) − 1000)/1000, scaled per tensor. */
function lcgParams(params: Float32Array): void {
  let s = 12345;
  for (const e of PARAM_TABLE) {
    const fanIn = e.shape.length > 1 ? e.size / e.shape[0] : 0;
    const scale = fanIn ? Math.sqrt(3 / fanIn) : 0.1;
    for (let i = 0; i < e.size; i++) {
      s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
      params[e.offset + i] = (((s % 2001) - 1000) / 1000) * scale;
    }
  }
}

describe('reference LeNet-5 against PyTorch', () => {
  it('loss, logits, every parameter gradient and dx agree', () => {
    const n = fx.n;
    const b = createReferenceBackend(n, { inputGradient: true });
    lcgParams(b.params);
    const set = mnistTrain(n);
    expect(Array.from(set.labels)).toEqual(fx.labels);
    const w = new BatchWriter(n, { mode: 'scale01', mean: 0, std: 1 });
    w.fillRange(set, 0, n);
    const loss = b.trainStep(w.x, w.labels, n);
    expect(Math.abs(loss - fx.loss)).toBeLessThan(1e-5);
    for (let i = 0; i < n * 10; i++) expect(Math.abs(b.activations.logits[i] - fx.logits[i])).toBeLessThan(1e-4);

    for (const e of PARAM_TABLE) {
      const ref = fx.grads[e.name];
      const tol = 1e-4 * ref.maxAbs + 1e-9;
      ref.values.forEach((v, k) => {
        const i = k * ref.indices_stride;
        const got = b.grads[e.offset + i];
        if (!(Math.abs(got - v) <= tol)) throw new Error(`gradient of ${e.name}[${i}]: ours ${got}, PyTorch ${v} (tolerance ${tol})`);
      });
    }
    const dx = b.inputGrad!;
    const tol = 1e-4 * fx.dx.maxAbs;
    fx.dx.values.forEach((v, k) => {
      const i = k * fx.dx.stride;
      if (!(Math.abs(dx[i] - v) <= tol)) throw new Error(`dx[${i}]: ours ${dx[i]}, PyTorch ${v}`);
    });
  });
});
