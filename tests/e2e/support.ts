// End-to-end harness: the built renderer served by the real web host over a real workbench on a
// temp database, driven in Debian's Chromium by playwright-core. One stack per test file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench';
import type { RunRow } from '../../src-shared/contract';
import { startWebHost, type WebHost } from '../../src-main/web/host';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Class names for a small IDX fixture (MNIST's first images, tests/runs/helpers' writeTinyDataset) that are not digits. */
export const SHAPE_NAMES = ['circle', 'stick', 'swan', 'hook', 'chair', 'snake', 'loop', 'hockey stick', 'glasses', 'balloon'];
export const SHOTS = resolve(ROOT, 'test-output');

export interface Stack {
  dir: string;
  wb: Workbench;
  host: WebHost;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Fills the database before the workbench opens it. */
  seed?: (dbPath: string) => void;
  /** Start queued runs (default true). */
  autoStart?: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  buildIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'wb-e2e-'));
  const dbPath = join(dir, 'wb.sqlite');
  opts.seed?.(dbPath);
  const wb = createWorkbench({ dbPath, concurrency: 1, autoStart: opts.autoStart ?? true });
  const host = await startWebHost({ workbench: wb, rendererDir: join(ROOT, 'out', 'renderer'), port: 0 });
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // E2E_API_DELAY_MS=N holds each API call (not the event stream) for a random 0–N ms: what a
  // loaded CI machine does now and then, every time, so a test that reads the page before the
  // data it shows has arrived fails here too (and calls overtake each other, as they can there).
  const delay = Number(process.env.E2E_API_DELAY_MS ?? 0);
  if (delay > 0) {
    await context.route((url) => url.pathname.startsWith('/api/') && url.pathname !== '/api/events', async (route) => {
      await new Promise((r) => setTimeout(r, Math.random() * delay));
      await route.continue();
    });
  }
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors?: string[] }).errors = errors;
  return {
    dir,
    wb,
    host,
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await host.close().catch(() => {});
      await wb.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Console errors and uncaught exceptions the page reported so far. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header would show mid-page
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** A screenshot of one element (a section of a page too tall to read as a whole). */
export async function shotOf(target: Locator, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // The sticky header would cover the element's top: out of the way while the picture is taken.
  const header = (on: boolean) => target.page().evaluate((sticky) => {
    const h = document.querySelector<HTMLElement>('header');
    if (h) h.style.position = sticky ? '' : 'static';
  }, on);
  await header(false);
  try {
    await target.screenshot({ path: join(SHOTS, `${name}.png`) });
  } finally {
    await header(true);
  }
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe-core's WCAG 2.0/2.1 A and AA violations on the page, and heading-order skips, as "rule: target (summary)" lines. */
export async function axeViolations(p: Page): Promise<string[]> {
  // evaluate() is not subject to the page's CSP (script-src 'self'), a script tag would be.
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE);
  return p.evaluate(async (tags) => {
    type Result = { violations: { id: string; nodes: { target: string[]; failureSummary?: string }[] }[] };
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<Result> } };
    const lines = (r: Result) => r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${(n.failureSummary ?? '').split('\n').slice(1, 2).join('').trim()})`));
    // WCAG 2.x A and AA, plus axe's heading-order check (a best practice, but the h1 → h3 skips).
    const wcag = await w.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    const headings = await w.axe.run(document, { runOnly: { type: 'rule', values: ['heading-order'] }, resultTypes: ['violations'] });
    return [...lines(wcag), ...lines(headings)];
  }, AXE_TAGS);
}

/** Polls fn until it returns something truthy (or throws after timeoutMs). */
export async function until<T>(what: string, fn: () => Promise<T | false | null | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for a run to complete (through the API) and returns its row. */
export function completedRun(wb: Workbench, id: number): Promise<RunRow> {
  return until(`run ${id} to complete`, async () => {
    const r = await wb.api.getRun({ id });
    return r.status === 'completed' ? r : false;
  });
}

/** The document and every scroll container the page marks (tables, cards) fit the window's width. */
export async function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>('main *')) {
      const cs = getComputedStyle(el);
      if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) out.push(`${el.className || el.tagName} ${el.scrollWidth} > ${el.clientWidth}`);
      if (el.classList.contains('panel') && el.getBoundingClientRect().right > doc.clientWidth + 1) out.push(`panel out of the window: ${el.textContent?.slice(0, 40)}`);
    }
    return out;
  });
}
