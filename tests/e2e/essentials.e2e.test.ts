// What W&B and TensorBoard users expect, end to end in Chromium (issue 10): no sideways scrolling at
// 1024 px, the runs table's column chooser, tag filter, URL state and bulk compare, Clone and edit,
// chart zoom and x-axis choice, a sweep that asks first, the ticking elapsed time, mid-epoch
// checkpoint labels, gallery captions, the shortcut help, export names and a token-carrying URL.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import type { RunRow } from '../../src-shared/contract';
import { completedRun, CHROMIUM, pageErrors, shot, sidewaysOverflow, startStack, until, type Stack } from './support';

let s: Stack;
let page: Page;
let base: string;
let a: RunRow;
let b: RunRow;
const tiny = { epochs: 2, trainSubset: 600, batchSize: 50, init: 'he' as const, checkpointEvery: 1 };

const completed = (id: number): Promise<RunRow> => completedRun(s.wb, id);

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\?.*$/, '');
  a = await s.wb.api.createRun({ config: { ...tiny, seed: 7 }, name: 'Alpha seed 7', tags: ['base', 'e2e'] });
  b = await s.wb.api.createRun({ config: { ...tiny, batchSize: 100, seed: 8 }, name: 'Beta batch 100', tags: ['e2e'] });
  a = await completed(a.id);
  b = await completed(b.id);
  await page.goto(s.host.url);
  await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('essentials in Chromium', () => {
  it('no view scrolls sideways at 1024 or 1280 px (the runs table and the Config tab used to)', async () => {
    onTestFinished(() => page.setViewportSize({ width: 1400, height: 900 }));
    for (const width of [1024, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const views: [string, string][] = [
        ['runs', `${base}#/runs`],
        ['new', `${base}#/new`],
        ['training', `${base}#/runs/${a.id}?tab=training`],
        ['test', `${base}#/runs/${a.id}?tab=test`],
        ['config', `${base}#/runs/${a.id}?tab=config`],
        ['compare', `${base}#/compare?ids=${a.id},${b.id}`],
      ];
      for (const [name, url] of views) {
        await page.goto(url);
        await page.locator('main h1').first().waitFor();
        await page.waitForTimeout(400);
        if (name === 'runs' && width === 1024) await shot(page, 'e-runs-1024');
        if (name === 'config' && width === 1024) await shot(page, 'e-config-1024');
        expect(await sidewaysOverflow(page), `${name} at ${width}px`).toEqual([]);
      }
    }
  }, 90_000);

  it('chooses columns (a setting and a final metric), remembered after a reload', async () => {
    await page.goto(`${base}#/runs`);
    await page.getByText('Columns (').click();
    await page.locator('[data-column="config.seed"]').check();
    await page.locator('[data-column="final.valLoss"]').check();
    await page.locator('[data-column="config.optimizer"]').uncheck();
    const seed = page.locator(`tr[data-run-id="${a.id}"] td[data-col="config.seed"]`);
    expect(await seed.textContent()).toBe('7');
    const last = (await s.wb.api.getMetrics({ runIds: [a.id] }))[0].epochs.at(-1)!;
    await until('the final val loss cell', async () => (await page.locator(`tr[data-run-id="${a.id}"] td[data-col="final.valLoss"]`).textContent()) === last.valLoss!.toPrecision(4));
    await shot(page, 'e-runs-columns');
    await page.reload();
    await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
    expect(await page.locator('th[data-col="config.seed"]').count()).toBe(1);
    expect(await page.locator('th[data-col="config.optimizer"]').count()).toBe(0);
  });

  it('filters by a clicked tag, keeps filters and sort in the URL, and compares a bulk selection', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
    await page.locator(`tr[data-run-id="${a.id}"]`).getByRole('button', { name: 'Filter by tag base' }).click();
    await page.waitForURL(/tag=base/);
    await until('only the tagged run', async () => (await page.locator('tr[data-run-id]').count()) === 1);
    await page.getByRole('button', { name: /^Test/ }).click();
    await page.waitForURL(/sort=testAccuracy/);
    const url = page.url();
    await page.goto(`${base}#/new`);
    // Let the New run page arrive first (a lazy chunk): a hash change while a navigation is still
    // loading its view can be undone by the router, which is not what this test is about.
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    await page.goto(url); // a bookmarked or shared address opens the same filtered, sorted table
    await page.waitForURL(/#\/runs\?/);
    await until('the filtered table again', async () => (await page.locator('tr[data-run-id]').count()) === 1);
    expect(await page.inputValue('[data-tag-filter]')).toBe('base');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await until('both runs', async () => (await page.locator('tr[data-run-id]').count()) === 2);
    await page.locator('[data-select-page]').check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await page.waitForURL(/#\/compare\?ids=/);
    await page.getByText('Difference A − B').waitFor();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('button', { name: 'Clear selection' }).click();
    expect(await page.locator('tr.sel').count()).toBe(0);
  });

  it('clones a run into the New run form and launches the edited copy', async () => {
    await page.goto(`${base}#/runs/${b.id}`);
    await page.getByRole('link', { name: 'Clone and edit' }).click();
    await page.waitForURL(/#\/new\?from=/);
    await page.locator('[data-cloned-from]').waitFor();
    expect(await page.inputValue('#f-batchSize')).toBe('100');
    expect(await page.inputValue('#f-seed')).toBe('8');
    expect(await page.inputValue('input[placeholder^="optional"]')).toBe('Beta batch 100 (copy)');
    await page.fill('#f-seed', '9');
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.waitForURL(/#\/runs\/\d+/);
    const id = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    const copy = await s.wb.api.getRun({ id });
    expect({ ...copy.config, seed: 8 }).toEqual(b.config);
    expect(copy.config.seed).toBe(9);
    await completed(id);
  }, 90_000);

  it('zooms a chart by dragging, resets with a double-click, and changes the x axis', async () => {
    await page.goto(`${base}#/runs/${a.id}`);
    const fig = page.locator('figure.chart', { has: page.getByRole('heading', { name: 'Training loss per iteration' }) });
    const canvas = fig.locator('canvas');
    await canvas.waitFor();
    await page.waitForTimeout(300);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await until('the zoomed chart', async () => (await fig.getAttribute('data-zoomed')) === 'true');
    await shot(page, 'e-chart-zoomed');
    await canvas.dblclick({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
    await until('the reset zoom', async () => (await fig.getAttribute('data-zoomed')) === null);
    // Hovering one chart draws the hover line in the others of the view.
    const other = page.locator('figure.chart', { has: page.getByRole('heading', { name: 'Accuracy per epoch' }) }).locator('canvas');
    await page.mouse.move(0, 0);
    await page.waitForTimeout(100);
    const before = await other.screenshot();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
    await page.waitForTimeout(200);
    expect(Buffer.compare(await other.screenshot(), before)).not.toBe(0);
    await shot(page, 'e-chart-hover');
    await page.mouse.move(0, 0);
    await page.waitForTimeout(100);
    expect(Buffer.compare(await other.screenshot(), before)).toBe(0);
    for (const axis of ['epoch', 'time', 'iteration']) {
      await page.selectOption('[data-x-axis]', axis);
      await page.waitForTimeout(200);
      expect(await page.locator('[data-chart-empty]').count(), axis).toBe(0);
    }
    await page.selectOption('[data-x-axis]', 'epoch');
    await shot(page, 'e-charts-epoch-axis');
  });

  it('asks before launching a sweep, and launches it only when confirmed', async () => {
    const before = (await s.wb.api.listRuns({})).total;
    await page.goto(`${base}#/new`);
    await page.locator('#f-epochs').waitFor();
    for (const [k, v] of Object.entries({ epochs: '1', trainSubset: '200', batchSize: '50' })) await page.fill(`#f-${k}`, v);
    await page.getByLabel('Values for Batch size').fill('50, 100');
    await page.getByRole('button', { name: 'Launch 2 runs…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toMatch(/This queues 2 runs with 2 epochs in all \(400 training images\)/);
    await shot(page, 'e-sweep-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await s.wb.api.listRuns({})).total).toBe(before);
    await page.getByRole('button', { name: 'Launch 2 runs…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Queue 2 runs' }).click();
    await page.waitForURL(/#\/sweeps\/\d+/); // the sweep is a group: its view lists its runs
    await page.locator('[data-sweep-table] tbody tr').nth(1).waitFor();
    expect((await s.wb.api.listRuns({})).total).toBe(before + 2);
    const { rows } = await s.wb.api.listRuns({ limit: 2 });
    for (const r of rows) await completed(r.id);
  }, 90_000);

  it('ticks the elapsed time while a run trains and labels a mid-epoch checkpoint as such', async () => {
    // Long enough (40 epochs) to still be training after the elapsed-time check on any machine.
    const run = await s.wb.api.createRun({ config: { epochs: 40, trainSubset: 6000, batchSize: 50, init: 'he', checkpointEvery: 1 }, name: 'long one' });
    await page.goto(`${base}#/runs/${run.id}`);
    await until('training in epoch 2', async () => {
      const r = await s.wb.api.getRun({ id: run.id });
      if (r.status === 'completed') throw new Error('The run completed too soon.');
      return r.iteration > 125 ? r : false;
    });
    const elapsed = page.locator('[data-elapsed]');
    const t0 = await elapsed.textContent();
    await page.waitForTimeout(2200);
    const t1 = await elapsed.textContent();
    expect(t1).not.toBe(t0);
    // Stop in the middle of an epoch (the worker stops after the batch in hand), then look at the label.
    const stopped = new Promise<void>((resolve) => {
      const off = s.wb.events.on('runProgress', (p) => {
        if (p.runId !== run.id || p.iterationInEpoch < 10 || p.iterationInEpoch > 100) return;
        off();
        void s.wb.api.stopRun({ id: run.id }).then(() => resolve());
      });
    });
    await stopped;
    await page.locator('.detail > .head [data-status="stopped"]').waitFor({ timeout: 30_000 });
    const cps = await s.wb.api.listCheckpoints({ runId: run.id });
    const mid = cps.find((c) => c.iteration % 120 !== 0)!;
    expect(mid).toBeDefined();
    await page.getByRole('tab', { name: 'Config & checkpoints' }).click();
    const label = await page.locator(`[data-checkpoint-id="${mid.id}"] [data-checkpoint-place]`).textContent();
    expect(await page.locator('[data-trained-on]').textContent()).toMatch(/^this machine, \d threads?$/);
    expect(label).toBe(`epoch ${mid.epoch + 1}, iteration ${mid.iteration - mid.epoch * 120} of 120 (mid-epoch, ${mid.iteration} in all)`);
    await shot(page, 'e-checkpoints-mid-epoch');
  }, 120_000);

  it('captions gallery digits without rounding up to 100% and says image numbers count from 0', async () => {
    await page.goto(`${base}#/runs/${a.id}?tab=test`);
    await page.locator('.gallery .item').first().waitFor();
    const chips = await page.locator('.gallery .chip').allTextContents();
    expect(chips.length).toBeGreaterThan(0);
    for (const c of chips) expect(c).toMatch(/^\d: (>99\.9|<0\.1|\d{1,2}\.\d)%$/);
    expect(await page.locator('[data-image-index]').first().textContent()).toMatch(/^test image \d+ \(from 0\)$/);
    await shot(page, 'e-gallery-cards');
  });

  it('lists Ctrl+Enter in the shortcut help on every view', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator('tr[data-run-id]').first().waitFor();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog');
    expect(await help.textContent()).toContain('Ctrl+Enter');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
  });

  it('names every download by one scheme', async () => {
    await page.goto(`${base}#/runs/${a.id}`);
    const fig = page.locator('figure.chart', { has: page.getByRole('heading', { name: 'Training loss per iteration' }) });
    const slug = 'alpha-seed-7';
    const names: string[] = [];
    for (const click of [() => fig.getByRole('button', { name: 'PNG' }).click(), () => page.getByRole('button', { name: 'Export JSON' }).click(), () => page.getByRole('button', { name: 'Export CSV' }).click()]) {
      const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
      names.push(dl.suggestedFilename());
    }
    expect(names).toEqual([`run-${a.id}-${slug}-loss.png`, `run-${a.id}-${slug}.json`, `run-${a.id}-${slug}-epochs.csv`]);
    await page.goto(`${base}#/compare?ids=${a.id},${b.id}`);
    const cm = page.locator('.cm', { has: page.getByRole('heading', { name: /^A: / }) });
    const [dl] = await Promise.all([page.waitForEvent('download'), cm.getByRole('button', { name: 'CSV' }).click()]);
    expect(dl.suggestedFilename()).toBe(`compare-${a.id}-${b.id}-confusion-a.csv`);
  });

  it('keeps the token in the address, so a copied URL opens in a fresh browser', async () => {
    await page.goto(`${base}#/runs/${a.id}`);
    await page.getByRole('heading', { name: /Alpha seed 7/ }).waitFor();
    const url = page.url();
    expect(url).toContain('token=');
    const other = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const p2 = await other.newPage();
      await p2.goto(url);
      await p2.getByRole('heading', { name: /Alpha seed 7/ }).waitFor({ timeout: 20_000 });
    } finally {
      await other.close();
    }
    expect(pageErrors(page)).toEqual([]);
  });
});
