// Issue 10's API over a real workbench: a run's result stays its final checkpoint's evaluation
// (listEvaluations says which evaluation belongs to which checkpoint), Duration sums a resumed
// run's stretches, sweeps are stored groups with a setting → final metric table, runs can be
// archived instead of deleted, and datasets carry class names.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src-shared/contract';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { main as runsCli } from '../../src-main/cli/runs';
import { recordEvents, tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const tmp = tempDir('lenet-groups-');
const dbPath = join(tmp.dir, 'wb.sqlite');
let wb: Workbench;
let ds = '';
let done: RunRow;

const NAMES = ['circle', 'stick', 'swan', 'hook', 'chair', 'snake', 'loop', 'hockey', 'glasses', 'balloon'];

beforeAll(async () => {
  wb = createWorkbench({ dbPath, concurrency: 2, datasetsDir: join(tmp.dir, 'imported') });
  ds = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny' })).id;
  done = await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003, epochs: 3 }), name: 'three epochs' });
  await waitForStatus(wb, done.id, ['completed']);
  done = await wb.api.getRun({ id: done.id });
});

afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runsCli(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('a run’s result is its final checkpoint’s evaluation', () => {
  it('evaluating an older checkpoint adds an evaluation; the header, the runs list and `runs list` keep the final accuracy', async () => {
    const cps = await wb.api.listCheckpoints({ runId: done.id });
    expect(cps.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const [result] = await wb.api.listEvaluations({ runId: done.id });
    expect(result).toMatchObject({ checkpointId: cps[2].id, epoch: 3, iteration: 30, isResult: true, accuracy: done.testAccuracy });

    const older = await wb.api.evaluateCheckpoint({ checkpointId: cps[0].id });
    expect(older.accuracy).not.toBe(done.testAccuracy); // one epoch of training scores differently from three
    const list = await wb.api.listEvaluations({ runId: done.id });
    expect(list.map((e) => [e.checkpointId, e.epoch, e.iteration, e.isResult])).toEqual([
      [cps[2].id, 3, 30, true],
      [cps[0].id, 1, 10, false],
    ]);
    expect((await wb.api.getRun({ id: done.id })).testAccuracy).toBe(done.testAccuracy);
    expect((await wb.api.getEvaluation({ runId: done.id })).id).toBe(result.id);
    const row = (await wb.api.listRuns({ text: 'three epochs' })).rows[0];
    expect(row.testAccuracy).toBe(done.testAccuracy);
    const printed = await cli('list', '--db', dbPath);
    expect(printed.out).toMatch(new RegExp(`${done.id}\\s+completed\\s+three epochs\\s+3/3\\s+\\S+\\s+${(done.testAccuracy! * 100).toFixed(2)}%`));
    // Evaluating the final checkpoint again makes the new evaluation the result.
    const again = await wb.api.evaluateCheckpoint({ checkpointId: cps[2].id });
    expect((await wb.api.listEvaluations({ runId: done.id })).filter((e) => e.isResult).map((e) => e.id)).toEqual([again.id]);
  });
});

describe('Duration of a resumed run', () => {
  it('is the whole training time: the stretch before the stop plus the one after the resume', async () => {
    // Ten epochs: the stop is asked when epoch 1 ends, and the epoch event can reach this thread
    // late on a loaded machine (after the checkpoint is written, while the worker trains on); with
    // three tiny epochs (a fifth of a second each) the run could end before the stop landed.
    const run = await wb.api.createRun({ config: tinyConfig(ds, { epochs: 10 }), name: 'stop and resume' });
    await new Promise<void>((resolve) => {
      const off = wb.events.on('runEpoch', (e) => {
        if (e.runId === run.id) {
          off();
          void wb.api.stopRun({ id: run.id }).then(() => resolve());
        }
      });
    });
    const stopped = await wb.api.getRun({ id: run.id });
    expect(stopped.status).toBe('stopped');
    const first = stopped.durationMs!;
    expect(first).toBe(stopped.finishedAt! - stopped.startedAt!);
    await new Promise((r) => setTimeout(r, 300)); // time between the stretches is no training time
    expect((await wb.api.resumeRun({ id: run.id })).durationMs).toBe(first); // queued again: what it trained so far
    await waitForStatus(wb, run.id, ['completed']);
    const finished = await wb.api.getRun({ id: run.id });
    const second = finished.finishedAt! - finished.startedAt!;
    expect(finished.durationMs).toBe(first + second);
    expect(finished.durationPartial).toBe(false);
    expect((await wb.api.compareRuns({ runIds: [run.id, done.id] })).finals[0].durationMs).toBe(first + second);
  });
});

describe('sweeps as groups', () => {
  it('stores the sweep with its grid; lists it and gives each run’s values and final metrics', async () => {
    const ev = recordEvents(wb);
    const runs = await wb.api.createSweep({ base: tinyConfig(ds, { epochs: 1 }), grid: { learningRate: [0.001, 0.003], batchSize: [50, 100] }, tags: ['sw'] });
    expect(runs).toHaveLength(4);
    const sweepId = runs[0].sweep!.id;
    expect(runs.map((r) => r.sweep)).toEqual(runs.map(() => ({ id: sweepId, name: 'Sweep of learning rate × batch size' })));
    expect(ev.of('runChanged').filter((c) => c.change === 'created')).toHaveLength(4);
    for (const r of runs) await waitForStatus(wb, r.id, ['completed']);
    const [listed] = (await wb.api.listSweeps(undefined)).filter((s) => s.id === sweepId);
    expect(listed).toMatchObject({ name: 'Sweep of learning rate × batch size', runCount: 4, ended: 4, grid: [{ setting: 'learningRate', values: [0.001, 0.003] }, { setting: 'batchSize', values: [50, 100] }] });
    const detail = await wb.api.getSweep({ id: sweepId });
    expect(detail.runs.map((r) => r.values)).toEqual([[0.001, 50], [0.001, 100], [0.003, 50], [0.003, 100]]);
    for (const r of detail.runs) {
      expect(r.finals.runId).toBe(r.run.id);
      expect(r.finals.testAccuracy).toBe(r.run.testAccuracy);
      expect(r.finals.valAccuracy).toEqual(expect.any(Number));
    }
    expect(listed.bestTestAccuracy).toBe(Math.max(...detail.runs.map((r) => r.run.testAccuracy!)));
    expect((await wb.api.createSweep({ base: tinyConfig(ds, { epochs: 1 }), grid: { seed: [1] }, name: 'named' }))[0].sweep!.name).toBe('named');
  });
});

describe('archive instead of delete', () => {
  it('hides an archived run from listRuns unless asked, keeps everything, and brings it back', async () => {
    const ev = recordEvents(wb);
    const archived = await wb.api.setArchived({ id: done.id, archived: true });
    expect(archived.archivedAt).toEqual(expect.any(Number));
    expect(ev.of('runChanged')).toEqual([{ runId: done.id, change: 'updated' }]);
    expect((await wb.api.listRuns({ limit: 1000 })).rows.map((r) => r.id)).not.toContain(done.id);
    expect((await wb.api.listRuns({ archived: 'only' })).rows.map((r) => r.id)).toEqual([done.id]);
    expect((await wb.api.listRuns({ archived: 'include', limit: 1000 })).rows.map((r) => r.id)).toContain(done.id);
    expect((await wb.api.listCheckpoints({ runId: done.id })).length).toBe(3);
    expect((await cli('list', '--db', dbPath)).out).not.toMatch(/three epochs/);
    expect((await cli('list', '--db', dbPath, '--archived', 'only')).out).toMatch(/three epochs/);
    expect((await wb.api.setArchived({ id: done.id, archived: false })).archivedAt).toBeNull();
    expect((await wb.api.listRuns({ limit: 1000 })).rows.map((r) => r.id)).toContain(done.id);
  });

  it('refuses to archive a queued or running run', async () => {
    const run = await wb.api.createRun({ config: tinyConfig(ds, { epochs: 30 }) });
    await expect(wb.api.setArchived({ id: run.id, archived: true })).rejects.toThrow(/(queued|running); stop it before archiving it/);
    await wb.api.stopRun({ id: run.id });
    await wb.api.deleteRun({ id: run.id });
  });
});

describe('datasets with class names', () => {
  it('takes class names typed, or from the folder’s classes.txt, or numbers the classes', async () => {
    const typed = await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'typed'), 400, 100), name: 'Typed', classNames: NAMES.map((n) => ` ${n}`) });
    expect(typed.classNames).toEqual(NAMES);
    const fileDir = writeTinyDataset(join(tmp.dir, 'file'), 500, 100);
    writeFileSync(join(fileDir, 'classes.txt'), `\uFEFF${NAMES.join('\r\n')}\r\n\r\n`);
    const fromFile = await wb.api.importDataset({ folder: fileDir, name: 'From file' });
    expect(fromFile.classNames).toEqual(NAMES);
    const listed = await wb.api.listDatasets(undefined);
    expect(listed.find((d) => d.id === ds)!.classNames).toBeNull();
    expect(listed.find((d) => d.id === 'mnist')!.classNames).toBeNull();
    expect(listed.find((d) => d.id === fromFile.id)!.classNames).toEqual(NAMES);
  });
});
