// The web host over the real workbench on a temp database, through the renderer's HTTP client:
// every contract method round-trips (same answer as calling the API directly, typed arrays and
// all), bad input is refused with the parser's message, and run events arrive over SSE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { METHOD_NAMES, type MethodName, type RunRow, type WorkbenchApi } from '../../src-shared/contract';
import type { WorkbenchClient } from '../../src-shared/wire';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { startWebHost, type WebHost } from '../../src-main/web/host';
import { createHttpClient } from '../../src-renderer/src/api';
import { openStream } from '../support/http';
import { BAD_PARAMS } from '../support/sample-params';

let dir: string;
let wb: Workbench;
let host: WebHost;
let http: WorkbenchClient;
let done: RunRow;
let other: RunRow;

const TINY = { epochs: 1, trainSubset: 300, validationSize: 100, trainEvalSize: 100, batchSize: 50 };

async function until<T>(what: string, fn: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-host-real-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html>');
  wb = createWorkbench({ dbPath: join(dir, 'wb.sqlite'), concurrency: 1 });
  host = await startWebHost({ workbench: wb, rendererDir: join(dir, 'renderer'), port: 0 });
  http = createHttpClient({ baseUrl: `http://127.0.0.1:${host.port}`, token: host.token });
  // Over HTTP: create, and watch it complete on the event stream.
  const stream = openStream(host.port, '/api/events', { 'x-workbench-token': host.token });
  await stream.next(/: connected/);
  const created = await http.createRun({ config: TINY, name: 'tiny A' });
  expect(created.status).toBe('queued');
  await stream.next(new RegExp(`event: runStatus\\ndata: \\{"runId":${created.id},"status":"completed"`), 150_000);
  expect(stream.text).toMatch(new RegExp(`event: runEpoch\\ndata: \\{"runId":${created.id}`));
  stream.close();
  done = await http.getRun({ id: created.id });
  other = await http.createRun({ config: { ...TINY, batchSize: 100 }, name: 'tiny B' });
  await until('run B', async () => ((await wb.api.getRun({ id: other.id })).status === 'completed' ? true : false), 150_000);
}, 240_000);

afterAll(async () => {
  await host?.close();
  await wb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The value with each typed array replaced by its type and a hash of its bytes (fast to compare). */
function digest(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength}):${createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex')}`;
  if (Array.isArray(v)) return v.map(digest);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, digest(x)]));
  return v;
}

/**
 * For each method: params built from the runs above, and whether a direct call afterwards must
 * give the same answer (read-only methods) or the HTTP answer is checked on its own.
 */
type Case = { params: () => Promise<unknown> | unknown; readOnly: boolean; check?: (value: unknown) => void | Promise<void> };
const CASES: Record<MethodName, Case> = {
  listPresets: { params: () => undefined, readOnly: true },
  presetConfig: { params: () => ({ id: 'report-sgd' }), readOnly: true },
  listRuns: { params: () => ({ sort: 'name', order: 'asc' }), readOnly: true },
  getRun: { params: () => ({ id: done.id }), readOnly: true },
  getMetrics: { params: () => ({ runIds: [done.id, other.id] }), readOnly: true, check: (v) => expect(ArrayBuffer.isView((v as { losses: unknown }[])[0].losses)).toBe(true) },
  listCheckpoints: { params: () => ({ runId: done.id }), readOnly: true },
  getEvaluation: { params: () => ({ runId: done.id }), readOnly: true },
  listEvaluations: { params: () => ({ runId: done.id }), readOnly: true, check: (v) => expect((v as { isResult: boolean }[]).filter((e) => e.isResult)).toHaveLength(1) },
  listSweeps: { params: () => undefined, readOnly: true },
  listPredictions: { params: async () => ({ evaluationId: (await wb.api.getEvaluation({ runId: done.id })).id, correct: false, sort: 'confidence-desc', limit: 5 }), readOnly: true },
  getImages: { params: () => ({ dataset: 'mnist', split: 'test', indices: [0, 9999] }), readOnly: true, check: (v) => expect((v as { pixels: Uint8Array }).pixels).toHaveLength(2 * 28 * 28) },
  listDatasets: { params: () => undefined, readOnly: true },
  getQueueStatus: { params: () => undefined, readOnly: true, check: (v) => expect(v).toBeNull() },
  compareRuns: { params: () => ({ runIds: [done.id, other.id] }), readOnly: true },
  exportRun: { params: () => ({ id: done.id, format: 'csv' }), readOnly: true, check: (v) => expect((v as { bytes: Uint8Array }).bytes).toBeInstanceOf(Uint8Array) },
  exportCheckpoint: { params: async () => ({ id: (await wb.api.listCheckpoints({ runId: done.id }))[0].id }), readOnly: true },
  getHealth: { params: () => ({ runId: done.id }), readOnly: true, check: (v) => expect((v as { epochs: unknown[] }).epochs).toHaveLength(1) },
  getTimeline: { params: () => ({ runId: done.id, split: 'validation' }), readOnly: true, check: (v) => expect((v as { epochs: number[] }).epochs).toEqual([1]) },
  listTimelineImages: { params: () => ({ runId: done.id, split: 'validation', epoch: 1, limit: 5 }), readOnly: true, check: (v) => expect((v as { total: number }).total).toBe(100) },
  getImageHistory: { params: () => ({ runId: done.id, split: 'validation', index: 59_950 }), readOnly: true },
  getFlips: { params: () => ({ split: 'validation', before: { runId: done.id, epoch: 1 }, after: { runId: other.id, epoch: 1 } }), readOnly: true },
  traceImage: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id, image: { split: 'test', index: 7 } }), readOnly: true, check: (v) => expect((v as { layers: { c1: unknown } }).layers.c1).toBeInstanceOf(Float32Array) },
  explainUnit: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id, image: { pixels: new Uint8Array(784).fill(128) }, layer: 'c1', channel: 1, y: 3, x: 3 }), readOnly: true },
  topActivating: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id, layer: 'c3', unit: 4, k: 3 }), readOnly: true },
  predictImage: { params: async () => ({ checkpointIds: [(await wb.api.listCheckpoints({ runId: done.id }))[0].id, (await wb.api.listCheckpoints({ runId: other.id }))[0].id], image: { split: 'test', index: 1 } }), readOnly: true },
  saliency: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id, image: { split: 'test', index: 1 } }), readOnly: true, check: (v) => expect((v as { gradient: unknown }).gradient).toBeInstanceOf(Float32Array) },
  exportOnnx: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id }), readOnly: true, check: (v) => expect((v as { filename: string }).filename).toMatch(/\.onnx$/) },
  renameRun: { params: () => ({ id: done.id, name: 'tiny A renamed' }), readOnly: false, check: (v) => expect((v as RunRow).name).toBe('tiny A renamed') },
  setTags: { params: () => ({ id: done.id, tags: ['http', 'test'] }), readOnly: false, check: (v) => expect((v as RunRow).tags).toEqual(['http', 'test']) },
  setNotes: { params: () => ({ id: done.id, notes: 'through HTTP' }), readOnly: false, check: (v) => expect((v as RunRow).notes).toBe('through HTTP') },
  evaluateCheckpoint: { params: async () => ({ checkpointId: (await wb.api.listCheckpoints({ runId: done.id }))[0].id }), readOnly: false, check: (v) => expect((v as { accuracy: number }).accuracy).toBeGreaterThan(0) },
  createSweep: { params: () => ({ base: { ...TINY, epochs: 1 }, grid: { batchSize: [25, 75] }, name: 'sweep' }), readOnly: false, check: (v) => expect(v as RunRow[]).toHaveLength(2) },
  getSweep: {
    params: async () => ({ id: (await wb.api.listSweeps(undefined))[0].id }),
    readOnly: false,
    check: (v) => expect(v).toMatchObject({ name: 'sweep', grid: [{ setting: 'batchSize', values: [25, 75] }], runCount: 2 }),
  },
  setArchived: { params: () => ({ id: done.id, archived: true }), readOnly: false, check: (v) => expect((v as RunRow).archivedAt).toEqual(expect.any(Number)) },
  stopRun: {
    params: async () => ({ id: (await wb.api.listRuns({ text: 'sweep', status: ['queued', 'running'] })).rows[0]?.id ?? other.id }),
    readOnly: false,
    check: (v) => expect(['stopped', 'completed']).toContain((v as RunRow).status),
  },
  resumeRun: {
    params: async () => ({ id: (await wb.api.listRuns({ status: 'stopped' })).rows[0]?.id ?? other.id }),
    readOnly: false,
    check: (v) => expect(['queued', 'running', 'completed']).toContain((v as RunRow).status),
  },
  createRun: { params: () => ({ config: TINY, name: 'to delete', tags: ['x'] }), readOnly: false, check: (v) => expect((v as RunRow).status).toBe('queued') },
  deleteRun: {
    params: async () => {
      const id = (await wb.api.listRuns({ text: 'to delete' })).rows[0].id;
      await until('it to finish', async () => !['queued', 'running'].includes((await wb.api.getRun({ id })).status));
      return { id };
    },
    readOnly: false,
    check: (v) => expect(v).toEqual({ deleted: expect.any(Number) }),
  },
  importDataset: { params: () => ({ folder: join(dir, 'no-such-folder'), name: 'missing' }), readOnly: false },
};

describe('web host over the real API', () => {
  it('round-trips every contract method', async () => {
    const order = METHOD_NAMES.filter((n) => CASES[n].readOnly).concat(['renameRun', 'setTags', 'setNotes', 'evaluateCheckpoint', 'createSweep', 'getSweep', 'stopRun', 'resumeRun', 'createRun', 'deleteRun', 'setArchived', 'importDataset']);
    expect(new Set(order)).toEqual(new Set(METHOD_NAMES));
    for (const name of order) {
      const c = CASES[name];
      const params = await c.params();
      const viaHttp = (http[name] as (p: unknown) => Promise<unknown>)(params);
      if (name === 'importDataset') {
        // Fails on the host (no such folder): the same message arrives over HTTP.
        const direct = await (wb.api[name] as (p: unknown) => Promise<unknown>)(params).then(() => 'no error', (e: Error) => e.message);
        await expect(viaHttp, name).rejects.toThrow(direct);
        continue;
      }
      const value = await viaHttp;
      if (c.readOnly) {
        const direct = await (wb.api[name] as (p: unknown) => Promise<unknown>)(params);
        expect(digest(value), name).toEqual(digest(direct));
      }
      await c.check?.(value);
    }
  }, 120_000);

  it('refuses bad params for every method with the parser message, changing nothing', async () => {
    const before = await wb.api.listRuns({ limit: 1000 });
    for (const name of METHOD_NAMES) {
      const [params, message] = BAD_PARAMS[name];
      await expect((http[name] as (p: unknown) => Promise<unknown>)(params), name).rejects.toThrow(message);
    }
    const after = await wb.api.listRuns({ limit: 1000 });
    expect(after.total).toBe(before.total);
    expect(after.rows.map((r) => [r.id, r.name, r.notes, r.tags])).toEqual(before.rows.map((r) => [r.id, r.name, r.notes, r.tags]));
  });

  it('answers an unknown id with the API’s message', async () => {
    await expect(http.getRun({ id: 987654 })).rejects.toThrow(/987654/);
  });
});

// Keep the WorkbenchApi import meaningful for readers: the HTTP client is typed as the API.
export type _HttpIsApi = WorkbenchClient extends WorkbenchApi ? true : never;
