// Issue 12, defect 3: the token must not leak to other servers on 127.0.0.1. Browsers do not
// isolate cookies by port, so a token kept in a cookie for 127.0.0.1:<host port> is sent to every
// other local server the browser visits, which can replay it. In real Chromium: open the URL the
// host prints, let the page work (API calls and the live event stream), then visit another local
// server and replay whatever the browser holds; and check that no request the page makes carries
// the token in its URL (the page's own address aside, which is how a user opens it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { startWebHost, type WebHost } from '../../src-main/web/host';
import { CHROMIUM } from '../e2e/support';
import { raw } from '../support/http';

let dir: string;
let wb: Workbench;
let host: WebHost;
let other: Server;
let otherPort: number;
let context: BrowserContext;
let page: Page;
/** Every Cookie header the other local server received. */
const cookiesSeen: string[] = [];
const pageRequests: { url: string; type: string }[] = [];

beforeAll(async () => {
  buildIfStale();
  dir = mkdtempSync(join(tmpdir(), 'wb-leak-'));
  wb = createWorkbench({ dbPath: join(dir, 'wb.sqlite'), autoStart: false });
  host = await startWebHost({ workbench: wb, rendererDir: join(ROOT, 'out', 'renderer'), port: 0 });
  // Any other program listening on 127.0.0.1 (a dev server, a notebook, a malicious page's helper).
  other = createServer((req, res) => {
    if (req.headers.cookie) cookiesSeen.push(req.headers.cookie);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>other</title><img src="/pixel.png">');
  });
  await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
  otherPort = (other.address() as AddressInfo).port;
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => pageRequests.push({ url: r.url(), type: r.resourceType() }));
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await new Promise<void>((ok) => (other ? other.close(() => ok()) : ok()));
  await host?.close();
  await wb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the token stays with the workbench host', () => {
  it('a page that used the workbench gives another local port nothing it can replay', async () => {
    const streamOpened = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/events', { timeout: 30_000 });
    const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/listRuns' && r.status() === 200, { timeout: 30_000 });
    expect((await page.goto(host.url))?.status()).toBe(200);
    await Promise.all([streamOpened, listed]);

    // The browser now visits another server on the same address, different port.
    await page.goto(`http://127.0.0.1:${otherPort}/`);
    await page.waitForLoadState('load');
    expect(cookiesSeen.filter((c) => c.includes(host.token))).toEqual([]);

    // Whatever cookies the browser keeps for 127.0.0.1 (what that server could have received),
    // replayed at the host, open nothing.
    const jar = (await context.cookies(`http://127.0.0.1:${host.port}/`)).map((c) => `${c.name}=${c.value}`).join('; ');
    for (const [method, path] of [
      ['POST', '/api/listRuns'],
      ['GET', '/api/events'],
    ] as const) {
      const r = await raw(host.port, method, path, { headers: jar ? { cookie: jar } : {}, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(r.status, `${method} ${path} with the browser's cookies`).toBe(401);
    }
    expect(jar).not.toContain(host.token);
  });

  it('no request but the page’s own address carries the token in its URL', () => {
    const withToken = pageRequests.filter((r) => r.url.includes(host.token) || r.url.includes(encodeURIComponent(host.token)));
    expect(withToken.map((r) => r.type)).toEqual(['document']);
    const events = pageRequests.filter((r) => r.url.includes('/api/events'));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(new URL(e.url).search, e.url).toBe('');
  });
});
