// The insight views end to end in Chromium (issue 11): a healthy short run and a collapsed one
// (Adam at lr 0.05: every C3 unit dies in the first epoch, then the loss sits at ln 10), trained
// for real by the workbench; the diagnosis banner and health panel, the confusion scrubber, a
// per-image history, the layer view with a unit's computation, draw-a-digit and parallel
// coordinates. Screenshots go to test-output/insight-*.png.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunRow } from '../../src-shared/contract';
import { axeViolations, pageErrors, shot, shotOf, startStack, until, type Stack } from './support';

let s: Stack;
let page: Page;
let base: string;
let healthy: RunRow;
let collapsed: RunRow;
let other: RunRow;

const done = (id: number) => until(`run ${id} to finish`, async () => {
  const r = await s.wb.api.getRun({ id });
  return ['completed', 'failed', 'diverged'].includes(r.status) ? r : false;
}, 300_000);

beforeAll(async () => {
  s = await startStack();
  page = s.page;
  base = s.host.url.replace(/\?.*$/, '');
  const small = { trainSubset: 2000, batchSize: 50, validationSize: 1000, trainEvalSize: 500, init: 'he' as const, checkpointEvery: 1 };
  healthy = await s.wb.api.createRun({ config: { ...small, epochs: 4, testTimeline: 'on' }, name: 'healthy, He init' });
  collapsed = await s.wb.api.createRun({ config: { ...small, trainSubset: 1000, epochs: 7, learningRate: 0.05, checkpointEvery: 7 }, name: 'collapsed, lr 0.05' });
  other = await s.wb.api.createRun({ config: { ...small, epochs: 4, learningRate: 0.003, sampling: 'shuffle', testTimeline: 'on' }, name: 'lr 0.003, shuffled' });
  healthy = await done(healthy.id);
  collapsed = await done(collapsed.id);
  other = await done(other.id);
  await page.goto(s.host.url);
}, 420_000);

afterAll(async () => {
  await s?.close();
});

describe('insight views in Chromium', () => {
  it('shows the diagnosis banner and the health panel of a collapsed run', async () => {
    expect(collapsed.status).toBe('completed');
    const h = await s.wb.api.getHealth({ runId: collapsed.id });
    expect(h.diagnoses.map((d) => d.id)).toContain('stalled');
    await page.goto(`${base}#/runs/${collapsed.id}?tab=health`);
    const banner = page.locator('[data-diagnosis] [data-rule="stalled"]');
    await banner.waitFor();
    expect(await banner.locator('summary').textContent()).toMatch(/stalled: loss flat at ln 10 ≈ 2\.303 for \d+ iterations and C3 activations all zero/);
    await page.locator('[data-health-panel] tr[data-layer="C3"]').waitFor();
    const c3 = page.locator('[data-health-panel] tr[data-layer="C3"]');
    expect(await c3.locator('td').nth(5).textContent()).toMatch(/100%/); // dead ReLUs
    // No data gradient reaches C3's weights: its ReLUs never fire (the gradient column, and the banner's detail).
    expect(await c3.locator('[data-grad-norm]').textContent()).toBe('0');
    expect(await banner.textContent()).toMatch(/The data gradient of the weights up to C3 \(‖∇W‖ on the sample\): C1 0, C3 0: no signal from the data reaches them/);
    await page.locator('[data-health-panel] canvas').first().waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'insight-01-health-collapsed');
    // A healthy run: the panel without an error banner.
    await page.goto(`${base}#/runs/${healthy.id}?tab=health`);
    await page.locator('[data-health-panel] tr[data-layer="C3"]').waitFor();
    expect(await page.locator('[data-diagnosis] details.error').count()).toBe(0);
    expect(Number(await page.locator('[data-health-panel] tr[data-layer="C3"] [data-grad-norm]').textContent())).toBeGreaterThan(0);
    await shot(page, 'insight-02-health-healthy');
  });

  it('scrubs the validation confusion matrix through the epochs and opens an image\'s history', async () => {
    await page.goto(`${base}#/runs/${healthy.id}?tab=timeline`);
    const shown = page.locator('[data-epoch-shown]');
    await until('the last epoch', async () => ((await shown.textContent())?.includes('epoch 4 of 4') ? true : false), 30_000);
    await page.locator('[data-epoch-slider]').fill('0');
    await until('epoch 1', async () => ((await shown.textContent())?.includes('epoch 1 of 4') ? true : false), 10_000);
    const t = await s.wb.api.getTimeline({ runId: healthy.id, split: 'validation' });
    let cell = { l: 0, p: 1, n: 0 };
    for (let l = 0; l < 10; l++) for (let p = 0; p < 10; p++) if (l !== p && t.confusions[0][l * 10 + p] > cell.n) cell = { l, p, n: t.confusions[0][l * 10 + p] };
    await page.locator(`[data-scrubber] [data-cell="${cell.l}-${cell.p}"]`).click();
    await until('the cell\'s images', async () => ((await page.locator('[data-timeline-images] [data-pick]').count()) === Math.min(cell.n, 60) ? true : false), 20_000);
    expect(await page.locator('[data-images-count]').textContent()).toContain(`true ${cell.l}, predicted ${cell.p} at epoch 1`);
    await shot(page, 'insight-03-confusion-scrubber');
    await page.locator('[data-timeline-images] [data-pick]').first().click();
    const history = page.locator('[data-image-history]');
    await history.locator('ol li').nth(3).waitFor();
    expect(await history.locator('ol li').count()).toBe(4);
    expect(await history.locator('ol li').first().getAttribute('class')).toBe('bad');
    await history.scrollIntoViewIfNeeded();
    await shot(page, 'insight-04-image-history');
    // Play steps through the epochs.
    await page.locator('[data-play]').click();
    await until('play to move on', async () => ((await shown.textContent())?.includes('epoch 1 of 4') ? false : true), 10_000);
    expect(pageErrors(page)).toEqual([]);
  });

  it('traces a test image through every layer and explains a C3 unit', async () => {
    await page.goto(`${base}#/runs/${healthy.id}?tab=layers&image=7`);
    await page.locator('[data-layer-overview]').waitFor();
    const box = await page.locator('[data-map="c3-5"] canvas').boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.click(box!.x + box!.width * 0.45, box!.y + box!.height * 0.55);
    await page.locator('[data-unit-explain] [data-input-channel="5"]').waitFor();
    expect(await page.locator('[data-unit-explain] h3').textContent()).toMatch(/How C3 map 5, position \(\d, \d\) was computed from S2/);
    await page.locator('[data-top-unit]').waitFor();
    await until('top-activating images', async () => ((await page.locator('[data-pick]').count()) >= 16 ? true : false), 120_000);
    await page.locator('[data-saliency] canvas').nth(1).waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'insight-05-layers');
    // The same by number, for the keyboard: C1 map 2 at row 10, column 12.
    const picker = page.locator('[data-unit-picker]');
    await picker.getByLabel('Layer of the unit').selectOption('c1');
    await picker.getByLabel('map').fill('2');
    await picker.getByLabel('row').fill('10');
    await picker.getByLabel('column').fill('12');
    await picker.getByRole('button', { name: 'Explain' }).click();
    await page.getByText('How C1 map 2, position (10, 12) was computed from the input').waitFor();
    expect(pageErrors(page)).toEqual([]);
  }, 180_000);

  it('opens a gallery image\'s history and saliency from the test results', async () => {
    await page.goto(`${base}#/runs/${healthy.id}?tab=test`);
    const first = page.locator('[data-gallery-pick]').first();
    await first.waitFor();
    const index = Number(await first.getAttribute('data-gallery-pick'));
    await first.click();
    const insp = page.locator('[data-gallery-inspector]');
    await insp.locator('[data-image-history] ol li').nth(3).waitFor();
    await insp.locator('[data-saliency] canvas').nth(1).waitFor();
    const h = await s.wb.api.getImageHistory({ runId: healthy.id, split: 'test', index });
    expect(await insp.locator('[data-image-history] ol li .p').allTextContents()).toEqual(h.predicted.map(String));
    // A mistake's saliency is of the true class against the predicted one.
    expect(await insp.locator('[data-saliency] figcaption').nth(1).textContent()).toMatch(/saliency of class \d against class \d/);
    await insp.scrollIntoViewIfNeeded();
    await shot(page, 'insight-06-gallery-history-saliency');
  });

  it('draws a digit and compares several checkpoints\' probabilities, live', async () => {
    await page.goto(`${base}#/draw`);
    await page.locator('[data-draw-empty]').waitFor();
    expect(await page.locator('[data-draw-empty]').textContent()).toContain('Draw something.');
    await until('the default checkpoints', async () => ((await page.locator('.chosen li').count()) === 3 ? true : false), 20_000);
    await shot(page, 'insight-07-draw-empty');
    const pad = (await page.locator('[data-draw-pad]').boundingBox())!;
    const at = (x: number, y: number) => page.mouse.move(pad.x + pad.width * x, pad.y + pad.height * y, { steps: 8 });
    await at(0.28, 0.22);
    await page.mouse.down();
    await at(0.72, 0.22);
    await at(0.45, 0.85);
    await page.mouse.up();
    await page.locator('[data-probabilities] [data-checkpoint]').nth(2).waitFor();
    expect(await page.locator('[data-draw-empty]').count()).toBe(0);
    await page.locator('[data-draw-saliency] canvas').waitFor();
    const predicted = await page.locator('[data-probabilities] [data-predicted]').allTextContents();
    expect(predicted).toHaveLength(3);
    await page.waitForTimeout(300);
    await shot(page, 'insight-08-draw-a-digit');
    await page.locator('[data-clear]').click();
    await page.locator('[data-draw-empty]').waitFor();
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows parallel coordinates over the runs and brushes an axis', async () => {
    await page.goto(`${base}#/explore`);
    await page.locator('[data-parallel] [data-axis="learningRate"]').waitFor();
    expect(await page.locator('[data-parallel] path[data-line]').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-brushed]').textContent()).toContain('3 of 3 runs');
    const axis = (await page.locator('[data-parallel] [data-axis="learningRate"] rect.hit').boundingBox())!;
    await page.mouse.move(axis.x + axis.width / 2, axis.y + 2);
    await page.mouse.down();
    await page.mouse.move(axis.x + axis.width / 2, axis.y + axis.height * 0.3, { steps: 5 });
    await page.mouse.up();
    await until('the brush', async () => ((await page.locator('[data-brushed]').textContent())?.startsWith('1 of 3') ? true : false), 5_000);
    expect(await page.locator(`[data-run-row="${collapsed.id}"]`).getAttribute('class')).toBe('hot');
    await page.locator('[data-scatter] circle').first().waitFor();
    await shot(page, 'insight-09-parallel-coordinates');
  });

  it('compares two runs epoch by epoch: confusion A, B and A − B, and their health', async () => {
    await page.goto(`${base}#/compare?ids=${healthy.id},${other.id}`);
    const sec = page.locator('[data-compare-insight]');
    await sec.locator('[data-compare-epoch]').waitFor();
    await sec.locator('[data-compare-epoch]').fill('1');
    await sec.getByText('A − B at epoch 2').waitFor();
    await sec.locator('[data-pick]').first().waitFor();
    await page.waitForTimeout(300);
    await shotOf(sec, 'insight-10-compare-timeline');
    expect(pageErrors(page)).toEqual([]);
  });

  it('exports a checkpoint as ONNX from the checkpoint list', async () => {
    await page.goto(`${base}#/runs/${healthy.id}?tab=config`);
    const button = page.locator('[data-onnx]').last();
    await button.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toBe(`run-${healthy.id}-healthy-he-init-epoch-4-iteration-160.onnx`);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`axe finds no WCAG A/AA violation nor heading skip on the insight views (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const views: [string, string, string][] = [
        ['health', `#/runs/${collapsed.id}?tab=health`, '[data-health-panel] canvas'],
        ['timeline', `#/runs/${healthy.id}?tab=timeline`, '[data-scrubber] [data-cell]'],
        ['layers', `#/runs/${healthy.id}?tab=layers&image=3`, '[data-layer-overview] canvas'],
        ['draw', '#/draw', '[data-draw-empty]'],
        ['explore', '#/explore', '[data-parallel] path'],
      ];
      const found: string[] = [];
      for (const [name, hash, ready] of views) {
        await page.goto(`${base}${hash}`);
        await page.locator(ready).first().waitFor();
        await page.waitForTimeout(300);
        for (const v of await axeViolations(page)) found.push(`${name}: ${v}`);
      }
      // the layer view with a unit explained, the timeline with an image's history open
      await page.goto(`${base}#/runs/${healthy.id}?tab=layers&image=3`);
      await page.locator('[data-map="f6"] canvas').click();
      await page.locator('[data-unit-explain]').waitFor();
      for (const v of await axeViolations(page)) found.push(`unit explanation: ${v}`);
      if (scheme === 'dark') await shot(page, 'insight-11-layers-dark');
      expect(found).toEqual([]);
      await page.emulateMedia({ colorScheme: 'light' });
    }, 120_000);
  }

  it('says "not recorded" for a run recorded before these records existed', async () => {
    // What a run from before schema 4 looks like: no health, no timeline rows.
    const db = new Database(join(s.dir, 'wb.sqlite'));
    db.prepare('DELETE FROM epoch_health WHERE run_id = ?').run(other.id);
    db.prepare('DELETE FROM epoch_timeline WHERE run_id = ?').run(other.id);
    db.close();
    await page.goto(`${base}#/runs/${other.id}?tab=health`);
    await page.locator('[data-health-panel] [data-not-recorded]').waitFor();
    await page.goto(`${base}#/runs/${other.id}?tab=timeline`);
    expect(await page.locator('[data-timeline-note]').textContent()).toMatch(/^Not recorded for this run/);
    await page.goto(`${base}#/runs/${other.id}?tab=test`);
    await page.locator('[data-gallery-pick]').first().click();
    await page.locator('[data-gallery-inspector] [data-not-recorded]').waitFor();
    await page.goto(`${base}#/compare?ids=${healthy.id},${other.id}`);
    await page.locator('[data-compare-insight] [data-not-recorded]').waitFor();
    expect(pageErrors(page)).toEqual([]);
  });
});
