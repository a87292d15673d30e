// Launching and steering runs: create, sweep, stop, resume, delete. Creating a run records it
// as queued and hands it to the supervisor; resume follows the pure plan of ../runs/resume.ts.

import { autoRunName } from '../../src-shared/config';
import { MAX_SWEEP_RUNS, type RunRow } from '../../src-shared/contract';
import { MAX_QUEUED_RUNS } from '../../src-shared/limits';
import { ApiError } from '../../src-shared/errors';
import { interruptStaleRuns } from '../runs/recovery';
import { planResume } from '../runs/resume';
import type { NewRun, RunRecord } from '../store/index';
import type { Methods, WorkbenchContext } from './context';
import { sweepNameOf } from './sweeps';
import { APP_VERSION, ENGINE_VERSION } from './versions';

export function runMethods(ctx: WorkbenchContext, staleAfterMs: number): Methods<'createRun' | 'createSweep' | 'stopRun' | 'resumeRun' | 'deleteRun' | 'getQueueStatus'> {
  const { store, hub, supervisor, datasets } = ctx;

  /** Refuses a request that would queue `n` more runs than the caps allow, before anything is written. */
  function admit(n: number): void {
    if (n > MAX_SWEEP_RUNS) throw new ApiError(`One request may queue at most ${MAX_SWEEP_RUNS} runs (this one would queue ${n}).`);
    const waiting = store.listRuns({ status: 'queued', limit: 1 }).total;
    if (waiting + n > MAX_QUEUED_RUNS) {
      const what = n === 1 ? 'this run was' : `these ${n} runs were`;
      throw new ApiError(
        `${waiting} runs are already waiting to start and at most ${MAX_QUEUED_RUNS} may wait at once, so ${what} not queued. Stop or delete some queued runs, or wait for them to start.`,
      );
    }
  }

  /** Announces freshly created runs and queues them. */
  function queueNew(rows: RunRecord[]): RunRow[] {
    for (const r of rows) {
      hub.emit('runChanged', { runId: r.id, change: 'created' });
      hub.emit('runStatus', { runId: r.id, status: 'queued', error: null });
      supervisor.enqueue(r.id);
    }
    return rows.map(ctx.row);
  }

  /** A fork is a new experiment; a restart (the same config again) stays in the run's sweep. */
  function newRunFrom(row: RunRecord, name: string, forkedFrom?: { runId: number; checkpointId: number }): NewRun {
    return {
      name: name.slice(0, 200),
      config: row.config,
      appVersion: APP_VERSION,
      engineVersion: ENGINE_VERSION,
      tags: row.tags,
      notes: row.notes,
      ...(forkedFrom ? { forkedFrom } : row.sweep ? { sweepId: row.sweep.id } : {}),
    };
  }

  return {
    createRun: ({ config, name, tags }) => {
      datasets.requireFor(config);
      admit(1);
      const row = store.createRun({ name: name ?? autoRunName(config), config, appVersion: APP_VERSION, engineVersion: ENGINE_VERSION, tags: tags ?? [] });
      return queueNew([row])[0];
    },

    // The sweep is stored as a group (its name and grid) with its runs, in one transaction.
    createSweep: ({ grid, runs, name, tags }) => {
      for (const r of runs) datasets.requireFor(r.config);
      admit(runs.length);
      const prefix = name ?? 'Sweep';
      const created = store.createSweep(
        { name: name ?? sweepNameOf(grid), grid: grid.map((a) => [a.setting, a.values] as const) },
        runs.map((r) => ({
          name: `${prefix} (${Object.entries(r.combo).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`.slice(0, 200),
          config: r.config,
          appVersion: APP_VERSION,
          engineVersion: ENGINE_VERSION,
          tags: tags ?? [],
        })),
      );
      return queueNew(created.runs);
    },

    stopRun: async ({ id }) => {
      const row = store.getRun(id);
      if (supervisor.isActive(id)) await supervisor.stop(id);
      else if (row.status === 'queued') {
        const r = store.setRunStatus(id, 'stopped', { error: 'Stopped before it started.' });
        hub.emit('runStatus', { runId: id, status: r.status, error: r.error });
      } else if (row.status === 'running') {
        throw new ApiError(`Run ${id} is being trained by another process (the CLI or another window); stop it there.`);
      } else {
        throw new ApiError(`Run ${id} is ${row.status}; only queued or running runs can be stopped.`);
      }
      return ctx.row(store.getRun(id));
    },

    resumeRun: ({ id, checkpointId }) => {
      let row = store.getRun(id);
      // A run whose process died on this machine is known interrupted at once, not after its lease.
      if (row.status === 'running' && !supervisor.isActive(id) && interruptStaleRuns(store, staleAfterMs, hub.emit.bind(hub)).includes(id)) row = store.getRun(id);
      const plan = planResume({ id, status: row.status, totalEpochs: row.config.epochs, owner: row.owner }, store.listCheckpoints(id), checkpointId, Date.now());
      switch (plan.kind) {
        case 'refuse':
          throw new ApiError(plan.message);
        case 'foreign-checkpoint': {
          const other = store.getCheckpoint(plan.checkpointId); // not_found when there is no such checkpoint
          throw new ApiError(`Checkpoint ${plan.checkpointId} belongs to run ${other.runId}, not run ${id}.`);
        }
        case 'continue': {
          admit(1);
          const r = store.resumeRun(id, plan.checkpoint.id);
          hub.emit('runStatus', { runId: id, status: 'queued', error: null });
          supervisor.enqueue(id);
          return ctx.row(r);
        }
        case 'fork': {
          const cp = plan.checkpoint;
          admit(1);
          const forked = store.createRun(newRunFrom(row, `${row.name} (from epoch ${cp.epoch}, iteration ${cp.iteration})`, { runId: id, checkpointId: cp.id }));
          return queueNew([forked])[0];
        }
        case 'restart':
          admit(1);
          return queueNew([store.createRun(newRunFrom(row, `${row.name} (restarted)`))])[0];
      }
    },

    getQueueStatus: () => supervisor.queueStatus(),

    deleteRun: async ({ id }) => {
      const row = store.getRun(id);
      if (row.status === 'running') throw new ApiError(`Run ${id} is running; stop it before deleting it.`);
      if (supervisor.isActive(id)) await supervisor.stop(id); // queued here: leave the queue first
      store.deleteRun(id);
      hub.emit('runChanged', { runId: id, change: 'deleted' });
      return { deleted: id };
    },
  };
}
