// One colour per run, the same in every view: derived from the run's id alone, so the runs table,
// the detail page and the compare view agree without sharing state. Consecutive ids are spread
// around the colour wheel by the golden angle, so runs created together look different.

const GOLDEN_ANGLE = 137.50776405;

export function runHue(runId: number): number {
  if (!Number.isInteger(runId) || runId < 0) throw new RangeError(`A run id must be a whole number ≥ 0 (got ${runId}).`);
  return (((runId * GOLDEN_ANGLE) % 360) + 360) % 360;
}

/** A CSS colour readable on both light and dark backgrounds. */
export function runColor(runId: number, alpha = 1): string {
  const h = runHue(runId).toFixed(1);
  return alpha >= 1 ? `hsl(${h} 70% 50%)` : `hsl(${h} 70% 50% / ${alpha})`;
}

/**
 * Colours for a set of runs shown together: their own colours, except that when two hues are
 * closer than `minGap` degrees the later run is shifted (deterministically) so the chart stays
 * readable. Returns a map from run id to CSS colour.
 */
export function runColors(runIds: readonly number[], minGap = 24): Map<number, string> {
  const used: number[] = [];
  const out = new Map<number, string>();
  for (const id of runIds) {
    let h = runHue(id);
    for (let tries = 0; tries < 16 && used.some((u) => hueDistance(u, h) < minGap); tries++) h = (h + minGap + 7) % 360;
    used.push(h);
    out.set(id, `hsl(${h.toFixed(1)} 70% 50%)`);
  }
  return out;
}

export function hueDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}
