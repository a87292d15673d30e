// The Report page in real Chromium: before any run it says what is missing; "Reproduce the
// report" asks first; a quick look (1 epoch, 1 seed) queued from the page fills the claims in as
// its runs finish, live, with the figures redrawn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { pageErrors, shot, startStack, until, type Stack } from './support';

let s: Stack;
let page: Page;
let base = '';

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\/?\?token=.*$/, '') + '/?token=' + encodeURIComponent(s.host.token);
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('the Report page', () => {
  it('before any run: every claim missing, and the plan says what it will queue', async () => {
    await page.goto(`${base}#/report`);
    await page.locator('[data-claims]').waitFor();
    const verdicts = await page.locator('[data-claim]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
    expect(verdicts).toHaveLength(9);
    expect(new Set(verdicts)).toEqual(new Set(['missing']));
    expect(await page.locator('[data-report-missing]').textContent()).toMatch(/^11 runs still to train: The report \(Table 1\) \(seed 1, 40 epochs\);/);
    expect(await page.locator('[data-report-figures]').textContent()).toContain('No Table 1 run yet');
    await shot(page, 'report-01-empty');
  });

  it('Reproduce the report on the New run page asks first and queues nothing on Cancel', async () => {
    await page.goto(`${base}#/new`);
    await page.getByRole('button', { name: 'Reproduce the report' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/This queues 11 runs on all of MNIST/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await s.wb.api.listRuns({})).total).toBe(0);
  });

  it('a quick look queued from the page fills the claims in as its runs finish', async () => {
    await page.goto(`${base}#/report`);
    await page.locator('[data-claims]').waitFor();
    await page.locator('[data-plan-seeds]').selectOption('1');
    await page.locator('[data-plan-quick]').check();
    await page.locator('[data-plan-epochs]').fill('1');
    await page.locator('[data-report-missing]', { hasText: '7 runs still to train' }).waitFor();
    await page.locator('[data-queue-missing]').click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toMatch(/This queues 7 runs on all of MNIST \(7 epochs in all\)/);
    await dialog.getByRole('button', { name: 'Queue 7 runs' }).click();
    await page.locator('[data-report-complete]').waitFor();
    // Live: no reload; the first run (Table 1) finishes and its claims leave "missing".
    await page.locator('[data-claim="table1"][data-verdict="provisional"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-report-figures] canvas').first().waitFor();
    expect(await page.locator('[data-claim="table1"]').textContent()).toMatch(/Provisional.*1 of 40 epochs/s);
    // And the rest as they come: wait for the SGD comparison (the third run), then stop the others.
    await page.locator('[data-claim="sgd-vs-adam"]:not([data-verdict="missing"])').waitFor({ timeout: 180_000 });
    await shot(page, 'report-02-filling');
    for (const r of (await s.wb.api.listRuns({ status: ['queued', 'running'] })).rows) await s.wb.api.stopRun({ id: r.id });
    await until('the stopped runs to show as not counting', async () => (await page.locator('[data-excluded]').count()) > 0 || (await page.locator('[data-report-missing]').count()) > 0);
    expect(pageErrors(page)).toEqual([]);
  }, 400_000);

  it('Improved vs original pairs the report\'s run with a run that undoes one change, queued from the page', async () => {
    await page.goto(`${base}#/report`);
    await page.locator('[data-ablation]').waitFor();
    await page.locator('[data-plan-seeds]').selectOption('1');
    await page.locator('[data-plan-quick]').check();
    await page.locator('[data-plan-epochs]').fill('1');
    // The Table 1 run (seed 1, 1 epoch) is recorded: only the runs that undo a change are missing.
    const missing = page.locator('[data-ablation-missing]');
    await missing.filter({ hasText: "Original activation (LeCun's tanh) (seed 1, 1 epoch)" }).waitFor();
    expect(await missing.textContent()).not.toContain('The report (Table 1)');
    await page.locator('[data-queue-ablation]').click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.locator('h2, [role="heading"]').first().textContent()).toMatch(/Queue the improved-vs-original runs\?/);
    await dialog.getByRole('button', { name: /^Queue \d+ runs?$/ }).click();
    await page.locator('[data-ablation-complete]').waitFor();
    // The tanh run trains first (the plan's order); when it finishes, its row appears, live.
    const row = page.locator('[data-ablation-row="activation"]');
    await row.waitFor({ timeout: 240_000 });
    expect(await row.textContent()).toMatch(/ReLU instead of LeCun's tanh.*\d+\.\d\d% test.*[+−±]\d+\.\d\d points test accuracy; (converges|no comparison)/s);
    await shot(page, 'report-03-improved-vs-original');
    for (const r of (await s.wb.api.listRuns({ status: ['queued', 'running'] })).rows) await s.wb.api.stopRun({ id: r.id });
    expect(pageErrors(page)).toEqual([]);
  }, 400_000);
});
