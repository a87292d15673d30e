// Runs `electron-vite build` only when out/ is older than its sources. Used by `npm start`,
// `npm run serve` and the tests that load the built bundles. A lock folder keeps two processes
// (for example two test files running at once) from building into out/ at the same time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'out', '.build-stamp');
const LOCK = join(ROOT, 'out', '.build-lock');
const INPUTS = ['src-main', 'src-shared', 'src-renderer', 'resources', 'electron.vite.config.ts', 'package.json'];
const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];

function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when a bundle is missing or any source is newer than the last successful build. */
export function isStale(root = ROOT) {
  let stamp;
  try {
    stamp = statSync(join(root, 'out', '.build-stamp')).mtimeMs;
  } catch {
    return true;
  }
  for (const out of OUTPUTS) {
    try {
      statSync(join(root, out));
    } catch {
      return true;
    }
  }
  return INPUTS.some((p) => newestMtime(join(root, p)) > stamp);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds if stale. Returns { built: boolean, ms }. Throws with the build's output on failure.
 * `log` receives one line when a build starts.
 */
export function buildIfStale({ log = () => {}, force = false } = {}) {
  const t0 = Date.now();
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  // Take the lock (mkdir is atomic); a lock older than 2 minutes is a leftover from a crash.
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        /* the lock went away meanwhile */
      }
      sleep(200);
    }
  }
  try {
    if (!force && !isStale()) return { built: false, ms: Date.now() - t0 };
    log('Building the app (electron-vite build)…');
    const started = Date.now();
    const bin = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    const r = spawnSync(process.execPath, [bin, 'build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) {
      throw new Error(`electron-vite build failed (exit ${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trimEnd());
    }
    // The stamp carries the time the build started, so a source saved during the build counts as newer.
    writeFileSync(STAMP, new Date(started).toISOString() + '\n');
    utimesSync(STAMP, started / 1000, started / 1000);
    return { built: true, ms: Date.now() - t0 };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = buildIfStale({ log: (m) => console.log(m), force: process.argv.includes('--force') });
  console.log(r.built ? `Built in ${r.ms} ms.` : 'out/ is up to date.');
}
