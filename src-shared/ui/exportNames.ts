// One naming scheme for every file the UI saves, so downloads sort and read alike:
//   run-<id>-<name>-<what>.<ext>          one run (charts, matrices, exports, checkpoints)
//   compare-<id>-<id>[-…]-<what>.<ext>    a comparison, ids in the compared order
// <name> is the run name as the API's own exports write it (lower case, runs of other characters
// as one "-"), so the JSON/CSV export and the chart PNG of a run share their prefix.

/** "Tiny A, batch 100!" → "tiny-a-batch-100" (at most 60 characters; "run" when nothing is left). */
export function fileSlug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'run'
  );
}

export interface NamedRun {
  id: number;
  name: string;
}

/** The prefix of a run's files: "run-7-tiny-a". */
export function runFileBase(run: NamedRun): string {
  return `run-${run.id}-${fileSlug(run.name)}`;
}

/** The prefix of a comparison's files: "compare-7-9". */
export function compareFileBase(runIds: readonly number[]): string {
  return `compare-${runIds.join('-')}`;
}

/** base + "-" + what + "." + ext, with `what` slugged ("Confusion A" → "confusion-a"). */
export function exportFileName(base: string, what: string, ext: string): string {
  const w = what ? `-${fileSlug(what)}` : '';
  return `${base}${w}.${ext.replace(/^\./, '')}`;
}
