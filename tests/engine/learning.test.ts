// It learns: real MNIST (through src-main/data's loadMnist), a few thousand images, one epoch on
// the plain TypeScript reference backend; validation accuracy must clear 90%.
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src-main/data/mnist';
import { createTrainer } from '../../src-shared/engine/solver';
import { createReferenceBackend } from '../../src-shared/engine/reference/lenet';
import { smallConfig } from './helpers';

describe('learning on real MNIST', () => {
  it('one epoch over 3,000 images reaches > 90% validation accuracy', () => {
    const { train, test } = loadMnist();
    const cfg = smallConfig({
      epochs: 1, batchSize: 20, optimizer: 'adam', learningRate: 1.5e-3, init: 'he', sampling: 'shuffle',
      validationSize: 1000, trainSubset: 3000, trainEvalSize: 500, decayStart: 10,
    });
    const t = createTrainer(cfg, train, createReferenceBackend(100));
    const losses: number[] = [];
    let end;
    while (!t.done) {
      const info = t.step();
      losses.push(info.loss);
      end = info.epochEnd;
    }
    expect(losses.length).toBe(150);
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(0.6);
    expect(end!.valAccuracy).toBeGreaterThan(0.9);
    expect(end!.trainAccuracy).toBeGreaterThan(0.9);
    const ev = t.evaluate({ ...test, count: 500, pixels: test.pixels.subarray(0, 500 * 784), labels: test.labels.subarray(0, 500) });
    expect(ev.accuracy).toBeGreaterThan(0.88); // deterministic: 91.0% with this seed; the first test images run harder than validation
    console.log(`learning test: val ${(end!.valAccuracy * 100).toFixed(2)}%, train-sample ${(end!.trainAccuracy * 100).toFixed(2)}%, test[0..500) ${(ev.accuracy * 100).toFixed(2)}%, loss ${first.toFixed(3)} → ${last.toFixed(3)}, ${end!.imagesPerSecond.toFixed(0)} img/s`);
  });
});
