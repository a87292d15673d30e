// The workbench UI end to end: the built renderer in Chromium, the real web host, a real
// workbench training real (tiny) runs on a temp database. One stack for the file; the tests run
// in order and build on each other's runs. Screenshots of every view go to test-output/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunRow } from '../../src-shared/contract';
import { pageErrors, shot, startStack, until, type Stack } from './support';

let s: Stack;
let page: Page;
let base: string;
let runA: RunRow;
let runB: RunRow;

/** Fills the new-run form for a tiny run (the form starts from the report's configuration). */
async function fillTiny(name: string, extra: Record<string, string> = {}): Promise<void> {
  await page.goto(`${base}#/runs`); // leave and re-enter: a fresh form with the defaults
  await page.goto(`${base}#/new`);
  await page.locator('#f-epochs').waitFor();
  expect(await page.inputValue('#f-learningRate')).toBe('0.001');
  await page.fill('input[placeholder^="optional"]', name);
  const fields: Record<string, string> = { epochs: '1', trainSubset: '1000', batchSize: '50', ...extra };
  for (const [k, v] of Object.entries(fields)) await page.fill(`#f-${k}`, v);
  await page.selectOption('#f-init', 'he');
}

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\?.*$/, '');
  await page.goto(s.host.url); // carries the token; the page keeps it for this tab
  await page.getByText('No runs yet').waitFor();
  await shot(page, '01-runs-empty');
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('workbench UI in Chromium', () => {
  it('an invalid form value shows its message and launches nothing', async () => {
    await fillTiny('should not exist');
    await page.fill('#f-learningRate', '0');
    const msg = page.locator('[data-error-for="learningRate"]');
    await msg.waitFor();
    expect(await msg.textContent()).toBe('Learning rate must be greater than 0 (got 0).');
    await page.fill('#f-batchSize', 'lots');
    await page.locator('[data-error-for="batchSize"]').waitFor();
    const launch = page.getByRole('button', { name: 'Launch run' });
    expect(await launch.isDisabled()).toBe(true);
    expect(await page.locator('[data-invalid-count]').textContent()).toContain('2 settings need fixing');
    await launch.click({ force: true });
    await page.keyboard.press('Control+Enter');
    await page.waitForTimeout(300);
    await shot(page, '02-new-run-invalid');
    expect((await s.wb.api.listRuns({})).total).toBe(0);
    expect(page.url()).toContain('#/new');
  });

  it('launches a small run from the form and watches it complete', async () => {
    await fillTiny('tiny A');
    expect(await page.getByRole('button', { name: 'Launch run' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.waitForURL(/#\/runs\/\d+/);
    const id = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    runA = await s.wb.api.getRun({ id });
    expect(runA.config).toMatchObject({ epochs: 1, trainSubset: 1000, batchSize: 50, init: 'he', optimizer: 'adam' });
    await page.locator('.detail > .head [data-status="completed"]').waitFor({ timeout: 90_000 });
    runA = await s.wb.api.getRun({ id });
    expect(runA.status).toBe('completed');
    // the header shows the test accuracy as a percentage with two decimals
    const header = await page.locator('.detail > .head').textContent();
    expect(header).toContain(`test ${(runA.testAccuracy! * 100).toFixed(2)}%`);
    await page.locator('canvas[aria-label^="Training loss per iteration"]').waitFor();
    // The header turns "completed" as soon as the run row is fetched again; the metrics come in
    // the next request, so the per-epoch charts may still be empty for a moment: wait for them.
    await until('every chart to have data', async () => (await page.getByText('No data yet.').count()) === 0, 30_000);
    await shot(page, '03-run-detail-training');
  }, 120_000);

  it('opens the run, clicks a confusion cell and sees exactly those digits', async () => {
    await page.getByRole('tab', { name: 'Test results' }).click();
    const ev = await s.wb.api.getEvaluation({ runId: runA.id });
    let best = { t: 0, p: 1, n: -1 };
    for (let t = 0; t < 10; t++) for (let p = 0; p < 10; p++) if (t !== p && ev.confusion[t * 10 + p] > best.n) best = { t, p, n: ev.confusion[t * 10 + p] };
    expect(best.n).toBeGreaterThan(0);
    const cell = page.locator(`[data-cell="${best.t}-${best.p}"]`);
    expect((await cell.textContent())!.trim()).toBe(String(best.n));
    await cell.click();
    const heading = page.locator('[data-gallery-heading]');
    await until('the gallery heading', async () => ((await heading.textContent())?.includes(`true ${best.t}, predicted ${best.p} · ${best.n} image`) ? true : false), 20_000);
    const items = page.locator('.gallery .item');
    await until('the gallery items', async () => ((await items.count()) === Math.min(best.n, 48) ? true : false), 20_000);
    for (const title of await page.locator('.gallery .item strong').allTextContents()) expect(title).toBe(`${best.t} → ${best.p}`);
    // the digits are drawn from their bytes: the first canvas has ink on it
    const ink = await page.locator('.gallery canvas').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let min = 255;
      for (let i = 0; i < d.length; i += 4) min = Math.min(min, d[i]);
      return min;
    });
    expect(ink).toBeLessThan(100);
    await shot(page, '04-run-detail-confusion-gallery');
  }, 60_000);

  it('compares two runs and shows exactly the differing hyperparameters', async () => {
    await fillTiny('tiny B', { batchSize: '100' });
    await page.selectOption('#f-sampling', 'shuffle');
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.waitForURL(/#\/runs\/\d+/);
    const id = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    runB = await until('run B to complete', async () => {
      const r = await s.wb.api.getRun({ id });
      return r.status === 'completed' ? r : false;
    });
    await page.goto(`${base}#/runs`);
    for (const r of [runA, runB]) await page.locator(`tr[data-run-id="${r.id}"] input[type="checkbox"]`).check();
    await shot(page, '05-runs-selected');
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await page.waitForURL(/#\/compare\?ids=/);
    const rows = page.locator('[data-config-diff] tbody tr[data-key]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')))).toEqual(['batchSize', 'sampling']);
    expect(await page.locator('[data-config-diff] tr[data-key="batchSize"] td').allTextContents()).toEqual(['50', '100']);
    await page.getByText('Difference A − B').waitFor();
    await page.locator('[data-set="onlyA"]').waitFor();
    await shot(page, '06-compare');
    // "show all settings" lists every setting, the differing ones marked
    await page.getByLabel('show all settings').check();
    expect(await rows.count()).toBe(Object.keys(runA.config).length);
  }, 150_000);

  it('stops a run from the UI and resumes it from the UI', async () => {
    // 4 epochs of 60 iterations: long enough that Stop lands mid-run even on a busy machine
    const run = await s.wb.api.createRun({ config: { epochs: 4, trainSubset: 3000, batchSize: 50, init: 'he', checkpointEvery: 1 }, name: 'stop and resume' });
    await page.goto(`${base}#/runs/${run.id}`);
    await until('the run to be training', async () => {
      const r = await s.wb.api.getRun({ id: run.id });
      if (r.status === 'completed') throw new Error('The run completed before Stop could be clicked.');
      return r.iteration > 5;
    }, 90_000);
    await page.locator('[data-live-progress]').waitFor({ timeout: 30_000 });
    await shot(page, '07-run-detail-live');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('.detail > .head [data-status="stopped"]').waitFor({ timeout: 30_000 });
    const stopped = await s.wb.api.getRun({ id: run.id });
    expect(stopped.status).toBe('stopped');
    expect(stopped.epochsDone).toBeLessThan(4);
    await shot(page, '08-run-detail-stopped');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.locator('.detail > .head [data-status="completed"]').waitFor({ timeout: 120_000 });
    const done = await s.wb.api.getRun({ id: run.id });
    expect(done).toMatchObject({ id: run.id, status: 'completed', epochsDone: 4, iteration: 240 });
    await page.getByRole('tab', { name: 'Config & checkpoints' }).click();
    await page.locator('[data-checkpoint-id]').first().waitFor();
    await shot(page, '09-run-detail-config');
  }, 240_000);

  it('renames, tags and annotates a run, and deletes one only after confirmation', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator(`tr[data-run-id="${runB.id}"]`).getByRole('button', { name: /^Edit/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('tiny B, batch 100');
    await dialog.getByLabel('Tags').fill('e2e, batch');
    await dialog.getByLabel('Notes').fill('shuffle + batch 100');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' }); // closes once every change is saved
    await page.locator(`tr[data-run-id="${runB.id}"]`).getByText('tiny B, batch 100').waitFor();
    const edited = await s.wb.api.getRun({ id: runB.id });
    expect(edited).toMatchObject({ name: 'tiny B, batch 100', notes: 'shuffle + batch 100' });
    expect([...edited.tags].sort()).toEqual(['batch', 'e2e']);
    // a tag the API refuses: its message is shown and nothing changes
    await page.locator(`tr[data-run-id="${runB.id}"]`).getByRole('button', { name: /^Edit/ }).click();
    await dialog.getByLabel('Tags').fill('bad<tag>');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'may hold only' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await s.wb.api.getRun({ id: runB.id })).tags).toEqual(edited.tags);
    // delete: cancel keeps the run, confirm removes it
    const victim = await s.wb.api.createRun({ config: { epochs: 1, trainSubset: 100, batchSize: 50 }, name: 'to delete' });
    await s.wb.api.stopRun({ id: victim.id });
    await page.goto(`${base}#/runs`);
    const row = page.locator(`tr[data-run-id="${victim.id}"]`);
    await row.getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await s.wb.api.getRun({ id: victim.id })).id).toBe(victim.id);
    await row.getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await expect(s.wb.api.getRun({ id: victim.id })).rejects.toThrow();
  }, 60_000);

  it('explains short runs, ignored settings and the cost of the report; handles a missing run and a one-run compare link', async () => {
    await page.goto(`${base}#/runs`);
    await page.goto(`${base}#/new`);
    await page.locator('#f-epochs').waitFor();
    // The dataset's sizes come with the dataset list, fetched after the form shows (until then the
    // field is a text box with the generic help): wait for its select, then read.
    await page.locator('select#f-dataset').waitFor();
    expect(await page.locator('#h-dataset').textContent()).toMatch(/^[\d,]+ training, [\d,]+ test images; classes 0 to 9$/);
    await page.fill('#f-epochs', '2');
    await page.fill('#f-trainSubset', '5000');
    await page.fill('#f-momentum', '0.5');
    expect(await page.locator('[data-note="slow-start"]').textContent()).toMatch(/only 50 iterations.*near chance.*Quick check/);
    expect(await page.locator('[data-note="ignored"]').textContent()).toBe('Momentum (SGD) 0.5 has no effect: applies to SGD only; the optimiser is Adam.');
    await shot(page, '14-new-run-hints');
    await page.locator('[data-preset="quick"]').click();
    expect(await page.locator('[data-note]').count()).toBe(0);
    expect(await page.inputValue('input[placeholder^="optional"]')).toBe('Quick check');
    expect(await page.locator('[data-preset="quick"]').getAttribute('class')).toContain('on');

    const before = (await s.wb.api.listRuns({})).total;
    await page.getByRole('button', { name: 'Reproduce the report' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The report's plan: Table 1 and batch 50 over three seeds, every other comparison once.
    expect(await dialog.textContent()).toMatch(/This queues 11 runs on all of MNIST \(\d+ epochs in all\)\. At about 3–6 s per epoch on 2 cores that is roughly \d+–\d+ minutes/);
    await shot(page, '15-reproduce-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await s.wb.api.listRuns({})).total).toBe(before);

    await page.goto(`${base}#/runs/999`);
    const missing = page.locator('[data-run-missing]');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('No run with id 999.');
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await shot(page, '16-run-missing');
    await missing.getByRole('link', { name: /Back to Runs/ }).click();
    await page.waitForURL(/#\/runs$/);

    await page.goto(`${base}#/compare`);
    await page.goto(`${base}#/compare?ids=${runA.id}`);
    const pick = page.getByRole('checkbox', { name: `Pick run ${runA.name}` });
    await pick.waitFor();
    expect(await pick.isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: `Pick run ${runB.name}` }).isChecked()).toBe(false);
    await shot(page, '17-compare-one-id');

    // At 1280 px the training-loss header (title, smoothing, log, PNG, CSV) stays on one line.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}#/compare?ids=${runA.id},${runB.id}`);
    const head = page.locator('figure.chart', { has: page.getByRole('heading', { name: 'Training loss (smoothed)' }) }).locator('figcaption');
    await head.waitFor();
    const tops = await head.locator('h3, button').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)));
    await shot(page, '18-compare-1280');
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(6);
    await page.setViewportSize({ width: 1400, height: 900 });
  }, 60_000);

  it('shows the keyboard help and reports no page errors', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator('tr[data-run-id]').first().waitFor();
    await page.keyboard.press('?');
    await page.getByText('Keyboard shortcuts').waitFor();
    await shot(page, '10-shortcuts');
    await page.keyboard.press('Escape');
    await page.keyboard.press('n');
    await page.waitForURL(/#\/new/);
    await shot(page, '11-new-run');
    // the theme follows the system's preference
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}#/runs/${runA.id}?tab=test`);
    await page.locator('[data-cell="0-0"]').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(22, 23, 27)');
    await shot(page, '13-run-detail-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(pageErrors(page)).toEqual([]);
  });
});
