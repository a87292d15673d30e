// The resume decision as a pure function: every case without a database.
import { describe, expect, it } from 'vitest';
import type { CheckpointRow } from '../../src-shared/contract';
import { planResume, type ResumeSubject } from '../../src-main/runs/resume';

const cp = (id: number, epoch: number, iteration: number): CheckpointRow => ({ id, runId: 1, epoch, iteration, formatVersion: 1, byteLength: 10, sha256: 'x'.repeat(64), createdAt: 0 });
const run = (status: ResumeSubject['status'], over: Partial<ResumeSubject> = {}): ResumeSubject => ({ id: 1, status, totalEpochs: 4, owner: null, ...over });
const cps = [cp(10, 1, 10), cp(11, 2, 20), cp(12, 2, 25)];

describe('planResume', () => {
  it('continues a stopped, interrupted or failed run in the same run from its latest checkpoint', () => {
    for (const status of ['stopped', 'interrupted', 'failed'] as const) {
      expect(planResume(run(status), cps, undefined, 0)).toEqual({ kind: 'continue', checkpoint: cps[2] });
      expect(planResume(run(status), cps, 12, 0)).toEqual({ kind: 'continue', checkpoint: cps[2] });
    }
  });

  it('forks from an earlier checkpoint, or from any checkpoint of a completed or diverged run', () => {
    expect(planResume(run('stopped'), cps, 10, 0)).toEqual({ kind: 'fork', checkpoint: cps[0] });
    expect(planResume(run('completed'), cps, 11, 0)).toEqual({ kind: 'fork', checkpoint: cps[1] });
    expect(planResume(run('diverged'), cps, 12, 0)).toEqual({ kind: 'fork', checkpoint: cps[2] });
  });

  it('refuses a checkpoint at the end of the run, and a completed run without a chosen checkpoint', () => {
    const end = [cp(20, 4, 40)];
    expect(planResume(run('completed'), end, 20, 0)).toMatchObject({ kind: 'refuse', message: expect.stringMatching(/is the end of run 1 \(epoch 4 of 4\)/) });
    expect(planResume(run('completed'), end, undefined, 0)).toMatchObject({ kind: 'refuse', message: expect.stringMatching(/pick one of its checkpoints/) });
    expect(planResume(run('diverged'), [], undefined, 0)).toMatchObject({ kind: 'refuse' });
  });

  it('restarts a resumable run that never reached a checkpoint as a new run', () => {
    expect(planResume(run('stopped'), [], undefined, 0)).toEqual({ kind: 'restart' });
    expect(planResume(run('interrupted'), [], undefined, 0)).toEqual({ kind: 'restart' });
  });

  it('names a checkpoint that is not the run\'s for the caller to explain', () => {
    expect(planResume(run('stopped'), cps, 99, 0)).toEqual({ kind: 'foreign-checkpoint', checkpointId: 99 });
  });

  it('has nothing to resume for queued and running runs, and says when a silent owner will be given up', () => {
    expect(planResume(run('queued'), cps, undefined, 0)).toMatchObject({ kind: 'refuse', message: 'Run 1 is queued; there is nothing to resume.' });
    const live = planResume(run('running', { owner: { leaseExpiresAt: 20_000 } }), cps, undefined, 5_000);
    expect(live).toMatchObject({ kind: 'refuse', message: expect.stringMatching(/^Run 1 is running; there is nothing to resume\. .*in 15 s\./) });
    const expiring = planResume(run('running', { owner: { leaseExpiresAt: 5_500 } }), cps, undefined, 5_000);
    expect(expiring).toMatchObject({ kind: 'refuse', message: expect.stringMatching(/stopped sending heartbeats/) });
  });
});
