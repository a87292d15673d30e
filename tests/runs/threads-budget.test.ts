// A run's threads: asked for in its config (0 = as many as the budget gives), recorded in where
// it trained, and never part of its numbers.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src-shared/engine/checkpoint';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from './helpers';

const tmp = tempDir('lenet-threads-');
afterAll(() => tmp.cleanup());

async function params(wb: Workbench, runId: number): Promise<Buffer> {
  const cp = (await wb.api.listCheckpoints({ runId })).at(-1)!;
  const buf = decodeCheckpoint((await wb.api.exportCheckpoint({ id: cp.id })).bytes).buffers.get('params')!;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

describe('threads per run', () => {
  it('a run gets the budget or what it asks for, records it, and computes the same numbers either way', async () => {
    const wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), threads: 2 });
    try {
      const d = await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny' });
      const config = tinyConfig(d.id, { epochs: 2, init: 'he', seed: 8, sampling: 'shuffle' });
      const all = await wb.api.createRun({ config });
      expect(await waitForStatus(wb, all.id, ['completed', 'failed'])).toBe('completed');
      const one = await wb.api.createRun({ config: { ...config, threads: 1 } });
      expect(await waitForStatus(wb, one.id, ['completed', 'failed'])).toBe('completed');
      expect(wb.store.getRun(all.id).trainedOn).toBe('this machine, 2 threads');
      expect(wb.store.getRun(one.id).trainedOn).toBe('this machine, 1 thread');
      // The API's row says it too (the run's Config tab and `npm run runs -- show` print it).
      expect((await wb.api.getRun({ id: all.id })).trainedOn).toBe('this machine, 2 threads');
      expect((await params(wb, all.id)).equals(await params(wb, one.id))).toBe(true);
      const cmp = await wb.api.compareRuns({ runIds: [all.id, one.id] });
      expect(cmp.configDiff).toEqual([{ key: 'threads', values: [0, 1] }]);
    } finally {
      await wb.close();
    }
  });
});
