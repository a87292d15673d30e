// How numbers are shown everywhere in the UI: accuracy as a percentage with two decimals,
// durations, ETA, rates, learning rates. Missing or diverged values get a visible placeholder.

/** 0.99223 → "99.22%"; null/undefined → "—"; NaN → "diverged". */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined) return '—';
  if (Number.isNaN(fraction)) return 'diverged';
  if (!Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Durations: "850 ms", "12.3 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600);
  const min = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  if (h > 0) return `${h} h ${String(min).padStart(2, '0')} min`;
  return `${min} min ${String(sec).padStart(2, '0')} s`;
}

/**
 * A run's training time (every stretch of a resumed run): "12.3 s", or "≥ 12.3 s" when only part of
 * it is known (a run resumed before the app recorded earlier stretches).
 */
export function formatRunDuration(r: { durationMs: number | null; durationPartial: boolean }): string {
  const d = formatDuration(r.durationMs);
  return r.durationPartial && r.durationMs !== null ? `≥ ${d}` : d;
}

/**
 * Estimated time left from work done, work total and the rate (units per second).
 * Returns "—" until a rate is known; "done" when nothing is left.
 */
export function formatEta(done: number, total: number, ratePerSecond: number): string {
  if (!(total > 0) || !Number.isFinite(done) || done < 0) return '—';
  const left = total - done;
  if (left <= 0) return 'done';
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return '—';
  return formatDuration((left / ratePerSecond) * 1000);
}

/** 1234.5 → "1,235"; small rates keep one decimal. */
export function formatRate(perSecond: number | null | undefined, unit = 'img/s'): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond) || perSecond < 0) return '—';
  const s = perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1);
  return `${s} ${unit}`;
}

/** Learning rates and other small numbers: 0.001 → "1e-3", 0.0005 → "5e-4", 0.05 → "0.05". */
export function formatSci(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 0.01 && a < 10000) return String(Number(x.toPrecision(4)));
  const [mant, exp] = x.toExponential(3).split('e');
  return `${String(Number(mant))}e${Number(exp)}`;
}

/** A loss value: 4 significant digits, NaN → "diverged". */
export function formatLoss(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'diverged';
  if (!Number.isFinite(x)) return '∞';
  return x.toPrecision(4);
}

/** A timestamp (ms since epoch) as local "YYYY-MM-DD HH:MM". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * A class probability for a caption: one decimal, and never rounded up to a certainty it is not
 * (0.9957 → "99.6%", 0.99996 → ">99.9%", exactly 1 → "100%"), nor down to an impossibility
 * (0.00004 → "<0.1%").
 */
export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p >= 1) return '100%';
  if (p <= 0) return '0%';
  if (p > 0.999) return '>99.9%';
  if (p < 0.001) return '<0.1%';
  return `${(Math.floor(p * 1000 + 0.5) / 10).toFixed(1)}%`;
}

/**
 * Where a checkpoint stands. `epoch` counts completed epochs and `iteration` is global, so a stop
 * in the middle of epoch 2 (epoch 1 done, iteration 490 of 295 per epoch) is "epoch 2, iteration
 * 195 of 295 (mid-epoch)". Without the iterations per epoch, the global iteration is all we say.
 */
export function formatCheckpointPlace(epoch: number, iteration: number, itersPerEpoch: number | null): string {
  if (itersPerEpoch && itersPerEpoch > 0) {
    const inEpoch = iteration - epoch * itersPerEpoch;
    if (inEpoch > 0 && inEpoch < itersPerEpoch) return `epoch ${epoch + 1}, iteration ${inEpoch} of ${itersPerEpoch} (mid-epoch, ${iteration.toLocaleString('en-US')} in all)`;
    if (inEpoch === 0) return epoch === 0 ? 'start (iteration 0)' : `end of epoch ${epoch} (iteration ${iteration.toLocaleString('en-US')})`;
  }
  return `after epoch ${epoch}, iteration ${iteration.toLocaleString('en-US')} in all`;
}

/**
 * A run's duration as of `now`: the API's figure, plus the time since it was fetched while the run
 * is still running (so a header ticks between refreshes).
 */
export function liveDurationMs(durationMs: number | null, running: boolean, fetchedAt: number, now: number): number | null {
  if (durationMs === null) return null;
  return running ? durationMs + Math.max(0, now - fetchedAt) : durationMs;
}
