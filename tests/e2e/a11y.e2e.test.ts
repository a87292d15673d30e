// Accessibility end to end (issue 10): an axe-core scan of every view and the dialogs, light and
// dark, finds no WCAG 2.0/2.1 A or AA violation; and a keyboard-only session launches a run, opens a
// confusion cell's digits and closes a dialog with focus returned to where it was.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunRow } from '../../src-shared/contract';
import { writeTinyDataset } from '../runs/helpers';
import { completedRun, axeViolations as axe, pageErrors, SHAPE_NAMES, shot, startStack, until, type Stack } from './support';

let s: Stack;
let page: Page;
let base: string;
let a: RunRow;
let b: RunRow;
let named: RunRow;
let sweepId = 0;
let olderEvaluation = 0;

const completed = (id: number): Promise<RunRow> => completedRun(s.wb, id);

async function tabUntil(p: Page, what: string, test: () => Promise<boolean>, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await test()) return;
    await p.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${what}`);
}
const focused = (p: Page, selector: string) => p.evaluate((sel) => !!document.activeElement?.matches(sel), selector);

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\?.*$/, '');
  a = await s.wb.api.createRun({ config: { epochs: 2, trainSubset: 600, batchSize: 50, init: 'he', checkpointEvery: 1 }, name: 'Axe A', tags: ['a11y'] });
  b = await s.wb.api.createRun({ config: { epochs: 1, trainSubset: 600, batchSize: 100, init: 'he' }, name: 'Axe B' });
  a = await completed(a.id);
  b = await completed(b.id);
  // An earlier checkpoint's evaluation (the Test tab's picker), a sweep, an archived run and a
  // dataset with class names, for the views and states issue 10 added.
  olderEvaluation = (await s.wb.api.evaluateCheckpoint({ checkpointId: (await s.wb.api.listCheckpoints({ runId: a.id }))[0].id })).id;
  const sweep = await s.wb.api.createSweep({ base: { epochs: 1, trainSubset: 300, batchSize: 50, init: 'he' }, grid: { learningRate: [0.001, 0.003] } });
  sweepId = sweep[0].sweep!.id;
  for (const r of sweep) await completed(r.id);
  await s.wb.api.setArchived({ id: sweep[1].id, archived: true });
  const shapes = await s.wb.api.importDataset({ folder: writeTinyDataset(join(s.dir, 'shapes'), 600, 200), name: 'Shapes', classNames: SHAPE_NAMES });
  named = await completed((await s.wb.api.createRun({ config: { dataset: shapes.id, epochs: 1, trainSubset: 500, validationSize: 100, init: 'he' }, name: 'Axe shapes' })).id);
  await page.goto(s.host.url);
  await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('accessibility in Chromium', () => {
  it('the scan itself catches a planted contrast failure and heading skip', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.id = 'planted';
      p.style.color = '#c8c8c8';
      p.textContent = 'barely visible';
      document.querySelector('main')!.append(p);
      const h = document.createElement('h4');
      h.id = 'planted-h';
      h.textContent = 'skipped levels';
      document.querySelector('main')!.append(h);
    });
    const found = await axe(page);
    expect(found.some((v) => v.startsWith('color-contrast: #planted'))).toBe(true);
    expect(found.some((v) => v.startsWith('heading-order: #planted-h'))).toBe(true);
    await page.evaluate(() => document.querySelectorAll('#planted, #planted-h').forEach((e) => e.remove()));
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`axe finds no WCAG A/AA violation nor heading skip on any view or dialog (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const found: string[] = [];
      const scan = async (name: string) => {
        await page.waitForTimeout(300);
        for (const v of await axe(page)) found.push(`${name}: ${v}`);
      };
      const views: [string, string, string][] = [
        ['runs', `${base}#/runs`, `tr[data-run-id="${a.id}"]`],
        ['new run', `${base}#/new`, '#f-epochs'],
        ['run training', `${base}#/runs/${a.id}?tab=training`, 'canvas'],
        ['run test', `${base}#/runs/${a.id}?tab=test`, '.gallery .item'],
        ['run config', `${base}#/runs/${a.id}?tab=config`, '[data-checkpoint-id]'],
        ['run test, an earlier checkpoint', `${base}#/runs/${a.id}?tab=test&ev=${olderEvaluation}`, '[data-shown="earlier"]'],
        ['run test, class names', `${base}#/runs/${named.id}?tab=test`, '.gallery .item'],
        ['runs with archived ones', `${base}#/runs?archived=include`, '[data-archived]'],
        ['sweeps', `${base}#/sweeps`, `[data-sweep-id="${sweepId}"]`],
        ['sweep', `${base}#/sweeps/${sweepId}`, '[data-scatter] canvas'],
        ['missing sweep', `${base}#/sweeps/9999`, '[data-sweep-missing]'],
        ['compare picker', `${base}#/compare`, 'input[type="checkbox"]'],
        ['compare', `${base}#/compare?ids=${a.id},${b.id}`, '[data-set="onlyA"]'],
        ['missing run', `${base}#/runs/9999`, '[data-run-missing]'],
        ['report', `${base}#/report`, '[data-claims]'],
      ];
      for (const [name, url, ready] of views) {
        await page.goto(url);
        await page.locator(ready).first().waitFor();
        await scan(name);
      }
      // the dialogs, and a running run's live progress
      await page.goto(`${base}#/runs`);
      await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
      await page.getByRole('button', { name: /^Shortcuts/ }).click();
      await page.getByRole('dialog').waitFor();
      await scan('shortcut help');
      await page.keyboard.press('Escape');
      await page.locator(`tr[data-run-id="${a.id}"]`).getByRole('button', { name: /^Delete/ }).click();
      await page.getByRole('dialog').waitFor();
      await scan('delete dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('Columns (').click();
      await scan('column chooser');
      await page.getByText('Columns (').click();
      await page.goto(`${base}#/new`);
      await page.locator('[data-import-dataset]').click();
      await page.getByRole('dialog').waitFor();
      await page.getByRole('dialog').getByLabel(/Class names/).fill('one, two');
      await page.getByRole('dialog').getByRole('button', { name: 'Import' }).click();
      await scan('import dataset dialog, with its problems shown');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      const live = await s.wb.api.createRun({ config: { epochs: 3, trainSubset: 6000, batchSize: 50, init: 'he' }, name: `Axe live ${scheme}` });
      await page.goto(`${base}#/runs/${live.id}`);
      await page.locator('[data-live-progress]').waitFor();
      await until('progress', async () => (await s.wb.api.getRun({ id: live.id })).iteration > 5);
      await scan('live run');
      await shot(page, `a11y-live-${scheme}`);
      await s.wb.api.stopRun({ id: live.id });
      await page.goto(`${base}#/runs`);
      await page.locator(`tr[data-run-id="${live.id}"]`).waitFor();
      await scan('runs with a stopped run');
      await page.goto(`${base}#/runs/${a.id}?tab=test`);
      await page.locator('[data-cell="0-0"]').waitFor();
      await shot(page, `a11y-test-${scheme}`);
      await page.emulateMedia({ colorScheme: 'light' });
      expect(found).toEqual([]);
    }, 180_000);
  }

  it('works by keyboard alone: launch a run, open a confusion cell, close a dialog with focus returned', async () => {
    await page.goto(`${base}#/runs`);
    await page.locator(`tr[data-run-id="${a.id}"]`).waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('n'); // the New run shortcut
    await page.waitForURL(/#\/new/);
    await until('focus on the New run heading', () => focused(page, 'main h1'), 5000);
    await tabUntil(page, 'the epochs field', () => focused(page, '#f-epochs'));
    await page.keyboard.press('Control+a');
    await page.keyboard.type('1');
    for (const [id, value] of [['f-batchSize', '50'], ['f-trainSubset', '600']] as const) {
      await tabUntil(page, id, () => focused(page, `#${id}`));
      await page.keyboard.press('Control+a');
      await page.keyboard.type(value);
    }
    await tabUntil(page, 'the init select', () => focused(page, '#f-init'));
    await page.keyboard.type('he');
    expect(await page.inputValue('#f-init')).toBe('he');
    await page.keyboard.press('Control+Enter');
    await page.waitForURL(/#\/runs\/\d+/);
    const id = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    await until('focus on the run heading', () => focused(page, 'main h1'), 10_000);
    await until('the launch announcement', async () => ((await page.locator('[data-live-region]').textContent()) ?? '').includes(`Run #${id}`), 10_000);
    await completed(id);
    await until('the completion announcement', async () => ((await page.locator('[data-live-region]').textContent()) ?? '').includes('completed'), 20_000);
    await page.locator('.detail > .head [data-status="completed"]').waitFor();
    // The tabs: one tab stop, the arrow key moves to and opens "Test results".
    await tabUntil(page, 'the selected tab', () => focused(page, '[role="tab"][aria-selected="true"]'));
    await page.keyboard.press('ArrowRight');
    await until('the Test results tab', () => focused(page, '[role="tab"][data-tab="test"][aria-selected="true"]'), 5000);
    await page.locator('[data-cell="0-0"]').waitFor();
    // The confusion matrix: one tab stop, arrows move, Enter opens the cell's digits.
    await tabUntil(page, 'a confusion cell', () => focused(page, '[data-cell]'));
    expect(await focused(page, '[data-cell="0-0"]')).toBe(true);
    const ev = await s.wb.api.getEvaluation({ runId: id });
    let best = { t: 0, p: 1, n: -1 };
    for (let p = 1; p < 10; p++) if (ev.confusion[p] > best.n) best = { t: 0, p, n: ev.confusion[p] };
    for (let i = 0; i < best.p; i++) await page.keyboard.press('ArrowRight');
    expect(await focused(page, `[data-cell="0-${best.p}"]`)).toBe(true);
    await page.keyboard.press('Enter');
    await until('the gallery for the cell', async () => ((await page.locator('[data-gallery-heading]').textContent()) ?? '').includes(`true 0, predicted ${best.p}`), 10_000);
    // A dialog opened from there gives focus back when it closes.
    await page.keyboard.press('?');
    await page.getByRole('dialog').waitFor();
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await until('focus back on the cell', () => focused(page, `[data-cell="0-${best.p}"]`), 5000);
    await shot(page, 'a11y-keyboard');
    expect(pageErrors(page)).toEqual([]);
  }, 120_000);
});
