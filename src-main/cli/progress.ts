// The terminal trainer's live progress on stderr: a redrawn bar on a TTY (at most ~10×/s), plain
// periodic lines otherwise. Epoch lines go to stdout; the bar is cleared before each so the two
// streams don't interleave on a terminal.

import type { EpochMetrics, IterationInfo } from '../../src-shared/engine/types';
import { Throttle, estimateEtaMs, formatEpochLine, formatProgress } from './format';

const BAR_WIDTH = 24;

export interface TextSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  epochs: number;
  batchSize: number;
  /** stderr: the bar or the periodic lines. */
  err: TextSink;
  /** stdout: one line per epoch. */
  out: TextSink;
  /** Milliseconds clock (injectable for tests). */
  now?: () => number;
  /** Redraw interval on a TTY (default 100 ms: ~10×/s). */
  redrawMs?: number;
  /** Interval of the plain lines when stderr is not a TTY (default 5 s). */
  lineMs?: number;
}

export class ProgressReporter {
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly throttle: Throttle;
  private readonly start: number;
  private barShown = false;
  private lastAt: number;
  private lastIteration = 0;
  private rate = 0; // images/s, smoothed

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.tty = Boolean(o.err.isTTY);
    this.throttle = new Throttle(this.tty ? (o.redrawMs ?? 100) : (o.lineMs ?? 5000));
    this.start = this.now();
    this.lastAt = this.start;
    this.throttle.due(this.start); // the first report comes one interval after the start
  }

  iteration(info: IterationInfo): void {
    const t = this.now();
    const last = info.iteration === info.itersPerEpoch * this.o.epochs;
    if (!this.throttle.due(t) && !(last && this.tty)) return;
    const dt = (t - this.lastAt) / 1000;
    const images = (info.iteration - this.lastIteration) * this.o.batchSize;
    if (dt > 0 && images > 0) this.rate = this.rate === 0 ? images / dt : 0.7 * this.rate + 0.3 * (images / dt);
    this.lastAt = t;
    this.lastIteration = info.iteration;
    const state = {
      epoch: info.epoch,
      epochs: this.o.epochs,
      iterationInEpoch: info.iterationInEpoch,
      itersPerEpoch: info.itersPerEpoch,
      loss: info.loss,
      imagesPerSecond: this.rate,
      etaMs: estimateEtaMs(info.iteration, info.itersPerEpoch * this.o.epochs, t - this.start),
    };
    if (this.tty) {
      // The bar shrinks to fit the terminal (down to 8 cells); only then is the line cut.
      const room = (this.o.err.columns || 100) - 1; // a pty may report 0 columns
      let line = formatProgress(state, BAR_WIDTH);
      if (line.length > room) line = formatProgress(state, Math.max(8, BAR_WIDTH - (line.length - room)));
      this.o.err.write(`\r\x1b[2K${line.length > room ? line.slice(0, room) : line}`);
      this.barShown = true;
    } else {
      this.o.err.write(formatProgress(state, 0) + '\n');
    }
  }

  epoch(m: EpochMetrics): void {
    this.clear();
    this.o.out.write(formatEpochLine(m, this.o.epochs) + '\n');
  }

  /** Removes the bar (before other output, and at the end). */
  clear(): void {
    if (this.barShown) {
      this.o.err.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  /** Milliseconds since the reporter was created. */
  elapsedMs(): number {
    return this.now() - this.start;
  }
}
