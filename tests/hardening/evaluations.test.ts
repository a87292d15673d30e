// Evaluations go through the supervisor's thread budget: many asked at once run a few at a time
// (never more threads than the budget plus the one an evaluation may borrow), past a queue limit
// they are refused with a message, and the API keeps answering meanwhile.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from '../runs/helpers';

const tmp = tempDir('lenet-evals-');
let wb: Workbench;
let checkpointId = 0;
let runId = 0;

beforeAll(async () => {
  wb = createWorkbench({ dbPath: join(tmp.dir, 'wb.sqlite'), threads: 1, maxWaitingEvaluations: 6 });
  const d = await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny' });
  const run = await wb.api.createRun({ config: tinyConfig(d.id, { epochs: 1, init: 'he' }) });
  expect(await waitForStatus(wb, run.id, ['completed'])).toBe('completed');
  runId = run.id;
  checkpointId = (await wb.api.listCheckpoints({ runId })).at(-1)!.id;
  // The run's thread goes back to the budget once its worker has exited (just after 'completed').
  await wb.supervisor.settled(runId);
  expect(wb.supervisor.threadsInUse()).toBe(0);
});
afterAll(async () => {
  await wb?.close();
  tmp.cleanup();
});

describe('checkpoint evaluations under load', () => {
  it('twelve at once: at most budget + 1 threads, six wait, the rest are refused clearly, the API still answers within a second', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, wb.supervisor.threadsInUse())), 2);
    const latencies: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t0 = performance.now();
        await wb.api.getRun({ id: runId });
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => wb.api.evaluateCheckpoint({ checkpointId })));
    polling = false;
    await poll;
    clearInterval(sampler);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // One runs on the budget's thread, one borrows, six wait: eight are evaluated.
    expect(ok).toHaveLength(8);
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(String(r.reason)).toMatch(/6 evaluations are already waiting for a free thread; try again when they have finished/);
    expect(peak).toBeLessThanOrEqual(2);
    expect(wb.supervisor.threadsInUse()).toBe(0);
    const accuracies = new Set(ok.map((r) => (r as PromiseFulfilledResult<{ accuracy: number }>).value.accuracy));
    expect(accuracies.size).toBe(1); // the same checkpoint, the same answer
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    // The run's result stays its final checkpoint's (the first) evaluation.
    expect((await wb.api.listCheckpoints({ runId })).length).toBe(1);
  });
});
