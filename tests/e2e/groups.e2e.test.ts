// Issue 10's API-backed essentials end to end in Chromium: the Import dataset dialog with class
// names (a small IDX fixture whose classes are not digits), class names on the confusion axes, the
// per-class table and the gallery; the Test tab's checkpoint picker (evaluating an older
// checkpoint keeps the header and the runs table on the final checkpoint's accuracy); a sweep as
// a group with its Sweep view; archiving runs in bulk instead of deleting them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DatasetRow, RunRow } from '../../src-shared/contract';
import { formatPercent } from '../../src-shared/ui/format';
import { writeTinyDataset } from '../runs/helpers';
import { completedRun, pageErrors, shot, SHAPE_NAMES, SHOTS, startStack, until, type Stack } from './support';


let s: Stack;
let page: Page;
let base: string;
let shapes: DatasetRow;
let run: RunRow;

const completed = (id: number): Promise<RunRow> => completedRun(s.wb, id);

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\?.*$/, '');
  await page.goto(s.host.url);
  await page.locator('main h1').waitFor();
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('datasets with class names, checkpoint picker, sweeps and archive in Chromium', () => {
  it('imports a dataset with typed class names through the Import dataset dialog', async () => {
    const folder = writeTinyDataset(join(s.dir, 'shapes'), 1200, 300);
    await page.goto(`${base}#/new`);
    await page.locator('[data-import-dataset]').click();
    const dialog = page.getByRole('dialog', { name: 'Import dataset' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Import' }).click();
    expect(await dialog.locator('#import-folder-help').textContent()).toBe('Enter the folder that holds the four IDX files.');
    await dialog.getByLabel('Folder').fill(folder);
    expect(await dialog.getByLabel('Name', { exact: true }).getAttribute('placeholder')).toBe('shapes');
    await dialog.getByLabel('Name', { exact: true }).fill('Shapes');
    await dialog.getByLabel(/Class names/).fill('circle, stick');
    expect(await dialog.locator('[data-import-classes-help]').textContent()).toMatch(/Class names must name exactly 10 classes, one per label 0 to 9 \(got 2\)/);
    await dialog.getByLabel(/Class names/).fill(SHAPE_NAMES.join(', '));
    expect(await dialog.locator('[data-import-classes-help]').textContent()).toMatch(/^10 classes: 0 circle · 1 stick · .* · 9 balloon$/);
    await page.screenshot({ path: join(SHOTS, 'e-import-dialog.png') }); // the viewport: the dialog over its dimmed page
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.waitFor({ state: 'detached' });
    shapes = (await s.wb.api.listDatasets(undefined)).find((d) => d.name === 'Shapes')!;
    expect(shapes.classNames).toEqual(SHAPE_NAMES);
    expect(await page.inputValue('#f-dataset')).toBe(shapes.id);
    expect(await page.locator('#h-dataset').textContent()).toBe(`1,200 training, 300 test images; classes ${SHAPE_NAMES.join(', ')}`);
    await until('the announcement', async () => ((await page.locator('[data-live-region]').textContent()) ?? '').includes('Dataset “Shapes” imported'));
    // A folder that is no dataset: the API's message, in the dialog.
    await page.locator('[data-import-dataset]').click();
    await dialog.getByLabel('Folder').fill(join(s.dir, 'nowhere'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    expect(await dialog.locator('[data-import-error]').textContent()).toMatch(/Not imported: .*nowhere: is not a folder\./);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(pageErrors(page)).toEqual([]);
  }, 60_000);

  it('labels the confusion matrix, the per-class table and the gallery with the class names, and says “class”, not “digit”', async () => {
    run = await s.wb.api.createRun({ config: { dataset: shapes.id, epochs: 3, trainSubset: 1000, validationSize: 200, batchSize: 50, init: 'he', checkpointEvery: 1 }, name: 'Shapes three epochs' });
    run = await completed(run.id);
    await page.goto(`${base}#/runs/${run.id}?tab=test`);
    await page.locator('[data-cell="0-0"]').waitFor();
    expect(await page.locator('[data-col-label]').allTextContents()).toEqual(SHAPE_NAMES);
    expect(await page.locator('[data-row-label]').allTextContents()).toEqual(SHAPE_NAMES);
    expect(await page.locator('[data-cell="2-5"]').getAttribute('title')).toMatch(/^true swan, predicted snake: \d+ — click to see these images$/);
    expect(await page.locator('[data-class-row] button').allTextContents()).toEqual(SHAPE_NAMES);
    await page.getByRole('heading', { name: 'Per class' }).waitFor();
    await page.locator('.gallery .item').first().waitFor();
    const titles = await page.locator('.gallery .item strong').allTextContents();
    for (const t of titles) expect(t).toMatch(new RegExp(`^(${SHAPE_NAMES.join('|')}) → (${SHAPE_NAMES.join('|')})$`));
    expect((await page.locator('.gallery .chip').first().textContent()) ?? '').toMatch(new RegExp(`^(${SHAPE_NAMES.join('|')}): `));
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/digit/i);
    await page.locator('.cm').first().screenshot({ path: join(SHOTS, 'e-confusion-class-names.png') });
    await shot(page, 'e-test-class-names');
  }, 90_000);

  it('evaluates an older checkpoint: the picker shows it as not the result; the header and the runs table keep the final accuracy', async () => {
    const cps = await s.wb.api.listCheckpoints({ runId: run.id });
    const first = cps[0];
    await page.goto(`${base}#/runs/${run.id}?tab=config`);
    await page.locator(`[data-checkpoint-id="${first.id}"]`).getByRole('button', { name: 'Evaluate on test set' }).click();
    await page.waitForURL(/tab=test&ev=\d+/);
    const older = (await s.wb.api.listEvaluations({ runId: run.id })).find((e) => !e.isResult)!;
    expect(older.checkpointId).toBe(first.id);
    const picker = page.locator('[data-evaluation-picker]');
    await picker.locator('[data-shown="earlier"]').waitFor();
    expect(await picker.locator('option').allTextContents()).toEqual([
      `End of epoch 3 (iteration 60) · accuracy ${formatPercent(run.testAccuracy)} · the run's result`,
      `End of epoch 1 (iteration 20) · accuracy ${formatPercent(older.accuracy)}`,
    ]);
    expect(Number(await page.inputValue('#evaluation-pick'))).toBe(older.id);
    expect(await picker.locator('[data-shown="earlier"]').textContent()).toContain(`The result is ${formatPercent(run.testAccuracy)}, from its final checkpoint.`);
    // The chosen evaluation is fetched after the address changes: wait for it, then read.
    await page.locator('.cm h2', { hasText: `accuracy ${formatPercent(older.accuracy)}` }).waitFor();
    expect(await page.locator('.cm h2').textContent()).toBe(`Test confusion matrix · accuracy ${formatPercent(older.accuracy)}`);
    expect(await page.locator('[data-test-accuracy]').textContent()).toBe(formatPercent(run.testAccuracy));
    await shot(page, 'e-checkpoint-picker');
    await page.goto(`${base}#/runs`);
    await page.locator(`tr[data-run-id="${run.id}"] td[data-col="test"]`).waitFor();
    expect(await page.locator(`tr[data-run-id="${run.id}"] td[data-col="test"]`).textContent()).toBe(formatPercent(run.testAccuracy));
    await page.goBack();
    await picker.getByRole('button', { name: 'Show the result' }).click();
    await picker.locator('[data-shown="result"]').waitFor();
    expect(page.url()).not.toMatch(/ev=/);
    await page.selectOption('#evaluation-pick', String(older.id));
    await page.waitForURL(/ev=\d+/);
    await page.locator('.cm h2', { hasText: `accuracy ${formatPercent(older.accuracy)}` }).waitFor();
    expect(await page.locator('.cm h2').textContent()).toBe(`Test confusion matrix · accuracy ${formatPercent(older.accuracy)}`);
  }, 60_000);

  it('launches a sweep as a group and shows it: the table of setting → final metric and a scatter per varied setting', async () => {
    const runs = await s.wb.api.createSweep({ base: { dataset: shapes.id, epochs: 1, trainSubset: 600, validationSize: 200, init: 'he' }, grid: { batchSize: [50, 100], learningRate: [0.001, 0.003] } });
    for (const r of runs) await completed(r.id);
    await page.goto(`${base}#/runs/${runs[0].id}`);
    await page.locator('[data-run-sweep]').getByRole('link').click();
    await page.waitForURL(/#\/sweeps\/\d+/);
    await page.getByRole('heading', { name: /^Sweep of batch size × learning rate/ }).waitFor();
    const table = page.locator('[data-sweep-table]');
    await table.locator('tbody tr').nth(3).waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual(['Run', 'Status', 'Batch size', 'Learning rate', 'Test (result)', 'Best val', 'Final val acc', 'Final val loss']);
    const detail = await s.wb.api.getSweep({ id: runs[0].sweep!.id });
    for (const r of detail.runs) expect(await table.locator(`tr[data-run-id="${r.run.id}"] td[data-col="test"]`).textContent()).toBe(formatPercent(r.finals.testAccuracy));
    expect(await page.locator('[data-scatter]').count()).toBe(2);
    await page.selectOption('[data-sweep-metric]', 'valLoss');
    await page.getByRole('heading', { name: 'Final validation loss by batch size' }).waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'e-sweep-view');
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Sweeps' }).click();
    await page.locator(`[data-sweep-id="${detail.id}"]`).waitFor();
    expect(await page.locator(`[data-sweep-id="${detail.id}"]`).textContent()).toMatch(/Batch size: 50, 100 × Learning rate: 1e-3, 3e-3\s*4 of 4/);
  }, 120_000);

  it('archives runs in bulk instead of deleting them; the Archived filter shows them and brings them back', async () => {
    const total = (await s.wb.api.listRuns({ limit: 1000 })).total;
    const { rows } = await s.wb.api.listRuns({ limit: 2 });
    await page.goto(`${base}#/runs`);
    for (const r of rows) await page.locator(`tr[data-run-id="${r.id}"] input[type="checkbox"]`).check();
    await page.locator('[data-bulk-archive]').click();
    // One API call per run, the table refreshed after each: wait for both rows to leave, not the first.
    await until('the archived runs to leave the table', async () => {
      for (const r of rows) if ((await page.locator(`tr[data-run-id="${r.id}"]`).count()) > 0) return false;
      return true;
    });
    expect((await s.wb.api.listRuns({ limit: 1000 })).total).toBe(total - 2);
    await page.selectOption('[data-archived-filter]', 'only');
    await page.waitForURL(/archived=only/);
    await until('only the archived runs', async () => (await page.locator('tr[data-run-id]').count()) === 2);
    expect(await page.locator(`tr[data-run-id="${rows[0].id}"] [data-archived]`).textContent()).toBe('archived');
    await shot(page, 'e-runs-archived');
    await page.locator('[data-select-page]').check();
    await page.locator('[data-bulk-unarchive]').click();
    await until('none archived', async () => (await page.locator('tr[data-run-id]').count()) === 0);
    expect((await s.wb.api.listRuns({ limit: 1000 })).total).toBe(total);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: 'Clear selection' }).click();
    expect(pageErrors(page)).toEqual([]);
  }, 60_000);
});
