// Issue 12, defect 4 (the web and API parts): bounded resources under load, against the web host
// over the real workbench on a temp database, on 127.0.0.1 only.
//   - queued runs: one request queues at most MAX_SWEEP_RUNS, and at most MAX_QUEUED_RUNS wait
//     in total (createRun, createSweep and resumeRun alike), refused with a message that says
//     what to do; the API still answers within 1 s with the queue full;
//   - event streams: past the cap a client is refused (503) at once, and an API call still
//     answers within 1 s while 2,000 clients try to connect.
// The probe that found the defects queued 3,000 runs in 1.4 s, and 2,000 event-stream clients
// stalled the API for 15–18 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SWEEP_RUNS } from '../../src-shared/contract';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { MAX_QUEUED_RUNS } from '../../src-main/api/runs';
import { startWebHost, type WebHost } from '../../src-main/web/host';
import { createHttpClient } from '../../src-renderer/src/api';
import type { WorkbenchClient } from '../../src-shared/wire';

const STREAM_CAP = 32;
const CLIENTS = 2000;
// Long enough that the one run the supervisor starts is still training while the test runs
// (the rest stay queued); small enough to stop at once when the workbench closes.
const CONFIG = { epochs: 50, trainSubset: 2000, validationSize: 100, trainEvalSize: 100, batchSize: 50 };

let dir: string;
let wb: Workbench;
let host: WebHost;
let http: WorkbenchClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-limits-'));
  wb = createWorkbench({ dbPath: join(dir, 'wb.sqlite'), concurrency: 1, threads: 1 });
  host = await startWebHost({ workbench: wb, rendererDir: dir, port: 0, maxEventStreams: STREAM_CAP });
  http = createHttpClient({ baseUrl: `http://127.0.0.1:${host.port}`, token: host.token });
});

afterAll(async () => {
  await host?.close();
  await wb?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Milliseconds an API call takes over HTTP. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await call();
  return { ms: performance.now() - t0, value };
}

const queuedNow = async () => (await http.listRuns({ status: 'queued', limit: 1 })).total;

describe('queued runs are capped per request and in total', () => {
  it('refuses a sweep of more than MAX_SWEEP_RUNS runs in one request', async () => {
    const values = Array.from({ length: MAX_SWEEP_RUNS + 1 }, (_, i) => i + 1);
    await expect(http.createSweep({ base: CONFIG, grid: { seed: values } })).rejects.toThrow(new RegExp(`at most ${MAX_SWEEP_RUNS}`));
    expect(await queuedNow()).toBe(0);
  });

  it('fills the queue to MAX_QUEUED_RUNS and no further, each call answering within 1 s', async () => {
    const sweeps = Math.floor(MAX_QUEUED_RUNS / MAX_SWEEP_RUNS);
    const times: number[] = [];
    for (let s = 0; s < sweeps; s++) {
      const seeds = Array.from({ length: MAX_SWEEP_RUNS }, (_, i) => s * MAX_SWEEP_RUNS + i + 1);
      const { ms, value } = await timed(() => http.createSweep({ base: CONFIG, grid: { seed: seeds }, name: `load ${s}` }));
      expect(value).toHaveLength(MAX_SWEEP_RUNS);
      times.push(ms);
    }
    // One run may have left the queue to train; top it up one run at a time until refused.
    let refusal = '';
    for (let i = 0; i < 5 && !refusal; i++) {
      await http.createRun({ config: CONFIG, name: `top-up ${i}` }).catch((e: Error) => (refusal = e.message));
    }
    expect(refusal).toMatch(new RegExp(`^${MAX_QUEUED_RUNS} runs are already waiting to start and at most ${MAX_QUEUED_RUNS} may wait at once, so this run was not queued\\. Stop or delete some queued runs, or wait for them to start\\.$`));
    expect(await queuedNow()).toBe(MAX_QUEUED_RUNS);
    const sweep = await http.createSweep({ base: CONFIG, grid: { seed: [1, 2] } }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(sweep).toMatch(/so these 2 runs were not queued/);
    expect(await queuedNow()).toBe(MAX_QUEUED_RUNS);

    // The API stays quick with the queue full.
    const list = await timed(() => http.listRuns({ limit: 100 }));
    const get = await timed(() => http.getRun({ id: 1 }));
    console.log(`queue cap: ${sweeps} sweeps of ${MAX_SWEEP_RUNS} took ${times.map((t) => t.toFixed(0)).join(', ')} ms; with ${MAX_QUEUED_RUNS} queued, listRuns ${list.ms.toFixed(0)} ms, getRun ${get.ms.toFixed(0)} ms`);
    for (const ms of [...times, list.ms, get.ms]) expect(ms).toBeLessThan(1000);
  }, 60_000);

  it('counts a resume too: a stopped run cannot jump a full queue', async () => {
    const queued = (await http.listRuns({ status: 'queued', limit: 2, sort: 'createdAt', order: 'desc' })).rows;
    const stopped = await http.stopRun({ id: queued[0].id });
    expect(stopped.status).toBe('stopped');
    await http.createRun({ config: CONFIG, name: 'takes the freed place' });
    expect(await queuedNow()).toBe(MAX_QUEUED_RUNS);
    await expect(http.resumeRun({ id: stopped.id })).rejects.toThrow(/already waiting to start .* so this run was not queued/);
    expect((await http.getRun({ id: stopped.id })).status).toBe('stopped');
  });
});

/** Opens one event-stream request; resolves with its status once the headers arrive (or 0 on a socket error). */
function openEvents(port: number, token: string, keep: { destroy(): void }[]): Promise<number> {
  return new Promise((ok) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events', agent: false, headers: { host: `127.0.0.1:${port}`, 'x-workbench-token': token } }, (res) => {
      if (res.statusCode === 200) keep.push(req);
      else req.destroy();
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', () => ok(0));
    req.end();
  });
}

describe('event streams are capped', () => {
  it(`refuses clients past the cap at once, and the API answers within 1 s while ${CLIENTS} try`, async () => {
    const open: { destroy(): void }[] = [];
    try {
      const t0 = performance.now();
      const statuses = Array.from({ length: CLIENTS }, () => openEvents(host.port, host.token, open));
      // API calls while the clients connect, and after.
      const during: number[] = [];
      for (let i = 0; i < 5; i++) during.push((await timed(() => http.listRuns({ limit: 50 }))).ms);
      const all = await Promise.all(statuses);
      const allAnsweredMs = performance.now() - t0;
      const after = (await timed(() => http.listRuns({ limit: 50 }))).ms;
      const count = (s: number) => all.filter((x) => x === s).length;
      console.log(
        `event-stream cap ${STREAM_CAP}: ${CLIENTS} clients answered in ${allAnsweredMs.toFixed(0)} ms (${count(200)} accepted, ${count(503)} refused, ${count(0)} socket errors); listRuns during ${during.map((t) => t.toFixed(0)).join(', ')} ms, after ${after.toFixed(0)} ms`,
      );
      expect(count(200)).toBe(STREAM_CAP);
      expect(count(503)).toBe(CLIENTS - STREAM_CAP);
      expect(allAnsweredMs).toBeLessThan(15_000);
      for (const ms of [...during, after]) expect(ms).toBeLessThan(1000);
      // The refusal says what to do.
      const refused = await fetch(`http://127.0.0.1:${host.port}/api/events`, { headers: { 'x-workbench-token': host.token } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(((await refused.json()) as { error: string }).error).toMatch(/^Too many event streams are open \(at most 32\)\. Close other workbench tabs or windows/);
    } finally {
      for (const r of open) r.destroy();
    }
    // Closed streams free their places.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const keep: { destroy(): void }[] = [];
      status = await openEvents(host.port, host.token, keep);
      for (const r of keep) r.destroy();
    }
    expect(status).toBe(200);
  }, 60_000);
});
