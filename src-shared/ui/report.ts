// The Report page's and the New run page's words about the report's runs: what a plan queues and
// roughly how long it trains, and each verdict's label.

import { plannedRuns } from '../report/plan';
import type { Verdict } from '../report/claims';

/** A full-MNIST epoch (59,000 images) on this project's reference machine, 2 cores, seconds: measured 2.5–4.5 s; the range allows a busy machine. */
export const EPOCH_SECONDS: readonly [number, number] = [3, 6];

/** What queueing `runs` planned runs costs, in one sentence for a confirmation dialog. */
export function reportQueueText(runs: readonly { epochs: number }[]): string {
  const epochs = runs.reduce((n, r) => n + r.epochs, 0);
  const [lo, hi] = EPOCH_SECONDS.map((s) => Math.max(1, Math.round((epochs * s) / 60)));
  return (
    `This queues ${runs.length} run${runs.length === 1 ? '' : 's'} on all of MNIST (${epochs} epoch${epochs === 1 ? '' : 's'} in all). ` +
    `At about ${EPOCH_SECONDS[0]}–${EPOCH_SECONDS[1]} s per epoch on 2 cores that is roughly ${lo === hi ? lo : `${lo}–${hi}`} minutes of training. ` +
    'Runs train in the background, one at a time on every core, and can be stopped and resumed; the Report page fills in as they finish.'
  );
}

/** The runs the report's plan holds (before any is recorded). */
export function reportPlanRuns(seeds: number, epochs?: number): { preset: string; seed: number; epochs: number }[] {
  return plannedRuns({ seeds, ...(epochs !== undefined ? { epochs } : {}) }).map((p) => ({ preset: p.preset, seed: p.seed, epochs: p.config.epochs }));
}

export const VERDICT_LABELS: Readonly<Record<Verdict, string>> = {
  reproduced: 'Reproduced',
  partly: 'Partly',
  'not-reproduced': 'Not reproduced',
  missing: 'Missing runs',
  provisional: 'Provisional',
};

/** A test-accuracy difference (fraction) in percentage points: "+0.33 points", "−1.20 points". */
export function accuracyGainText(gain: number): string {
  const v = Math.abs(gain * 100).toFixed(2);
  return `${gain >= 0 && v !== '0.00' ? '+' : v === '0.00' ? '±' : '−'}${v} points`;
}

/** Epochs to the convergence mark: "3", "3.5" (a mean over seeds), or "not reached". */
export function epochsText(epochs: number | null): string {
  return epochs === null ? 'not reached' : String(Math.round(epochs * 10) / 10);
}

/** What a change does to convergence, in words: "converges 2 epochs sooner", "1 epoch later", "as fast". */
export function epochsSavedText(saved: number | null): string {
  if (saved === null) return 'no comparison (a side never reached the mark)';
  const n = Math.round(Math.abs(saved) * 10) / 10;
  if (n === 0) return 'converges as fast';
  return `converges ${n} epoch${n === 1 ? '' : 's'} ${saved > 0 ? 'sooner' : 'later'}`;
}
