// A run's life in the store: its status machine, who trains it (the owner's lease), how far it
// got (epoch, iteration, best validation accuracy, test result), heartbeats, stale-run recovery
// and resume (rewinding to a checkpoint).
//
// Ownership: a process claims a queued run (claimRun) with an owner id and a lease; from then on
// every write of the run's data names that owner and is checked in its own transaction
// (requireWritable). A process that lost the lease (it looked dead, the run was marked
// interrupted and perhaps resumed by someone else) gets StoreError 'lease' and must stop
// writing. Runs without an owner (store tests, tools) keep the old heartbeat-only rule.
import { MAX_ERROR_LENGTH } from '../../src-shared/limits';
import type { Ctx } from './context';
import { checkFinite, checkInt, checkString, conflict, invalid, leaseLost, notFound, show } from './errors';
import { checkStatus, stretchEndSql, type makeRuns } from './runs';
import { RESUMABLE_STATUSES, STATUS_TRANSITIONS, type RunRecord, type RunStatus, type StatusDetails } from './types';

/** Where a running run stands, as the writes of its data need it. */
export interface RunPosition {
  epoch: number;
  iteration: number;
  totalEpochs: number;
}

export function makeLifecycle(ctx: Ctx, runs: ReturnType<typeof makeRuns>) {
  const { db, now } = ctx;
  const st = {
    position: db.prepare<[number], { status: RunStatus; epoch: number; iteration: number; total_epochs: number; owner_id: string | null }>(
      'SELECT status, epoch, iteration, total_epochs, owner_id FROM runs WHERE id = ?',
    ),
    toRunning: db.prepare(
      `UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now,
                       finished_at = NULL, error = NULL, owner_id = @owner, lease_expires_at = @expires,
                       trained_on = coalesce(@trainedOn, trained_on)
       WHERE id = @id`,
    ),
    toFinished: db.prepare(
      `UPDATE runs SET status = @status, finished_at = @now, error = @error, owner_id = NULL, lease_expires_at = NULL,
                       diverged_epoch = @divergedEpoch, diverged_iteration = @divergedIteration WHERE id = @id`,
    ),
    heartbeat: db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`),
    renew: db.prepare(`UPDATE runs SET heartbeat_at = @now, lease_expires_at = @expires WHERE id = @id AND status = 'running' AND owner_id = @owner`),
    running: db.prepare<[], { id: number; owner_id: string | null; lease_expires_at: number | null; heartbeat_at: number | null; started_at: number | null; created_at: number }>(
      `SELECT id, owner_id, lease_expires_at, heartbeat_at, started_at, created_at FROM runs WHERE status = 'running' ORDER BY id`,
    ),
    interrupt: db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = @now, error = @error, owner_id = NULL, lease_expires_at = NULL WHERE id = @id AND status = 'running'`),
    setIteration: db.prepare('UPDATE runs SET iteration = ?, heartbeat_at = ? WHERE id = ?'),
    setEpoch: db.prepare(
      `UPDATE runs SET epoch = @epoch, heartbeat_at = @now,
              best_val_accuracy = max(coalesce(best_val_accuracy, @val), @val) WHERE id = @id`,
    ),
    // The run's result is its LAST checkpoint's latest test evaluation: evaluating an older
    // checkpoint later adds an evaluation without replacing the run's result.
    refreshResult: db.prepare(
      `UPDATE runs SET best_val_accuracy = (SELECT max(val_accuracy) FROM epoch_metrics WHERE run_id = @run),
                       test_accuracy = (SELECT e.accuracy FROM evaluations e
                                        WHERE e.run_id = @run AND e.split = 'test'
                                          AND e.checkpoint_id = (SELECT id FROM checkpoints WHERE run_id = @run ORDER BY iteration DESC, id DESC LIMIT 1)
                                        ORDER BY e.id DESC LIMIT 1)
       WHERE id = @run`,
    ),
    checkpointOwner: db.prepare<[number], { run_id: number; epoch: number; iteration: number }>('SELECT run_id, epoch, iteration FROM checkpoints WHERE id = ?'),
    trimLosses: db.prepare(
      `UPDATE iteration_losses SET count = @iteration - first_iteration + 1,
              losses = substr(losses, 1, 8 * (@iteration - first_iteration + 1))
       WHERE run_id = @run AND first_iteration <= @iteration AND first_iteration + count - 1 > @iteration`,
    ),
    dropLosses: db.prepare('DELETE FROM iteration_losses WHERE run_id = @run AND first_iteration > @iteration'),
    dropMetrics: db.prepare('DELETE FROM epoch_metrics WHERE run_id = @run AND epoch > @epoch'),
    dropCheckpoints: db.prepare('DELETE FROM checkpoints WHERE run_id = @run AND (iteration > @iteration OR (iteration = @iteration AND id > @cp))'),
    startPoint: db.prepare<[number], { epoch: number; iteration: number }>(
      `SELECT coalesce(c.epoch, 0) AS epoch, coalesce(c.iteration, 0) AS iteration
       FROM runs r LEFT JOIN checkpoints c ON c.id = r.forked_from_checkpoint WHERE r.id = ?`,
    ),
    checkpointAt: db.prepare<[number, number], { id: number; epoch: number; iteration: number }>('SELECT id, epoch, iteration FROM checkpoints WHERE run_id = ? AND iteration = ? ORDER BY id DESC LIMIT 1'),
    lastCheckpoint: db.prepare<[number], { id: number; iteration: number; evaluated: number }>(
      `SELECT c.id, c.iteration, EXISTS (SELECT 1 FROM evaluations e WHERE e.checkpoint_id = c.id AND e.split = 'test') AS evaluated
       FROM checkpoints c WHERE c.run_id = ? ORDER BY c.iteration DESC, c.id DESC LIMIT 1`,
    ),
    rewindRunning: db.prepare(`UPDATE runs SET epoch = @epoch, iteration = @iteration, heartbeat_at = @now WHERE id = @run`),
    trainedOn: db.prepare(`UPDATE runs SET trained_on = @trainedOn WHERE id = @id`),
    adopt: db.prepare(`UPDATE runs SET owner_id = @owner, lease_expires_at = @expires, heartbeat_at = @now WHERE id = @id AND status = 'running' AND owner_id = @previous`),
    rewind: db.prepare(
      // The stretch that ended is added to earlier_ms (NULL stays NULL: a run resumed before schema
      // 4 has earlier stretches nobody recorded); a resumed run is no longer archived.
      `UPDATE runs SET status = 'queued', started_at = NULL, finished_at = NULL, heartbeat_at = NULL, error = NULL,
              diverged_epoch = NULL, diverged_iteration = NULL, owner_id = NULL, lease_expires_at = NULL,
              resumed_from_run = @run, resumed_from_checkpoint = @cp, epoch = @epoch, iteration = @iteration,
              earlier_ms = earlier_ms + CASE WHEN started_at IS NULL THEN 0 ELSE max(0, coalesce(${stretchEndSql('runs')}, started_at) - started_at) END,
              archived_at = NULL
       WHERE id = @run`,
    ),
  };

  /**
   * Checks, inside the caller's transaction, that the run is running and held by `owner` (null:
   * a run nobody claimed). Returns its position.
   */
  function requireWritable(runId: number, owner: string | null, what: string): RunPosition {
    runs.requireStatus(runId);
    const p = st.position.get(runId)!;
    if (owner !== null && (p.status !== 'running' || p.owner_id !== owner)) {
      throw leaseLost(`Run ${runId} is no longer trained by this process (it is ${p.status}${p.owner_id && p.owner_id !== owner ? ', held by another process' : ''}); ${what} was not recorded.`);
    }
    if (p.status !== 'running') throw conflict(`Run ${runId} is ${p.status}, not running; cannot record ${what}.`);
    if (owner === null && p.owner_id !== null) throw leaseLost(`Run ${runId} is trained by another process; ${what} can only be recorded by it.`);
    return { epoch: p.epoch, iteration: p.iteration, totalEpochs: p.total_epochs };
  }

  function checkDetails(status: RunStatus, details: StatusDetails) {
    if (typeof details !== 'object' || details === null) throw invalid(`status details must be an object (got ${show(details)}).`);
    const error = details.error === undefined ? null : checkString('error', details.error, 0, MAX_ERROR_LENGTH);
    let divergedEpoch: number | null = null;
    let divergedIteration: number | null = null;
    if (status === 'diverged') {
      const d = details.divergedAt;
      if (typeof d !== 'object' || d === null) throw invalid('A diverged run needs divergedAt: { epoch, iteration }.');
      divergedEpoch = checkInt('divergedAt.epoch', d.epoch, 1);
      divergedIteration = checkInt('divergedAt.iteration', d.iteration, 1);
    } else if (details.divergedAt !== undefined) {
      throw invalid(`divergedAt applies only to status diverged (not ${status}).`);
    }
    return { error, divergedEpoch, divergedIteration };
  }

  function transition(id: number, status: RunStatus, details: StatusDetails, owner: string | null, claim?: { leaseMs: number; trainedOn: string | null }): RunRecord {
    const from = runs.requireStatus(id);
    checkStatus(status);
    // An owner that lost the run is told so before anything else (it must stop writing).
    if (owner !== null && !claim) requireWritable(id, owner, `status ${status}`);
    if (status === 'queued') throw invalid(`A run goes back to queued only by resuming it from a checkpoint.`);
    if (!STATUS_TRANSITIONS[from].includes(status)) {
      throw conflict(`Run ${id} is ${from}; it cannot become ${status}${STATUS_TRANSITIONS[from].length ? ` (it can become ${STATUS_TRANSITIONS[from].join(', ')})` : ''}.`);
    }
    const { error, divergedEpoch, divergedIteration } = checkDetails(status, details);
    if (from === 'running') requireWritable(id, owner, `status ${status}`);
    const t = now();
    if (status === 'running') {
      if (error !== null) throw invalid('A running run has no error text.');
      st.toRunning.run({ id, now: t, owner, expires: claim && owner !== null ? t + claim.leaseMs : null, trainedOn: claim?.trainedOn ?? null });
    } else {
      st.toFinished.run({ id, status, now: t, error, divergedEpoch, divergedIteration });
    }
    return runs.getRun(id);
  }

  const setStatus = db.transaction((id: number, status: RunStatus, details: StatusDetails = {}, owner: string | null = null): RunRecord => transition(id, status, details, owner));

  const claim = db.transaction((id: number, owner: string, leaseMs: number, trainedOn: string): RunRecord => {
    checkString('owner', owner, 1, 200);
    checkFinite('leaseMs', leaseMs, 1);
    checkString('trainedOn', trainedOn, 1, 200);
    return transition(id, 'running', {}, owner, { leaseMs, trainedOn });
  });

  const renew = db.transaction((id: number, owner: string, leaseMs: number): void => {
    checkFinite('leaseMs', leaseMs, 1);
    const t = now();
    if (st.renew.run({ id, owner, now: t, expires: t + leaseMs }).changes === 0) requireWritable(id, owner, 'a heartbeat');
  });

  /** Drops what a run recorded after one of its checkpoints (losses, metrics, later checkpoints). */
  function trimAfter(id: number, cp: { epoch: number; iteration: number; id: number }): void {
    st.trimLosses.run({ run: id, iteration: cp.iteration });
    st.dropLosses.run({ run: id, iteration: cp.iteration });
    st.dropMetrics.run({ run: id, epoch: cp.epoch });
    st.dropCheckpoints.run({ run: id, iteration: cp.iteration, cp: cp.id });
  }

  // A running run whose task started again from one of its checkpoints (an agent took over a job
  // whose agent died): what was recorded after that checkpoint is dropped, to be recorded again.
  const rewindRunning = db.transaction((id: number, owner: string, iteration: number): void => {
    const p = requireWritable(id, owner, 'a rewind');
    checkInt('iteration', iteration, 0);
    if (iteration > p.iteration) throw invalid(`Run ${id} has recorded up to iteration ${p.iteration}; it cannot be rewound forward to ${iteration}.`);
    if (iteration === p.iteration) return;
    // Its own checkpoint there, or the point it started from (0, or the fork's checkpoint of its parent).
    let cp = st.checkpointAt.get(id, iteration);
    if (!cp) {
      const start = st.startPoint.get(id)!;
      if (iteration !== start.iteration) throw invalid(`Run ${id} has no checkpoint at iteration ${iteration} to rewind to.`);
      cp = { id: 0, epoch: start.epoch, iteration: start.iteration };
    }
    trimAfter(id, cp);
    st.rewindRunning.run({ run: id, epoch: cp.epoch, iteration: cp.iteration, now: now() });
    st.refreshResult.run({ run: id });
  });

  const setTrainedOn = db.transaction((id: number, owner: string, trainedOn: string): void => {
    requireWritable(id, owner, 'where it trains');
    st.trainedOn.run({ id, trainedOn: checkString('trainedOn', trainedOn, 1, 200) });
  });

  // A running run whose owner is gone, taken over by another process that can still reach its
  // task (a coordinator restarted while an agent trains the run).
  const adopt = db.transaction((id: number, previous: string, owner: string, leaseMs: number): RunRecord => {
    checkString('owner', owner, 1, 200);
    checkFinite('leaseMs', leaseMs, 1);
    const t = now();
    if (st.adopt.run({ id, previous, owner, expires: t + leaseMs, now: t }).changes === 0) throw conflict(`Run ${id} is not running under ${previous}; it cannot be taken over.`);
    return runs.getRun(id);
  });

  const resume = db.transaction((id: number, checkpointId: number): RunRecord => {
    const status = runs.requireStatus(id);
    const cp = st.checkpointOwner.get(checkInt('checkpoint id', checkpointId, 1));
    if (!cp) throw notFound(`No checkpoint with id ${checkpointId}.`);
    if (cp.run_id !== id) throw invalid(`Checkpoint ${checkpointId} belongs to run ${cp.run_id}, not run ${id}.`);
    if (!RESUMABLE_STATUSES.includes(status)) {
      throw conflict(`Run ${id} is ${status}; only ${RESUMABLE_STATUSES.join(', ')} runs can be resumed${status === 'completed' || status === 'diverged' ? ' (fork it instead)' : ''}.`);
    }
    const p = { run: id, iteration: cp.iteration, epoch: cp.epoch, cp: checkpointId };
    trimAfter(id, { ...cp, id: checkpointId });
    st.rewind.run(p);
    st.refreshResult.run({ run: id });
    return runs.getRun(id);
  });

  function heartbeat(id: number): void {
    ctx.write(() => {
      const status = runs.requireStatus(id);
      if (ctx.relaxedSync(() => st.heartbeat.run(now(), id)).changes === 0) throw conflict(`Run ${id} is ${status}, not running; no heartbeat recorded.`);
    });
  }

  const markStale = db.transaction((olderThanMs: number, isGone: (owner: string) => boolean): number[] => {
    checkFinite('olderThanMs', olderThanMs, 0);
    const t = now();
    const out: number[] = [];
    for (const r of st.running.all()) {
      let error: string | null = null;
      if (r.owner_id !== null && isGone(r.owner_id)) {
        error = 'Interrupted: the process training it has exited (no more heartbeats will come).';
      } else if (r.owner_id !== null && r.lease_expires_at !== null) {
        if (r.lease_expires_at < t) error = `Interrupted: the process training it stopped sending heartbeats (its lease expired ${Math.max(0, Math.round((t - r.lease_expires_at) / 1000))} s ago).`;
      } else if ((r.heartbeat_at ?? r.started_at ?? r.created_at) < t - olderThanMs) {
        error = `Interrupted: the process running it stopped sending heartbeats (none for ${Math.round(olderThanMs / 1000)} s).`;
      }
      if (error !== null && st.interrupt.run({ id: r.id, now: t, error }).changes > 0) out.push(r.id);
    }
    return out;
  });

  return {
    public: {
      setRunStatus: (id: number, s: RunStatus, d?: StatusDetails) => ctx.write(() => setStatus.immediate(id, s, d)),
      claimRun: (id: number, owner: string, leaseMs: number, trainedOn: string) => ctx.write(() => claim.immediate(id, owner, leaseMs, trainedOn)),
      resumeRun: (id: number, cp: number) => ctx.write(() => resume.immediate(id, cp)),
      heartbeat,
      adoptRun: (id: number, previous: string, owner: string, leaseMs: number) => ctx.write(() => adopt.immediate(id, previous, owner, leaseMs)),
      markStaleRunsInterrupted: (ms: number, isGone: (owner: string) => boolean = () => false) => ctx.write(() => markStale.immediate(ms, isGone)),
    },
    /** For the run writer: finish a run held by `owner` (the caller's transaction). */
    finishAs: (id: number, owner: string, status: Exclude<RunStatus, 'queued' | 'running'>, details: StatusDetails = {}) => ctx.write(() => setStatus.immediate(id, status, details, owner)),
    rewindAs: (id: number, owner: string, iteration: number) => ctx.write(() => rewindRunning.immediate(id, owner, iteration)),
    setTrainedOnAs: (id: number, owner: string, trainedOn: string) => ctx.write(() => setTrainedOn.immediate(id, owner, trainedOn)),
    renewAs: (id: number, owner: string, leaseMs: number) => ctx.write(() => ctx.relaxedSync(() => renew.immediate(id, owner, leaseMs))),
    requireWritable,
    /** Where a run stands: completed epochs, last iteration, its last checkpoint and whether that has a test evaluation. */
    position: (runId: number) => {
      const r = runs.getRun(runId);
      const cp = st.lastCheckpoint.get(runId);
      return { epoch: r.progress.epoch, iteration: r.progress.iteration, lastCheckpoint: cp ? { id: cp.id, iteration: cp.iteration, evaluated: cp.evaluated === 1 } : null };
    },
    /** Records the last recorded iteration (inside the caller's transaction). */
    advanceIteration: (runId: number, iteration: number) => st.setIteration.run(iteration, now(), runId),
    /** Records a completed epoch and its validation accuracy (inside the caller's transaction). */
    advanceEpoch: (runId: number, epoch: number, valAccuracy: number) => st.setEpoch.run({ id: runId, epoch, now: now(), val: valAccuracy }),
    /** Recomputes the run's best validation accuracy and test result (inside the caller's transaction). */
    refreshResult: (runId: number) => st.refreshResult.run({ run: runId }),
  };
}
