// `npm start`'s preparation steps: the ABI reader that guards the Electron build of
// better-sqlite3, the offline failure path (one plain paragraph pointing to `npm run serve`,
// exit 1, the Node build of better-sqlite3 untouched), and the launch itself (a stand-in Electron
// binary records what it was given): production, whatever the caller's environment holds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { abiOfBytes, abiOfFile } from '../../scripts/native-abi.mjs';
import { ROOT } from '../../scripts/build-if-stale.mjs';

const require = createRequire(import.meta.url);
const nodeBuild = join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');

describe('native ABI reader', () => {
  it('reads the ABI of the installed Node build of better-sqlite3 as this Node’s', () => {
    expect(abiOfFile(nodeBuild)).toBe(Number(process.versions.modules));
    expect(require(nodeBuild)).toBeTruthy();
  });

  it('finds the marker anywhere and answers null without one', () => {
    expect(abiOfBytes(Buffer.from('xx node_register_module_v150\0yy'))).toBe(150);
    expect(abiOfBytes(Buffer.from('node_register_module_v node_register_module_v3'))).toBe(3);
    expect(abiOfBytes(Buffer.from('napi_register_module_v1'))).toBeNull();
    expect(abiOfBytes(Buffer.alloc(0))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = abiOfBytes(Buffer.from(bytes));
        expect(r === null || Number.isInteger(r)).toBe(true);
      }),
    );
  });
});

describe('npm start without network', () => {
  it('says in one paragraph what failed, points to npm run serve, exits 1, leaves node_modules alone', () => {
    // A copy of the electron package without its binary, and a mirror that refuses connections:
    // the download fails the same way on every machine, online or not.
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'test-output', 'electron-pkg-'));
    const cache = mkdtempSync(join(ROOT, 'test-output', 'electron-cache-'));
    try {
      for (const f of ['package.json', 'abi_version', 'install.js', 'checksums.json']) copyFileSync(join(ROOT, 'node_modules/electron', f), join(dir, f));
      const before = statSync(nodeBuild).mtimeMs;
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, WORKBENCH_ELECTRON_PACKAGE: dir, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: cache },
      });
      expect(r.status).toBe(1);
      const paragraphs = r.stderr.trim().split(/\n\s*\n/);
      expect(paragraphs).toHaveLength(1);
      expect(paragraphs[0]).not.toContain('\n');
      expect(paragraphs[0]).toMatch(/^npm start could not download the Electron binary: /);
      expect(paragraphs[0]).toContain('npm run serve');
      expect(paragraphs[0]).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames
      expect(statSync(nodeBuild).mtimeMs).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('npm start launching Electron', () => {
  it('runs the app in production: electron-vite dev’s variables and ELECTRON_RUN_AS_NODE removed, the Electron sqlite binding named', () => {
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    const pkg = mkdtempSync(join(ROOT, 'test-output', 'electron-pkg-'));
    const dist = mkdtempSync(join(ROOT, 'test-output', 'electron-dist-'));
    // A version of its own, so the Electron build of better-sqlite3 it looks for is ours to fake.
    const version = `0.0.0-wbtest-${process.pid}`;
    const native = join(ROOT, 'native', `electron-${version}`);
    try {
      for (const f of ['abi_version', 'install.js', 'checksums.json']) copyFileSync(join(ROOT, 'node_modules/electron', f), join(pkg, f));
      const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, version }));
      writeFileSync(join(pkg, 'path.txt'), 'electron');
      const abi = readFileSync(join(pkg, 'abi_version'), 'utf8').trim();
      mkdirSync(native, { recursive: true });
      writeFileSync(join(native, 'better_sqlite3.node'), `\0node_register_module_v${abi}\0`);
      const out = join(dist, 'seen');
      writeFileSync(join(dist, 'electron'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${out}.args'\nenv > '${out}.env'\n`);
      chmodSync(join(dist, 'electron'), 0o755);

      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 300_000,
        env: {
          ...process.env,
          WORKBENCH_ELECTRON_PACKAGE: pkg,
          ELECTRON_OVERRIDE_DIST_PATH: dist,
          ELECTRON_RENDERER_URL: 'http://127.0.0.1:9/',
          NODE_ENV_ELECTRON_VITE: 'development',
          ELECTRON_RUN_AS_NODE: '1',
        },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(`${out}.args`, 'utf8').trim().split('\n')).toEqual([ROOT]);
      const env = new Map(
        readFileSync(`${out}.env`, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env.get('WORKBENCH_SQLITE_BINDING')).toBe(join(native, 'better_sqlite3.node'));
      for (const k of ['ELECTRON_RENDERER_URL', 'NODE_ENV_ELECTRON_VITE', 'ELECTRON_RUN_AS_NODE']) expect(env.has(k), k).toBe(false);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
      rmSync(dist, { recursive: true, force: true });
      rmSync(native, { recursive: true, force: true });
    }
  }, 320_000);
});
