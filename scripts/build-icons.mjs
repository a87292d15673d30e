// Renders resources/icon.svg to the PNG sizes an app icon needs (resources/icons/icon-<n>.png),
// with the Chromium the end-to-end tests drive (playwright-core; CHROMIUM_PATH or /usr/bin/chromium),
// so no image tool beyond the project's own dependencies is needed. Run after editing the SVG:
//   node scripts/build-icons.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ICON_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];

const svg = readFileSync(join(ROOT, 'resources', 'icon.svg'), 'utf8');
const out = join(ROOT, 'resources', 'icons');
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  for (const size of ICON_SIZES) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`);
    await page.screenshot({ path: join(out, `icon-${size}.png`), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    console.log(`resources/icons/icon-${size}.png`);
  }
} finally {
  await browser.close();
}
