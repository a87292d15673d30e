// `npm start`: make sure everything the desktop app needs is there, then launch Electron.
//   1. the Electron binary (Electron 45 downloads it on first use; we run its installer);
//   2. better-sqlite3 built for Electron's ABI, in native/electron-<version>/better_sqlite3.node
//      (built in a staging copy, never in node_modules, whose Node build the tests and the CLI
//      need; the result's ABI is checked, since a build that silently used Node's headers loads
//      nowhere);
//   3. the bundles (electron-vite build, when out/ is older than the sources);
//   4. electron . with WORKBENCH_SQLITE_BINDING naming the binary from step 2, as production:
//      without electron-vite dev's variables (they would load another page and turn DevTools on,
//      src-main/electron/mode.ts) and without ELECTRON_RUN_AS_NODE (a bare Node, not the app).
// When a step fails (typically: no network), one plain paragraph says what failed and points to
// `npm run serve`, and the exit status is 1.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { abiOfFile } from './native-abi.mjs';
import { buildIfStale, ROOT } from './build-if-stale.mjs';

// Where the electron package is (a test points this at a copy to exercise the failure path).
const ELECTRON_PKG = process.env.WORKBENCH_ELECTRON_PACKAGE || join(ROOT, 'node_modules', 'electron');
const SQLITE_PKG = join(ROOT, 'node_modules', 'better-sqlite3');

class StepError extends Error {
  constructor(step, detail) {
    super(detail);
    this.step = step;
  }
}

function log(line) {
  console.log(`[start] ${line}`);
}

/** The child environment without npm's nodedir (it would make node-gyp build against Node's headers). */
function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(k)) delete env[k];
  return env;
}

/** The gist of a tool's output: from its first line naming an Error (else its last lines), stack frames left out. */
function lastLines(text, n = 4) {
  const lines = String(text ?? '')
    .split('\n')
    .map((l) => l.replace(/^gyp ERR!( stack)? ?/, '').replace(/^prebuild-install (warn|ERR!) /, ''))
    .filter((l) => l.trim() && !/^\s*at /.test(l));
  const first = lines.findIndex((l) => /Error/.test(l));
  const picked = first >= 0 ? lines.slice(first, first + n) : lines.slice(-n);
  return picked.join(' ').replace(/\s+/g, ' ').replace(/[.\s]+$/, '').slice(0, 400);
}

function electronVersion() {
  return JSON.parse(readFileSync(join(ELECTRON_PKG, 'package.json'), 'utf8')).version;
}

function electronAbi() {
  return Number(readFileSync(join(ELECTRON_PKG, 'abi_version'), 'utf8').trim());
}

const PLATFORM_BINARY = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ?? 'electron';

function electronBinary() {
  const pathTxt = join(ELECTRON_PKG, 'path.txt');
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : PLATFORM_BINARY;
  // An Electron unpacked elsewhere (same variable as the electron package honours).
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) return existsSync(join(override, rel)) ? join(override, rel) : null;
  if (!existsSync(pathTxt)) return null;
  const bin = join(ELECTRON_PKG, 'dist', rel);
  return existsSync(bin) ? bin : null;
}

function ensureElectron() {
  let bin = electronBinary();
  if (bin) return bin;
  log(`Electron ${electronVersion()} is not downloaded yet; downloading it (once)…`);
  const r = spawnSync(process.execPath, [join(ELECTRON_PKG, 'install.js')], { cwd: ELECTRON_PKG, encoding: 'utf8', env: process.env, timeout: 15 * 60_000 });
  bin = electronBinary();
  if (r.status !== 0 || !bin) {
    throw new StepError('download the Electron binary', lastLines(r.stderr || r.stdout || r.error?.message) || `installer exit ${r.status}`);
  }
  return bin;
}

function nodeGypScript() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

function ensureElectronSqlite(version, abi) {
  const dir = join(ROOT, 'native', `electron-${version}`);
  const target = join(dir, 'better_sqlite3.node');
  if (existsSync(target) && abiOfFile(target) === abi) return target;
  log(`Building better-sqlite3 for Electron ${version} (ABI ${abi}) in a staging folder…`);
  const staging = join(ROOT, 'native', `.staging-${version}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(staging), { recursive: true });
  // Everything but build/: the Node build in node_modules stays untouched.
  cpSync(SQLITE_PKG, staging, { recursive: true, filter: (src) => src !== join(SQLITE_PKG, 'build') });
  const built = join(staging, 'build', 'Release', 'better_sqlite3.node');
  const attempts = [];
  try {
    const arch = process.env.npm_config_arch || process.arch;
    const prebuild = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'prebuild-install', 'bin.js'), '--runtime', 'electron', '--target', version, '--arch', arch, '--platform', process.platform], {
      cwd: staging,
      encoding: 'utf8',
      env: cleanEnv(),
      timeout: 5 * 60_000,
    });
    if (prebuild.status !== 0 || !existsSync(built)) {
      attempts.push(`prebuild-install: ${lastLines(prebuild.stderr || prebuild.stdout || prebuild.error?.message, 2) || `exit ${prebuild.status}`}`);
      const gyp = nodeGypScript();
      if (!gyp) throw new StepError('build better-sqlite3 for Electron', `${attempts.join('; ')}; node-gyp was not found next to npm`);
      const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers', `--arch=${arch}`], {
        cwd: staging,
        encoding: 'utf8',
        env: cleanEnv(),
        timeout: 20 * 60_000,
      });
      if (r.status !== 0 || !existsSync(built)) {
        attempts.push(`node-gyp: ${lastLines(r.stderr || r.stdout || r.error?.message, 2) || `exit ${r.status}`}`);
        throw new StepError('build better-sqlite3 for Electron', attempts.join('; '));
      }
    }
    const got = abiOfFile(built);
    if (got !== abi) throw new StepError('build better-sqlite3 for Electron', `the build targets ABI ${got}, but Electron ${version} needs ABI ${abi} (were Node's headers used?)`);
    mkdirSync(dir, { recursive: true });
    renameSync(built, target);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function fail(step, detail) {
  const paragraph =
    `npm start could not ${step}: ${detail}. The desktop app needs the Electron binary and an Electron build of better-sqlite3, ` +
    'and both come from the network on first start; this machine could not get them. Everything else works without them: ' +
    'run `npm run serve` and open the URL it prints in a browser for the same workbench (same runs, same database), ' +
    'or `npm run train -- --help` for the terminal trainer. When the network is back (or a proxy is set, e.g. ' +
    'ELECTRON_MIRROR or HTTPS_PROXY), run `npm start` again.';
  console.error(`\n${paragraph}\n`);
  process.exit(1);
}

/** Variables removed from Electron's environment so that `npm start` always runs the production app. */
const PRODUCTION_UNSET = ['ELECTRON_RENDERER_URL', 'NODE_ENV_ELECTRON_VITE', 'ELECTRON_RUN_AS_NODE'];

function main() {
  let bin;
  let binding;
  try {
    bin = ensureElectron();
    binding = ensureElectronSqlite(electronVersion(), electronAbi());
  } catch (err) {
    if (err instanceof StepError) fail(err.step, err.message);
    fail('prepare the desktop app', err instanceof Error ? err.message : String(err));
  }
  try {
    buildIfStale({ log });
  } catch (err) {
    fail('build the app bundles', lastLines(err instanceof Error ? err.message : String(err), 4));
  }
  log(`Launching Electron (${bin})…`);
  const env = { ...process.env, WORKBENCH_SQLITE_BINDING: binding };
  for (const k of PRODUCTION_UNSET) delete env[k];
  const child = spawn(bin, [ROOT, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => fail('launch Electron', err.message));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
