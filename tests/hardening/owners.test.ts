// One owner per run, with real processes: a paused trainer that lost its run writes nothing
// when it wakes; a crashed trainer's run can be resumed at once; a trainer whose disk fills up
// says why and exits non-zero.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { openStore } from '../../src-main/store/index';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';
import { run as start } from '../support/child';

const tmp = tempDir('lenet-owners-');
let tiny = '';
beforeAll(() => {
  tiny = writeTinyDataset(join(tmp.dir, 'tiny'));
});
afterAll(() => tmp.cleanup());


async function sharedDatabase(name: string): Promise<{ dbPath: string; datasetsDir: string; dataset: string }> {
  const dbPath = join(tmp.dir, `${name}.sqlite`);
  const datasetsDir = join(tmp.dir, `${name}-datasets`);
  const wb = createWorkbench({ dbPath, datasetsDir, autoStart: false });
  const d = await wb.api.importDataset({ folder: tiny, name: 'Tiny' });
  await wb.close();
  return { dbPath, datasetsDir, dataset: d.id };
}

async function finalParams(wb: Workbench, runId: number): Promise<Buffer> {
  const cp = (await wb.api.listCheckpoints({ runId })).at(-1)!;
  const buf = decodeCheckpoint((await wb.api.exportCheckpoint({ id: cp.id })).bytes).buffers.get('params')!;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

describe('one owner per run, across processes', () => {
  it('a trainer paused until its lease ran out wakes to find the run resumed elsewhere: it writes nothing, and the resume finishes bit-identically', async () => {
    const { dbPath, datasetsDir, dataset } = await sharedDatabase('paused');
    const config = tinyConfig(dataset, { epochs: 6, seed: 17, init: 'he', batchSize: 25 });
    const first = start(process.execPath, ['--import', 'tsx', 'tests/hardening/fixtures/trainer.ts', dbPath, datasetsDir, '1000', '100', JSON.stringify(config)]);
    const runId = Number((await first.line(/^RUN (\d+)$/m))[1]);
    await first.line(/^EPOCH \d+ 1$/m);
    first.proc.kill('SIGSTOP');

    const second = createWorkbench({ dbPath, datasetsDir, staleAfterMs: 1000, heartbeatMs: 200 });
    try {
      // The paused process is alive, so only its lease's expiry frees the run.
      expect(await waitForStatus(second, runId, ['interrupted'], 10_000)).toBe('interrupted');
      expect((await second.api.getRun({ id: runId })).error).toMatch(/stopped sending heartbeats/);
      await second.api.resumeRun({ id: runId });
      expect(await waitForStatus(second, runId, ['running'], 10_000)).toBe('running');
      const before = (await second.api.getMetrics({ runIds: [runId] }))[0];
      first.proc.kill('SIGCONT');
      const end = await first.line(/^END \d+ (\S+) (.*)$/m);
      expect(end[1]).toBe('interrupted');
      expect(end[2]).toMatch(/stopped training run .*no longer trained by this process/);
      expect(await first.exited).toBe(0);
      expect(await waitForStatus(second, runId, ['completed', 'failed'])).toBe('completed');

      // Every iteration recorded exactly once, every epoch once; the same numbers as a run that
      // was never paused.
      const [m] = await second.api.getMetrics({ runIds: [runId] });
      expect(Array.from(m.iterations)).toEqual(Array.from({ length: 6 * 20 }, (_, i) => i + 1));
      expect(m.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(before.iterations.length).toBeLessThanOrEqual(m.iterations.length);
      const straight = await second.api.createRun({ config });
      expect(await waitForStatus(second, straight.id, ['completed', 'failed'])).toBe('completed');
      expect((await finalParams(second, runId)).equals(await finalParams(second, straight.id))).toBe(true);
      expect(second.store.integrityCheck()).toEqual(['ok']);
    } finally {
      first.proc.kill('SIGKILL');
      await second.close();
    }
  });

  it('a crashed trainer on this machine: its run can be resumed at once, without waiting for the lease', async () => {
    const { dbPath, datasetsDir, dataset } = await sharedDatabase('crashed');
    const config = tinyConfig(dataset, { epochs: 20, seed: 3 });
    // A long lease (60 s): only the "its pid is gone" check can free the run in time.
    const child = start(process.execPath, ['--import', 'tsx', 'tests/hardening/fixtures/trainer.ts', dbPath, datasetsDir, '60000', '100', JSON.stringify(config)]);
    const runId = Number((await child.line(/^RUN (\d+)$/m))[1]);
    await child.line(/^EPOCH \d+ 2$/m);
    child.proc.kill('SIGKILL');
    await child.exited;
    const peek = openStore(dbPath);
    expect(peek.getRun(runId).status).toBe('running');
    peek.close();

    const wb = createWorkbench({ dbPath, datasetsDir, autoStart: false });
    try {
      const row = await wb.api.getRun({ id: runId });
      expect(row.status).toBe('interrupted');
      expect(row.error).toMatch(/has exited/);
      expect((await wb.api.resumeRun({ id: runId })).status).toBe('queued');
      expect(await waitForStatus(wb, runId, ['completed', 'failed'])).toBe('completed');
    } finally {
      await wb.close();
    }
  });

  it('npm run train on a disk that fills up: says why, exits 1, keeps the epochs it recorded; the run is resumable', async () => {
    const dbPath = join(tmp.dir, 'full-cli.sqlite');
    // `ulimit -f` caps every file this trainer writes (about 3 MB): its database's log fills up
    // after a few epochs' checkpoints, as a full disk would (Node turns SIGXFSZ into EFBIG).
    const cmd = `ulimit -f 3000; exec "${process.execPath}" --import tsx src-main/cli/train.ts --preset quick --train-subset 1000 --epochs 12 --checkpoint-every 1 --batch-size 50 --db "${dbPath}"`;
    const child = start('bash', ['-c', cmd]);
    const code = await child.exited;
    expect(code, child.err()).toBe(1);
    expect(child.err()).toMatch(/training failed: Recording the run failed: Cannot write to the database .*I\/O error/);
    const wb = createWorkbench({ dbPath, autoStart: false });
    try {
      const [run] = (await wb.api.listRuns({})).rows;
      // 'failed' when that could still be written; 'interrupted' (its process is gone) when not.
      expect(['failed', 'interrupted']).toContain(run.status);
      expect(run.epochsDone).toBeGreaterThanOrEqual(1);
      expect(run.epochsDone).toBeLessThan(12);
      expect((await wb.api.listCheckpoints({ runId: run.id })).map((c) => c.epoch)).toEqual(Array.from({ length: run.epochsDone }, (_, i) => i + 1));
      expect(wb.store.integrityCheck()).toEqual(['ok']);
      expect((await wb.api.resumeRun({ id: run.id })).status).toBe('queued');
      await wb.api.stopRun({ id: run.id });
    } finally {
      await wb.close();
    }
  });
});
