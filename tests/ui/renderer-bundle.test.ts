// The production renderer is minified (it once shipped comments and source markers: 205 KB gzip
// where a minified build was ≈ 140 KB) and split per view, and carries the app icon from resources/ as its favicon.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';

const pngSize = (file: string) => {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
};

describe('production renderer', () => {
  it('is minified', () => {
    buildIfStale();
    const dir = join(ROOT, 'out', 'renderer', 'assets');
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
    let gz = 0;
    for (const f of js) {
      const text = readFileSync(join(dir, f), 'utf8');
      gz += gzipSync(text).length;
      const lines = text.split('\n');
      // minified code is a few very long lines, without indentation or block comments
      expect(lines.filter((l) => /^\s{2,}\S/.test(l)).length, f).toBeLessThan(5);
      expect(text.length / lines.length, f).toBeGreaterThan(500);
    }
    // Every view is its own chunk, loaded when opened: what the app downloads at start (the entry
    // and its preloaded imports) stays small however many views there are.
    const html = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    const initial = [...html.matchAll(/<(?:script type="module"[^>]*src|link rel="modulepreload"[^>]*href)="\.\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
    expect(initial.length).toBeGreaterThan(0);
    const initialGz = initial.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0);
    expect(initialGz).toBeLessThan(100 * 1024);
    expect(gz).toBeGreaterThan(initialGz);
  }, 120_000);

  it('links the app icon as its favicon, and the icon has its PNG sizes', () => {
    buildIfStale();
    const html = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(html)?.[1];
    expect(href).toBeDefined();
    if (!href!.startsWith('data:')) expect(readFileSync(join(ROOT, 'out', 'renderer', href!), 'utf8')).toContain('<svg');
    for (const n of [16, 32, 48, 64, 128, 256, 512, 1024]) expect(pngSize(join(ROOT, 'resources', 'icons', `icon-${n}.png`))).toEqual([n, n]);
  }, 120_000);
});
