// The web host in a real browser: Debian's Chromium (playwright-core) opens the URL the host
// prints, the built renderer loads under the host's CSP, lists runs fetched through the API
// (src-renderer/src/api.ts's HTTP client), the token stays in the address bar, server-sent events
// reach an EventSource, and a page without the token or from another origin gets nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import { startWebHost, type WebHost } from '../../src-main/web/host';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let dir: string;
let wb: Workbench;
let host: WebHost;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  buildIfStale();
  dir = mkdtempSync(join(tmpdir(), 'wb-browser-'));
  wb = createWorkbench({ dbPath: join(dir, 'wb.sqlite'), concurrency: 1 });
  // Two tiny runs (they train briefly; the page lists whatever state the API reports).
  const tiny = { epochs: 1, trainSubset: 200, validationSize: 100, trainEvalSize: 100 };
  await wb.api.createRun({ config: { ...tiny, batchSize: 100 }, name: 'Browser run Alpha', tags: ['browser'] });
  await wb.api.createRun({ config: { ...tiny, optimizer: 'sgd' }, name: 'Browser run Beta' });
  host = await startWebHost({ workbench: wb, rendererDir: join(ROOT, 'out', 'renderer'), port: 0 });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await host?.close();
  await wb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the served renderer in Chromium', () => {
  it('opens the printed URL and lists the runs fetched through the API', async () => {
    const apiCalls: { url: string; token: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) apiCalls.push({ url: r.url(), token: r.headers()['x-workbench-token'] });
    });
    const res = await page.goto(host.url);
    expect(res?.status()).toBe(200);
    await page.getByText('Browser run Alpha').first().waitFor({ timeout: 30_000 });
    await page.getByText('Browser run Beta').first().waitFor({ timeout: 5_000 });
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', 'web-host-runs.png'), fullPage: true });
    // The token went into the header of every API POST, and stays in the address bar so the
    // address a user copies opens the same view.
    const posts = apiCalls.filter((c) => !c.url.includes('/api/events'));
    expect(posts.length).toBeGreaterThan(0);
    for (const c of posts) expect(c.token, c.url).toBe(host.token);
    expect(page.url()).toContain(`token=${host.token}`);
    expect(errors).toEqual([]);
  });

  it('delivers server-sent events to the page through its client (fetch with the token header)', async () => {
    // The page's own client subscribed when it opened (the runs view listens for changes); a
    // change made on the host shows up without a reload.
    const requests: { url: string; token: string | undefined }[] = [];
    page.on('request', (r) => requests.push({ url: r.url(), token: r.headers()['x-workbench-token'] }));
    await page.reload();
    await page.getByText('Browser run Alpha').first().waitFor({ timeout: 30_000 });
    await wb.api.renameRun({ id: 1, name: 'Renamed live' });
    await page.getByText('Renamed live').first().waitFor({ timeout: 10_000 });
    const streams = requests.filter((r) => new URL(r.url).pathname === '/api/events');
    expect(streams.length).toBeGreaterThan(0);
    for (const s of streams) {
      expect(s.url).toBe(`http://127.0.0.1:${host.port}/api/events`);
      expect(s.token).toBe(host.token);
    }
  });

  it('gives a page without the token, or another origin, nothing', async () => {
    await context.clearCookies();
    const stranger = await context.newPage();
    try {
      // The app's code loads (public), but every API call is refused: no run shows.
      const apiStatuses: number[] = [];
      stranger.on('response', (r) => {
        if (new URL(r.url()).pathname.startsWith('/api/')) apiStatuses.push(r.status());
      });
      const bare = await stranger.goto(`http://127.0.0.1:${host.port}/`);
      expect(bare?.status()).toBe(200);
      for (let i = 0; i < 100 && apiStatuses.length === 0; i++) await stranger.waitForTimeout(50);
      expect(apiStatuses.length).toBeGreaterThan(0);
      expect(apiStatuses.every((s) => s === 401)).toBe(true);
      expect(await stranger.getByText('Browser run Beta').count()).toBe(0);
      // Another local site (a second host on another port) tries to call the API with the token.
      const evilDir = mkdtempSync(join(tmpdir(), 'wb-evil-'));
      const evil = await startWebHost({ workbench: wb, rendererDir: join(ROOT, 'out', 'renderer'), port: 0 });
      try {
        await stranger.goto(evil.url);
        const status = await stranger.evaluate(
          async ({ port, token }) => {
            try {
              const r = await fetch(`http://127.0.0.1:${port}/api/listRuns`, { method: 'POST', headers: { 'x-workbench-token': token, 'content-type': 'application/json' }, body: '{}' });
              return `status ${r.status}`;
            } catch (e) {
              return `blocked: ${(e as Error).message}`;
            }
          },
          { port: host.port, token: host.token },
        );
        // CSP (connect-src 'self') or CORS blocks it in the browser; the host refuses it anyway (403 for the foreign Origin).
        expect(status).not.toBe('status 200');
      } finally {
        await evil.close();
        rmSync(evilDir, { recursive: true, force: true });
      }
    } finally {
      await stranger.close();
    }
  });
});
