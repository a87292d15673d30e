// The web host's transport and guards, against a generic fake of the contract (fast, no SQLite):
// token (header only: no cookie, no query), Host header, Origin, bad JSON, invalid UTF-8,
// unknown method, oversized body, path traversal, SSE (fetch-read, with the header), and
// every method round-tripping through the renderer's HTTP client. The same host over the real
// API on a temp database is in host-real.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { contract, METHOD_NAMES, type MethodName } from '../../src-shared/contract';
import { fromWireJson } from '../../src-shared/wire';
import { startWebHost, type WebHost } from '../../src-main/web/host';
import { RENDERER_CSP } from '../../src-main/web/csp';
import { createHttpClient } from '../../src-renderer/src/api';
import { fakeWorkbench, type FakeWorkbench } from '../support/fake-workbench';
import { raw, openStream } from '../support/http';
import { BAD_PARAMS, SAMPLE_PARAMS } from '../support/sample-params';

let dir: string;
let host: WebHost;
let wb: FakeWorkbench;
const TOKEN = 'test-token-0123456789';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-host-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(join(dir, 'renderer-secret'));
  writeFileSync(join(dir, 'renderer-secret', 'key.txt'), 'SECRET');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'link.txt'));
  wb = fakeWorkbench();
  host = await startWebHost({ workbench: wb, rendererDir: renderer, port: 0, token: TOKEN, maxBodyBytes: 64 * 1024 });
});

afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ 'x-workbench-token': TOKEN });

describe('web host guards', () => {
  it('prints a loopback URL with the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${TOKEN}`);
    expect(host.token).toBe(TOKEN);
  });

  it('refuses API calls and event streams without the right token header (401), and changes nothing', async () => {
    const before = wb.calls.length;
    expect((await raw(host.port, 'POST', '/api/listRuns', { body: '{}' })).status).toBe(401);
    expect((await raw(host.port, 'POST', '/api/listRuns', { body: '{}', headers: { 'x-workbench-token': 'wrong' } })).status).toBe(401);
    expect((await raw(host.port, 'POST', '/api/listRuns?token=wrong', { body: '{}' })).status).toBe(401);
    expect((await raw(host.port, 'GET', '/api/events')).status).toBe(401);
    const r = await raw(host.port, 'POST', '/api/listPresets');
    expect(JSON.parse(r.body).error).toMatch(/token/);
    expect(wb.calls.length).toBe(before);
  });

  it('accepts the token only in the header: never from a cookie or the query, and sets no cookie', async () => {
    const before = wb.calls.length;
    const page = await raw(host.port, 'GET', `/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    // A replayed cookie of the old scheme, or the token in the URL, opens nothing.
    for (const cookie of [`wb_token_${host.port}=${TOKEN}`, `wb_token=${TOKEN}`]) {
      expect((await raw(host.port, 'POST', '/api/listPresets', { headers: { cookie } })).status, cookie).toBe(401);
      expect((await raw(host.port, 'GET', '/api/events', { headers: { cookie } })).status, cookie).toBe(401);
    }
    expect((await raw(host.port, 'POST', `/api/listPresets?token=${TOKEN}`)).status).toBe(401);
    expect((await raw(host.port, 'GET', `/api/events?token=${TOKEN}`)).status).toBe(401);
    expect(wb.calls.length).toBe(before);
    expect((await raw(host.port, 'POST', '/api/listPresets', { headers: auth() })).status).toBe(200);
  });

  it('serves the built renderer (public code, no data) without a token, the page under the CSP header', async () => {
    const page = await raw(host.port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(page.headers['content-security-policy']).toMatch(/object-src 'none'; base-uri 'none'; form-action 'none'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const asset = await raw(host.port, 'GET', '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
    expect(asset.body).toBe('console.log(1)');
  });

  it('answers a request body that is not valid UTF-8 with 400, calling nothing', async () => {
    const before = wb.calls.length;
    const bodies = [
      Buffer.concat([Buffer.from('{"id":1,"name":"a'), Buffer.from([0xff]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"id":1,"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // an encoded lone surrogate
      Buffer.concat([Buffer.from('{"id":1,"name":"'), Buffer.from([0xc3]), Buffer.from('"}')]), // truncated sequence
      Buffer.concat([Buffer.from('{"id":1,"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), // overlong
    ];
    for (const body of bodies) {
      const r = await raw(host.port, 'POST', '/api/renameRun', { headers: auth(), body });
      expect(r.status, body.toString('hex')).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'Request body is not valid UTF-8.' });
    }
    expect(wb.calls.length).toBe(before);
    const ok = await raw(host.port, 'POST', '/api/renameRun', { headers: auth(), body: Buffer.from('{"id":1,"name":"Ünïcødé 😀"}') });
    expect(ok.status).toBe(200);
    expect((fromWireJson(ok.body) as { value: { params: { name: string } } }).value.params.name).toBe('Ünïcødé 😀');
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin with 403', async () => {
    for (const h of ['evil.example:' + host.port, `127.0.0.1:${host.port + 1}`, 'localhost', `127.0.0.1.evil.example:${host.port}`]) {
      const r = await raw(host.port, 'POST', '/api/listPresets', { headers: { ...auth(), host: h } });
      expect(r.status, h).toBe(403);
    }
    expect((await raw(host.port, 'POST', '/api/listPresets', { headers: { ...auth(), host: `localhost:${host.port}` } })).status).toBe(200);
    // No Host header at all (HTTP/1.0 over a bare socket).
    const bare = await new Promise<string>((ok) => {
      const sock = connect(host.port, '127.0.0.1', () => sock.end(`POST /api/listPresets HTTP/1.0\r\nx-workbench-token: ${TOKEN}\r\ncontent-length: 0\r\n\r\n`));
      let text = '';
      sock.on('data', (d) => (text += String(d)));
      sock.on('close', () => ok(text));
    });
    expect(bare).toMatch(/^HTTP\/1\.1 403/);
    for (const o of ['http://evil.example', `http://evil.example:${host.port}`, `https://127.0.0.1:${host.port}`, 'null']) {
      const r = await raw(host.port, 'POST', '/api/listPresets', { headers: { ...auth(), origin: o } });
      expect(r.status, o).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(/Origin/);
    }
    expect((await raw(host.port, 'POST', '/api/listPresets', { headers: { ...auth(), origin: `http://127.0.0.1:${host.port}` } })).status).toBe(200);
  });

  it('answers bad JSON with 400, an unknown method with 404, GET on a method with 405', async () => {
    const before = wb.calls.length;
    const bad = await raw(host.port, 'POST', '/api/listRuns', { headers: auth(), body: '{"limit":' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ ok: false, error: expect.stringMatching(/^Bad JSON body/) });
    const badTag = await raw(host.port, 'POST', '/api/listRuns', { headers: auth(), body: '{"x":{"$f32":"AAA="}}' });
    expect(badTag.status).toBe(400);
    for (const name of ['nope', 'toString', '__proto__', 'constructor', '']) {
      const r = await raw(host.port, 'POST', `/api/${name}`, { headers: auth(), body: '{}' });
      expect(r.status, name).toBe(404);
    }
    expect((await raw(host.port, 'GET', '/api/listRuns', { headers: auth() })).status).toBe(405);
    expect(wb.calls.length).toBe(before);
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(70 * 1024) });
    const r = await raw(host.port, 'POST', '/api/listRuns', { headers: auth(), body: big });
    expect(r.status).toBe(413);
    // Chunked, no Content-Length: counted while reading.
    const chunked = await raw(host.port, 'POST', '/api/listRuns', { headers: { ...auth(), 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);
  });

  it('serves no file outside the renderer folder', async () => {
    const paths = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/../renderer-secret/key.txt',
      '/link.txt',
      '//etc/passwd',
      '/%00index.html',
      '/%E0%A4%A',
      '/assets',
      '/nope.html',
    ];
    for (const p of paths) {
      const r = await raw(host.port, 'GET', p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('SECRET');
    }
    const ok = await raw(host.port, 'GET', '/index.html');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<title>t</title>');
  });
});

describe('web host API', () => {
  const client = () => createHttpClient({ baseUrl: `http://127.0.0.1:${host.port}`, token: TOKEN });

  it('round-trips every contract method through the renderer HTTP client', async () => {
    const c = client();
    for (const name of METHOD_NAMES) {
      const params = SAMPLE_PARAMS[name];
      const fn = c[name] as (p: unknown) => Promise<unknown>;
      const got = (await fn(params)) as { method: string; params: unknown; bytes: Uint8Array; loss: number };
      expect(got.method).toBe(name);
      // The host hands the API what the contract's parser made of the params.
      const parsed = (contract[name].parse as (x: unknown) => unknown)(params);
      expect(got.params).toEqual(parsed ?? null);
      expect(got.bytes).toEqual(new Uint8Array([0, 1, 254, 255]));
      expect(got.loss).toBeNaN();
    }
    expect(wb.calls.map((c) => c.name)).toEqual(expect.arrayContaining([...METHOD_NAMES]));
  });

  it('refuses bad params for every method with the parser message, calling nothing', async () => {
    const c = client();
    const before = wb.calls.length;
    for (const name of METHOD_NAMES) {
      const [params, message] = BAD_PARAMS[name as MethodName];
      await expect((c[name] as (p: unknown) => Promise<unknown>)(params), name).rejects.toThrow(message);
    }
    expect(wb.calls.length).toBe(before);
  });

  it('reports an unreachable host clearly', async () => {
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN });
    await expect(c.listPresets()).rejects.toThrow(/Cannot reach the workbench host/);
  });

  it('delivers events over SSE, encoded, and unsubscribes when the client goes', async () => {
    const base = wb.listenerCount();
    const s = openStream(host.port, '/api/events', auth());
    await s.next(/: connected/);
    expect(s.status).toBe(200);
    expect(wb.listenerCount()).toBeGreaterThan(base);
    wb.emit('runProgress', { runId: 7, epoch: 1, epochs: 2, iteration: 3, iterationInEpoch: 3, itersPerEpoch: 10, loss: NaN, learningRate: 0.001, imagesPerSecond: 5, etaSeconds: null });
    wb.emit('runStatus', { runId: 7, status: 'running', error: null });
    const m = await s.next(/event: runStatus\ndata: (.*)\n\n/);
    expect(JSON.parse(m[1])).toEqual({ runId: 7, status: 'running', error: null });
    const p = await s.next(/event: runProgress\ndata: (.*)\n\n/);
    expect((fromWireJson(p[1]) as { loss: number }).loss).toBeNaN();
    s.close();
    for (let i = 0; i < 50 && wb.listenerCount() > base; i++) await new Promise((r) => setTimeout(r, 20));
    expect(wb.listenerCount()).toBe(base);
  });

  it('feeds the HTTP client on(event) from a fetch-read stream that sends the token header', async () => {
    const seen: { url: string; token: string | null }[] = [];
    const recording = ((url: string, init: RequestInit) => {
      seen.push({ url, token: new Headers(init.headers).get('x-workbench-token') });
      return fetch(url, init);
    }) as typeof fetch;
    const c = createHttpClient({ baseUrl: `http://127.0.0.1:${host.port}`, token: TOKEN, fetch: recording });
    const base = wb.listenerCount();
    const got: unknown[] = [];
    const off = c.on('runChanged', (p) => got.push(p));
    expect(() => c.on('nope' as 'runChanged', () => {})).toThrow(/Unknown event/);
    for (let i = 0; i < 100 && wb.listenerCount() === base; i++) await new Promise((r) => setTimeout(r, 20));
    expect(wb.listenerCount()).toBeGreaterThan(base);
    wb.emit('runChanged', { runId: 3, change: 'created' });
    wb.emit('runProgress', { runId: 3, epoch: 1, epochs: 2, iteration: 3, iterationInEpoch: 3, itersPerEpoch: 10, loss: NaN, learningRate: 0.001, imagesPerSecond: 5, etaSeconds: null });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([{ runId: 3, change: 'created' }]);
    // The stream's URL holds no credential; the header does.
    expect(seen).toEqual([{ url: `http://127.0.0.1:${host.port}/api/events`, token: TOKEN }]);
    off();
    for (let i = 0; i < 100 && wb.listenerCount() > base; i++) await new Promise((r) => setTimeout(r, 20));
    expect(wb.listenerCount()).toBe(base);
  });

  it('reconnects a dropped event stream and reports a refused one with the host’s message', async () => {
    const errors: string[] = [];
    const bad = createHttpClient({ baseUrl: `http://127.0.0.1:${host.port}`, token: 'wrong', reconnectMs: 20, onEventError: (e) => errors.push((e as Error).message) });
    const off = bad.on('runChanged', () => {});
    for (let i = 0; i < 100 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    off();
    expect(errors.length).toBeGreaterThanOrEqual(2); // it tried again
    expect(errors[0]).toMatch(/^Live updates are off: Missing or wrong token/);
  });
});
