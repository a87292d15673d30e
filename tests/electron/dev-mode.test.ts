// Development mode is `npm run dev` only: electron-vite dev sets NODE_ENV_ELECTRON_VITE and
// ELECTRON_RENDERER_URL, and then (and only then, and never packaged) the window loads the Vite
// dev server, DevTools are on and the CSP header is left to the page (Vite's client needs more).
// The built main bundle under the electron stand-in in that environment, plus the decision itself
// for every other environment. Production is main-bundle.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHOD_NAMES } from '../../src-shared/contract';
import { methodChannel } from '../../src-shared/wire';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { devServerUrlOf } from '../../src-main/electron/mode';
import { electronStub, loadMainBundle, type ElectronStub, type MenuItem, type StubState } from '../support/electron-harness';

const DEV_URL = 'http://localhost:5173';
let electron: ElectronStub;
let state: StubState;
let userData: string;

function flatten(items: MenuItem[]): MenuItem[] {
  return items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);
}

beforeAll(async () => {
  buildIfStale();
  electron = await electronStub();
  state = electron.stub.state;
  userData = mkdtempSync(join(tmpdir(), 'wb-electron-dev-'));
  state.paths.userData = userData;
  state.appPath = ROOT;
  delete process.env.LENET_WORKBENCH_DB;
  process.env.NODE_ENV_ELECTRON_VITE = 'development';
  process.env.ELECTRON_RENDERER_URL = DEV_URL;
  await loadMainBundle();
  for (let i = 0; i < 400 && state.handlers.size < METHOD_NAMES.length; i++) await new Promise((r) => setTimeout(r, 25));
});

afterAll(async () => {
  if (!state?.quitted) electron?.app.quit();
  for (let i = 0; i < 400 && !state?.quitted; i++) await new Promise((r) => setTimeout(r, 25));
  rmSync(userData, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it('loads the dev server with DevTools, no CSP header, and trusts IPC from the dev origin', async () => {
    const win = state.windows[0];
    expect(win.webContents.mainFrame.url).toBe(DEV_URL);
    expect(win.options.webPreferences?.devTools).toBe(true);
    expect(flatten(state.applicationMenu?.template ?? []).some((i) => i.role === 'toggleDevTools')).toBe(true);
    expect(state.session.headersReceived).toBeNull();
    expect(state.session.permissionRequestHandler).toBeTypeOf('function'); // permissions stay denied
    const handler = state.handlers.get(methodChannel('listPresets'))!;
    win.webContents.mainFrame.url = `${DEV_URL}/#/runs`;
    expect(await handler({ senderFrame: win.webContents.mainFrame })).toMatchObject({ ok: true });
  });
});

describe('the development-mode decision', () => {
  it('is development only with both of electron-vite dev’s variables, a local http URL, and not packaged', () => {
    const dev = { NODE_ENV_ELECTRON_VITE: 'development', ELECTRON_RENDERER_URL: DEV_URL };
    expect(devServerUrlOf(dev, false)).toBe(DEV_URL);
    expect(devServerUrlOf({ ...dev, ELECTRON_RENDERER_URL: 'http://127.0.0.1:5174/' }, false)).toBe('http://127.0.0.1:5174/');
    expect(devServerUrlOf(dev, true)).toBeUndefined(); // a packaged app is production, whatever the environment
    expect(devServerUrlOf({ ELECTRON_RENDERER_URL: DEV_URL }, false)).toBeUndefined(); // a stray variable
    expect(devServerUrlOf({ NODE_ENV_ELECTRON_VITE: 'production', ELECTRON_RENDERER_URL: DEV_URL }, false)).toBeUndefined();
    expect(devServerUrlOf({ NODE_ENV_ELECTRON_VITE: 'development' }, false)).toBeUndefined();
    for (const url of ['https://evil.example/', 'http://evil.example:5173/', 'file:///etc/passwd', 'app://workbench/index.html', 'not a url', '']) {
      expect(devServerUrlOf({ ...dev, ELECTRON_RENDERER_URL: url }, false), url).toBeUndefined();
    }
  });
});
