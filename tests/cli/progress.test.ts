import { describe, expect, it } from 'vitest';
import { ProgressReporter, type TextSink } from '../../src-main/cli/progress';
import type { EpochMetrics, IterationInfo } from '../../src-shared/engine/types';

class Sink implements TextSink {
  text = '';
  constructor(public isTTY: boolean, public columns = 120) {}
  write(s: string): void {
    this.text += s;
  }
}

function info(iteration: number, itersPerEpoch: number, loss = 0.5): IterationInfo {
  return { epoch: Math.floor((iteration - 1) / itersPerEpoch) + 1, iteration, iterationInEpoch: ((iteration - 1) % itersPerEpoch) + 1, itersPerEpoch, loss, learningRate: 1e-3 };
}

const metrics: EpochMetrics = { epoch: 1, trainAccuracy: 0.9, trainLoss: 0.3, valAccuracy: 0.91, valLoss: 0.29, learningRate: 1e-3, meanIterationLoss: 0.4, durationMs: 2000, imagesPerSecond: 5000 };

describe('progress reporter', () => {
  it('on a TTY redraws one line at most every 100 ms, with rate and ETA', () => {
    let t = 0;
    const err = new Sink(true);
    const out = new Sink(false);
    const r = new ProgressReporter({ epochs: 2, batchSize: 100, err, out, now: () => t });
    // 10 iterations, 20 ms each: redraws at 100 and 200 ms only.
    for (let i = 1; i <= 10; i++) {
      t += 20;
      r.iteration(info(i, 10));
    }
    const draws = err.text.split('\r\x1b[2K').filter(Boolean);
    expect(draws).toHaveLength(2);
    expect(err.text).not.toContain('\n');
    // 5 iterations × 100 images in 0.1 s = 5,000 img/s; 10 of 20 iterations in 0.2 s → ETA 0.2 s.
    expect(draws[1]).toMatch(/^epoch 1\/2 █+░* 10\/10  loss 0\.5000  5,000 img\/s  ETA 0\.2s$/);
    expect(out.text).toBe('');
    // An epoch line clears the bar first and goes to stdout.
    r.epoch(metrics);
    expect(err.text.endsWith('\r\x1b[2K')).toBe(true);
    expect(out.text).toMatch(/^epoch 1\/2  train acc 90\.00%  val acc 91\.00%/);
  });

  it('the last iteration is always drawn on a TTY, and lines are cut to the terminal width', () => {
    let t = 0;
    const err = new Sink(true, 30);
    const r = new ProgressReporter({ epochs: 1, batchSize: 10, err, out: new Sink(false), now: () => t });
    t = 500;
    r.iteration(info(1, 3));
    t = 510;
    r.iteration(info(2, 3));
    t = 520;
    r.iteration(info(3, 3));
    const draws = err.text.split('\r\x1b[2K').filter(Boolean);
    expect(draws).toHaveLength(2);
    expect(draws[0]).toMatch(/^epoch 1\/1 /);
    // The bar shrinks to its minimum of 8 cells, then the line is cut to 29 columns.
    expect(draws[1]).toBe('epoch 1/1 ' + '█'.repeat(8) + ' 3/3  loss ');
    for (const d of draws) expect(d.length).toBe(29);
    r.clear();
    expect(err.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('on a narrower terminal the bar shrinks so the whole line fits', () => {
    let t = 0;
    const err = new Sink(true, 60);
    const r = new ProgressReporter({ epochs: 1, batchSize: 10, err, out: new Sink(false), now: () => t });
    t = 200;
    r.iteration(info(2, 4));
    const line = err.text.replace('\r\x1b[2K', '');
    expect(line.length).toBeLessThanOrEqual(59);
    expect(line).toMatch(/^epoch 1\/1 █+░+ 2\/4  loss 0\.5000  100 img\/s  ETA 0\.2s$/);
    expect((line.match(/[█░]/g) ?? []).length).toBeLessThan(24);
  });

  it('a terminal that reports 0 columns gets the full line', () => {
    let t = 0;
    const err = new Sink(true, 0);
    const r = new ProgressReporter({ epochs: 1, batchSize: 10, err, out: new Sink(false), now: () => t });
    t = 200;
    r.iteration(info(2, 4));
    expect(err.text).toMatch(/ETA 0\.2s$/);
  });

  it('without a TTY writes plain periodic lines (no escape codes)', () => {
    let t = 0;
    const err = new Sink(false);
    const r = new ProgressReporter({ epochs: 1, batchSize: 50, err, out: new Sink(false), now: () => t, lineMs: 1000 });
    for (let i = 1; i <= 100; i++) {
      t += 25; // 2.5 s in all → 2 lines (at 1 s and 2 s)
      r.iteration(info(i, 100, 0.25));
    }
    const lines = err.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(err.text).not.toMatch(/\x1b|\r/);
    expect(lines[0]).toBe('epoch 1/1 iter  40/100  loss 0.2500  2,000 img/s  ETA 1.5s');
    r.epoch(metrics);
    expect(err.text.endsWith('\n')).toBe(true);
  });
});
