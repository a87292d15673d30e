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
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SWEEP_RUNS } from '../../src-shared/contract';
import { ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { MAX_QUEUED_RUNS } from '../../src-shared/limits';
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
  // Once per process the workbench hashes the MNIST files (a run records its dataset's identity):
  // done here, so the timings below are of calls, not of that first look at the dataset.
  await http.listDatasets();
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

/** The next line the child prints. */
function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += String(d);
      const i = text.indexOf('\n');
      if (i < 0) return;
      child.stdout?.off('data', onData);
      child.stdout?.unshift(Buffer.from(text.slice(i + 1)));
      ok(text.slice(0, i));
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the flood process exited (${code}) early`)));
  });
}

describe('event streams are capped', () => {
  it(`refuses clients past the cap at once, and the API answers within 1 s while ${CLIENTS} try`, async () => {
    // The crowd runs in a process of its own, as real clients would.
    const flood = spawn(process.execPath, [join(ROOT, 'tests/support/sse-flood.mjs'), String(host.port), host.token, String(CLIENTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      expect(await nextLine(flood)).toBe('go');
      let answered = false;
      const result = nextLine(flood).finally(() => (answered = true));
      // API calls all the while the clients connect (one after another), and after.
      const during: number[] = [];
      while (!answered) {
        during.push((await timed(() => http.listRuns({ limit: 50 }))).ms);
        await new Promise((r) => setTimeout(r, 20));
      }
      const counts = JSON.parse(await result) as { accepted: number; refused: number; errors: number; ms: number };
      const after = (await timed(() => http.listRuns({ limit: 50 }))).ms;
      console.log(
        `event-stream cap ${STREAM_CAP}: ${CLIENTS} clients answered in ${counts.ms} ms (${counts.accepted} accepted, ${counts.refused} refused, ${counts.errors} errors); ${during.length} listRuns calls meanwhile took at most ${Math.max(...during).toFixed(0)} ms (median ${[...during].sort((a, b) => a - b)[during.length >> 1].toFixed(0)} ms), one after ${after.toFixed(0)} ms`,
      );
      expect(counts).toMatchObject({ accepted: STREAM_CAP, refused: CLIENTS - STREAM_CAP, errors: 0 });
      expect(counts.ms).toBeLessThan(15_000);
      for (const ms of [...during, after]) expect(ms).toBeLessThan(1000);
      // The refusal says what to do, and closes its connection.
      const refused = await fetch(`http://127.0.0.1:${host.port}/api/events`, { headers: { 'x-workbench-token': host.token } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(refused.headers.get('connection')).toBe('close');
      expect(((await refused.json()) as { error: string }).error).toMatch(/^Too many event streams are open \(at most 32\)\. Close other workbench tabs or windows/);
    } finally {
      flood.stdin?.end();
      await new Promise((r) => (flood.exitCode === null ? flood.once('exit', r) : r(null)));
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
