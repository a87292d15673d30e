// The packaged app's Electron fuses (package.json "build", electron-builder's config; its
// electronFuses block is flipped into the Electron binary by @electron/fuses at packaging time,
// before signing). Packaging downloads an Electron build, which this machine cannot, so this
// checks the configuration itself, and what the fuses demand of the code: with RunAsNode off,
// nothing the app runs may fork a child Node (process.fork needs ELECTRON_RUN_AS_NODE).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../../scripts/build-if-stale.mjs';

interface BuildConfig {
  files?: string[];
  asar?: boolean;
  electronFuses?: Record<string, boolean>;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; build?: BuildConfig };

// electron-builder's FuseOptionsV1, one per fuse of Electron's fuse wire V1.
const KNOWN_FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('packaging config', () => {
  it('sets every fuse the hardening needs', () => {
    const fuses = pkg.build?.electronFuses;
    expect(fuses).toMatchObject({
      runAsNode: false, // ELECTRON_RUN_AS_NODE cannot turn the app into a bare Node
      enableNodeOptionsEnvironmentVariable: false, // NODE_OPTIONS cannot preload code
      enableNodeCliInspectArguments: false, // --inspect cannot attach a debugger
      enableCookieEncryption: true, // the cookie store on disk is encrypted with the OS keys
      onlyLoadAppFromAsar: true, // the app loads only from app.asar, not a folder planted beside it
      enableEmbeddedAsarIntegrityValidation: true, // and that archive is checked (macOS, Windows)
      grantFileProtocolExtraPrivileges: false, // the renderer comes from app://, file:// needs nothing extra
    });
    for (const key of Object.keys(fuses ?? {})) expect(KNOWN_FUSES, key).toContain(key);
    for (const value of Object.values(fuses ?? {})) expect(typeof value).toBe('boolean');
  });

  it('packs the app into an asar archive that holds the built bundles and the main entry', () => {
    expect(pkg.build?.asar).toBe(true);
    expect(pkg.build?.files).toEqual(expect.arrayContaining(['out/**', 'resources/icons/**', 'package.json']));
    expect(pkg.main.startsWith('out/')).toBe(true);
  });

  it('has no child Node process in what the app runs (RunAsNode is off)', () => {
    const appCode = [...sources(join(ROOT, 'src-main')), ...sources(join(ROOT, 'src-shared'))].filter((f) => !relative(ROOT, f).startsWith(join('src-main', 'cli')));
    const forking = appCode.filter((f) => /node:child_process|\bfork\(/.test(readFileSync(f, 'utf8')));
    expect(forking.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
