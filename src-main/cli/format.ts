// Pure text formatting for the terminal trainer: percentages, durations, ETA, the progress line,
// the per-epoch line, the confusion matrix and the most confused pairs. No I/O here.

import type { EpochMetrics } from '../../src-shared/engine/types';

export const NUM_CLASSES = 10;

export function formatPercent(fraction: number, digits = 2): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : String(fraction);
}

/** 950 → "0.9s", 12_345 → "12.3s", 185_000 → "3m 05s", 3_725_000 → "1h 02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${String(totalS % 60).padStart(2, '0')}s`;
  const totalM = Math.round(s / 60);
  return `${Math.floor(totalM / 60)}h ${String(totalM % 60).padStart(2, '0')}m`;
}

/** 4812.3 → "4,812" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Loss with 4 significant digits, or its non-finite value as is. */
export function formatLoss(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/**
 * Remaining time from the average time per iteration so far (evaluation time included, so it
 * is amortised into the estimate). Null before the first iteration.
 */
export function estimateEtaMs(doneIters: number, totalIters: number, elapsedMs: number): number | null {
  if (doneIters <= 0 || elapsedMs <= 0) return null;
  return Math.max(0, totalIters - doneIters) * (elapsedMs / doneIters);
}

/** Lets a redraw through at most once per `intervalMs` (the progress bar: ~10×/s). */
export class Throttle {
  private last = -Infinity;
  constructor(private readonly intervalMs: number) {}
  /** True when a redraw is due at time `now` (ms); records it. */
  due(now: number): boolean {
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}

export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export interface ProgressState {
  epoch: number; // 1-based, the epoch in progress
  epochs: number;
  iterationInEpoch: number;
  itersPerEpoch: number;
  loss: number;
  imagesPerSecond: number;
  etaMs: number | null;
}

/** One progress line: "epoch 3/40 ███░░░ 120/295  loss 0.04120  4,812 img/s  ETA 3m 05s". */
export function formatProgress(p: ProgressState, barWidth = 24): string {
  const it = `${String(p.iterationInEpoch).padStart(String(p.itersPerEpoch).length)}/${p.itersPerEpoch}`;
  return [
    `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs}`,
    barWidth > 0 ? `${bar(p.iterationInEpoch / p.itersPerEpoch, barWidth)} ${it}` : `iter ${it}`,
    ` loss ${formatLoss(p.loss)}`,
    ` ${formatCount(p.imagesPerSecond)} img/s`,
    ` ETA ${p.etaMs === null ? '?' : formatDuration(p.etaMs)}`,
  ].join(' ');
}

/** The line printed after each epoch. */
export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  return [
    `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`,
    `train acc ${formatPercent(m.trainAccuracy)}`,
    `val acc ${formatPercent(m.valAccuracy)}`,
    `val loss ${formatLoss(m.valLoss)}`,
    `lr ${m.learningRate.toExponential(2)}`,
    `time ${formatDuration(m.durationMs)}`,
    `${formatCount(m.imagesPerSecond)} img/s`,
  ].join('  ');
}

function checkConfusion(confusion: ArrayLike<number>): void {
  if (confusion.length !== NUM_CLASSES * NUM_CLASSES) {
    throw new Error(`A confusion matrix must have ${NUM_CLASSES * NUM_CLASSES} cells (got ${confusion.length}).`);
  }
}

const numbered = (): string[] => Array.from({ length: NUM_CLASSES }, (_, i) => String(i));

/**
 * The 10×10 confusion matrix, rows = true label, columns = predicted (confusion[t*10+p]),
 * with each row's total and per-class accuracy (recall). With class names, a row starts with its
 * label and name ("3 Dress"); the columns keep the labels, so the matrix stays narrow.
 */
export function formatConfusion(confusion: ArrayLike<number>, names: readonly string[] = numbered()): string {
  checkConfusion(confusion);
  let max = 0;
  for (let i = 0; i < confusion.length; i++) max = Math.max(max, confusion[i]);
  const w = Math.max(String(max).length, 1) + 1;
  const totals: number[] = [];
  for (let t = 0; t < NUM_CLASSES; t++) {
    let s = 0;
    for (let p = 0; p < NUM_CLASSES; p++) s += confusion[t * NUM_CLASSES + p];
    totals.push(s);
  }
  const tw = Math.max(5, String(Math.max(...totals)).length) + 1;
  const named = names.some((n, i) => n !== String(i));
  const rowLabel = (t: number) => (named ? `${t} ${names[t]}` : String(t));
  const lw = Math.max(9, ...Array.from({ length: NUM_CLASSES }, (_, t) => [...rowLabel(t)].length));
  const head = 'true\\pred'.padEnd(lw) + ' ' + Array.from({ length: NUM_CLASSES }, (_, p) => String(p).padStart(w)).join('') + 'total'.padStart(tw) + '    acc';
  const lines = [head];
  for (let t = 0; t < NUM_CLASSES; t++) {
    const label = rowLabel(t);
    let row = `${named ? label + ' '.repeat(lw - [...label].length) : label.padStart(lw)} `;
    for (let p = 0; p < NUM_CLASSES; p++) {
      const c = confusion[t * NUM_CLASSES + p];
      row += (t !== p && c === 0 ? '.' : String(c)).padStart(w);
    }
    const acc = totals[t] > 0 ? formatPercent(confusion[t * NUM_CLASSES + t] / totals[t]) : '—';
    lines.push(row + String(totals[t]).padStart(tw) + acc.padStart(8));
  }
  return lines.join('\n');
}

/** The most confused pairs (src-shared/metrics' mostConfusedPairs), one per line, by class name when there are names. */
export function formatConfusedPairs(pairs: readonly { label: number; predicted: number; count: number }[], names: readonly string[] = numbered()): string {
  if (pairs.length === 0) return '  (no test image misclassified)';
  const w = String(pairs[0].count).length;
  const pair = (p: { label: number; predicted: number }) => `${names[p.label] ?? p.label} → ${names[p.predicted] ?? p.predicted}`;
  const pw = Math.max(...pairs.map((p) => [...pair(p)].length));
  return pairs.map((p) => `  ${pair(p)}${' '.repeat(pw - [...pair(p)].length)}  ${String(p.count).padStart(w)} image${p.count === 1 ? '' : 's'}`).join('\n');
}
