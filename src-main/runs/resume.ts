// What "resume run N (from checkpoint C)" means, decided by a pure function so every case can be
// unit-tested without a database:
//   - a stopped, interrupted or failed run continues IN THE SAME RUN from its latest checkpoint
//     (the default, or when C is that latest checkpoint);
//   - from an earlier checkpoint, or from any checkpoint of a completed or diverged run, a NEW
//     run is forked and the original stays as it was (refused when C is the run's end);
//   - a resumable run that never reached a checkpoint starts again as a new run;
//   - a queued or running run has nothing to resume; a running one whose owner stopped sending
//     heartbeats is told how long until it can be resumed.

import { RESUMABLE_STATUSES, type CheckpointRow, type RunStatus } from '../../src-shared/contract';

export interface ResumeSubject {
  id: number;
  status: RunStatus;
  totalEpochs: number;
  /** The lease of the process training it (running runs), if any. */
  owner: { leaseExpiresAt: number } | null;
}

export type ResumePlan =
  | { kind: 'continue'; checkpoint: CheckpointRow }
  | { kind: 'fork'; checkpoint: CheckpointRow }
  | { kind: 'restart' }
  /** C is not one of the run's checkpoints (the caller says whose it is, or that it does not exist). */
  | { kind: 'foreign-checkpoint'; checkpointId: number }
  | { kind: 'refuse'; message: string };

export function planResume(run: ResumeSubject, checkpoints: readonly CheckpointRow[], checkpointId: number | undefined, now: number): ResumePlan {
  if (run.status === 'queued') return { kind: 'refuse', message: `Run ${run.id} is queued; there is nothing to resume.` };
  if (run.status === 'running') {
    let hint = ' It is being trained by a process that is still alive; stop it there, or wait for it to end.';
    if (run.owner && run.owner.leaseExpiresAt <= now + 1000) hint = ' Its process stopped sending heartbeats; it becomes resumable once that is certain (within seconds).';
    else if (run.owner) hint = ` If its process has stopped, the run becomes resumable when its lease runs out, in ${Math.ceil((run.owner.leaseExpiresAt - now) / 1000)} s.`;
    return { kind: 'refuse', message: `Run ${run.id} is running; there is nothing to resume.${hint}` };
  }
  const latest = checkpoints.at(-1);
  let chosen: CheckpointRow | undefined;
  if (checkpointId !== undefined) {
    chosen = checkpoints.find((c) => c.id === checkpointId);
    if (!chosen) return { kind: 'foreign-checkpoint', checkpointId };
  }
  const resumable = RESUMABLE_STATUSES.includes(run.status);
  if (resumable && latest && (chosen === undefined || chosen.id === latest.id)) return { kind: 'continue', checkpoint: latest };
  if (chosen) {
    if (chosen.epoch >= run.totalEpochs) {
      return { kind: 'refuse', message: `Checkpoint ${chosen.id} is the end of run ${run.id} (epoch ${chosen.epoch} of ${run.totalEpochs}); there is nothing left to train from it.` };
    }
    return { kind: 'fork', checkpoint: chosen };
  }
  if (!resumable) return { kind: 'refuse', message: `Run ${run.id} is ${run.status}; pick one of its checkpoints to continue from (that makes a new run).` };
  // Resumable but never checkpointed (stopped while queued, or interrupted before its first
  // checkpoint): nothing to continue from, so start the same config again as a new run.
  return { kind: 'restart' };
}
