// The built Electron main (out/main/index.js) loaded under Node with the electron stand-in, over
// the real workbench on a temp database, as `npm start` runs it (production, even with a stray
// ELECTRON_RENDERER_URL in the environment): secure window without DevTools, the renderer from
// the privileged app:// scheme with the CSP header, hardened session and contents (navigation of
// the window and of frames, new windows), menu, every contract method on IPC with the sender
// check and the parsers, events forwarded, and quitting stopping a running run with a checkpoint.
// Development mode (`npm run dev`) is in dev-mode.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { METHOD_NAMES, type RunRow } from '../../src-shared/contract';
import { eventChannel, methodChannel } from '../../src-shared/wire';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench } from '../../src-main/api/workbench';
import { RENDERER_CSP, RENDERER_META_CSP } from '../../src-main/web/csp';
import { electronStub, loadMainBundle, type ElectronStub, type MenuItem, type StubState, type StubWindow } from '../support/electron-harness';

let electron: ElectronStub;
let state: StubState;
let win: StubWindow;
let userData: string;

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Calls a contract method as the renderer's main frame would (or as `frame` if given). */
function call(name: string, params?: unknown, frame: unknown = win.webContents.mainFrame) {
  const handler = state.handlers.get(methodChannel(name as (typeof METHOD_NAMES)[number]));
  if (!handler) throw new Error(`no handler for ${name}`);
  return handler({ senderFrame: frame }, params) as Promise<{ ok: boolean; value?: unknown; error?: string }>;
}

function flatten(items: MenuItem[]): MenuItem[] {
  return items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);
}

beforeAll(async () => {
  buildIfStale();
  electron = await electronStub();
  state = electron.stub.state;
  userData = mkdtempSync(join(tmpdir(), 'wb-electron-'));
  state.paths.userData = userData;
  state.appPath = ROOT;
  delete process.env.LENET_WORKBENCH_DB;
  // A leftover in the user's shell must not switch the app to a page of its choosing.
  process.env.ELECTRON_RENDERER_URL = 'http://127.0.0.1:9/';
  delete process.env.NODE_ENV_ELECTRON_VITE;
  await loadMainBundle();
  win = await until('the window', () => state.windows[0]);
  await until('IPC handlers', () => state.handlers.size >= METHOD_NAMES.length);
});

afterAll(() => {
  if (!state?.quitted) electron?.app.quit();
  rmSync(userData, { recursive: true, force: true });
});

describe('Electron main bundle', () => {
  it('opens one window with the secure options and no DevTools, shown on ready-to-show, from app://workbench', async () => {
    expect(state.windows).toHaveLength(1);
    const prefs = win.options.webPreferences ?? {};
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, devTools: false });
    expect(prefs.preload).toBe(join(ROOT, 'out/preload/index.cjs'));
    expect(existsSync(prefs.preload as string)).toBe(true);
    expect(win.options.show).toBe(false);
    await until('show', () => win.shown);
    // The app icon from resources/ (packaged too: package.json's build.files carries it).
    const icon = win.options.icon ?? '';
    expect(icon).toBe(join(ROOT, 'resources/icons/icon-512.png'));
    const png = readFileSync(icon);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    expect(win.webContents.mainFrame.url).toBe('app://workbench/index.html');
    expect(state.sandboxEnabled).toBe(true);
    expect(existsSync(join(userData, 'workbench.sqlite'))).toBe(true);
  });

  it('denies permissions, adds the CSP header, and denies navigation and new windows', () => {
    const answers: boolean[] = [];
    state.session.permissionRequestHandler?.({}, 'media', (g) => answers.push(g));
    state.session.permissionRequestHandler?.({}, 'notifications', (g) => answers.push(g));
    expect(answers).toEqual([false, false]);
    expect(state.session.permissionCheckHandler?.({}, 'media')).toBe(false);
    let headers: Record<string, string[]> = {};
    expect(state.session.headersReceived).toBeTypeOf('function');
    state.session.headersReceived?.({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([RENDERER_CSP]);
    expect(RENDERER_CSP).toMatch(/object-src 'none'; base-uri 'none'; form-action 'none'/);
    expect(headers['X-Other']).toEqual(['1']);

    const open = win.webContents.windowOpenHandler;
    expect(open).toBeTypeOf('function');
    state.openedExternal.length = 0;
    for (const url of ['https://example.com/docs', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.com/', 'smb://host/share', 'not a url']) {
      expect(open!({ url }), url).toEqual({ action: 'deny' });
    }
    let prevented = 0;
    win.webContents.emit('will-navigate', { preventDefault: () => prevented++ }, 'https://example.org/');
    win.webContents.emit('will-navigate', { preventDefault: () => prevented++ }, 'file:///etc/passwd');
    win.webContents.emit('will-attach-webview', { preventDefault: () => prevented++ });
    expect(prevented).toBe(3);
    // Frames too: an iframe (or the window itself) sent anywhere is stopped, and nothing opens.
    for (const [url, isMainFrame] of [
      ['https://example.org/', false],
      ['file:///etc/passwd', false],
      ['app://workbench/index.html', false],
      ['https://example.org/', true],
    ] as const) {
      let stopped = false;
      win.webContents.emit('will-frame-navigate', { url, isMainFrame, preventDefault: () => (stopped = true) });
      expect(stopped, `${url} ${isMainFrame}`).toBe(true);
    }
    return until('external opens', () => state.openedExternal.length >= 3).then(() => {
      expect(state.openedExternal).toEqual(['https://example.com/docs', 'http://example.com/', 'https://example.org/']);
    });
  });

  it('serves the renderer from the app:// scheme, registered as privileged before ready, with the CSP header', async () => {
    expect(state.privilegedSchemes).toEqual([{ schemes: [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }], beforeReady: true }]);
    const handler = state.protocolHandlers.get('app');
    expect(handler).toBeTypeOf('function');
    const get = (url: string, method = 'GET') => handler!(new Request(url, { method }));

    const page = await get('app://workbench/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    const html = await page.text();
    expect(html).toBe(readFileSync(join(ROOT, 'out/renderer/index.html'), 'utf8'));
    // The page's meta tag says the same as the header (less frame-ancestors, which a meta tag cannot hold).
    expect(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]).toBe(RENDERER_META_CSP);

    const script = readdirSync(join(ROOT, 'out/renderer/assets')).find((f) => f.endsWith('.js'));
    const asset = await get(`app://workbench/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('content-security-policy')).toBeNull();

    for (const url of ['app://workbench/%2e%2e/main/index.js', 'app://workbench/..%2fmain%2findex.js', 'app://workbench/assets/..%2f..%2fmain/index.js', 'app://workbench/%2e%2e/%2e%2e/package.json', 'app://workbench/nope.html', 'app://other/index.html', 'app://workbench/..%5cmain%5cindex.js']) {
      const r = await get(url);
      expect([400, 404], url).toContain(r.status);
      expect(await r.text(), url).not.toContain('import');
    }
    expect((await get('app://workbench/index.html', 'POST')).status).toBe(405);
  });

  it('has the application menu with the usual shortcuts, sending navigation to the renderer', () => {
    const items = flatten(state.applicationMenu?.template ?? []);
    const byLabel = (l: string) => items.find((i) => i.label === l);
    expect(byLabel('New Run…')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byLabel('Runs')?.accelerator).toBe('CmdOrCtrl+1');
    expect(byLabel('Compare')?.accelerator).toBe('CmdOrCtrl+2');
    expect(items.find((i) => i.role === 'reload')?.accelerator).toBe('CmdOrCtrl+R');
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(false); // production
    expect(items.some((i) => i.role === 'quit')).toBe(true);
    win.webContents.sent.length = 0;
    byLabel('New Run…')!.click!();
    byLabel('Runs')!.click!();
    byLabel('Compare')!.click!();
    expect(win.webContents.sent).toEqual([
      { channel: eventChannel('navigate'), args: [{ view: 'new-run' }] },
      { channel: eventChannel('navigate'), args: [{ view: 'runs' }] },
      { channel: eventChannel('navigate'), args: [{ view: 'compare' }] },
    ]);
  });

  it('registers exactly one IPC handler per contract method', () => {
    expect([...state.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(methodChannel).sort());
  });

  it('refuses calls from any frame but our window’s main frame showing our page', async () => {
    const foreign = new electron.stub.WebFrameMain(win.webContents.mainFrame.url);
    for (const frame of [foreign, null, { url: win.webContents.mainFrame.url }]) {
      const r = await call('listRuns', {}, frame);
      expect(r).toEqual({ ok: false, error: expect.stringMatching(/^Refused: listRuns was called from a frame that is not the workbench window/) });
    }
    const url = win.webContents.mainFrame.url;
    try {
      win.webContents.mainFrame.url = 'https://evil.example/';
      expect((await call('listRuns', {})).ok).toBe(false);
      for (const other of ['app://workbench/other.html', 'app://evil/index.html', pathToFileURL(join(ROOT, 'out/renderer/index.html')).href, 'http://127.0.0.1:9/']) {
        win.webContents.mainFrame.url = other;
        expect((await call('listRuns', {})).ok, other).toBe(false);
      }
    } finally {
      win.webContents.mainFrame.url = url;
    }
    const ok = await call('listRuns', {});
    expect(ok).toEqual({ ok: true, value: { rows: [], total: 0 } });
  });

  it('refuses bad arguments with the parser’s message and changes nothing', async () => {
    expect(await call('getRun', { id: 'x' })).toEqual({ ok: false, error: 'id must be a whole number.' });
    expect(await call('createRun', { config: { epochs: 0 } })).toEqual({ ok: false, error: expect.stringMatching(/^Invalid run config: Epochs must be between 1/) });
    expect(await call('createRun', { config: {}, extra: 1 })).toEqual({ ok: false, error: expect.stringMatching(/Unknown parameter "extra"/) });
    expect(await call('listPresets', [1])).toEqual({ ok: false, error: 'params must be an object.' });
    expect(await call('getRun', { id: 999 })).toMatchObject({ ok: false });
    expect(await call('listRuns', {})).toEqual({ ok: true, value: { rows: [], total: 0 } });
  });

  it('quitting stops a running run with a checkpoint (stopped, resumable) before the app exits', async () => {
    win.webContents.sent.length = 0;
    const created = await call('createRun', { config: { epochs: 200, trainSubset: 1000, validationSize: 200, trainEvalSize: 200, batchSize: 50 }, name: 'quit test' });
    expect(created.ok).toBe(true);
    const id = (created.value as RunRow).id;
    await until('the run to run', async () => ((await call('getRun', { id })).value as RunRow).status === 'running', 30_000);
    await until('forwarded events', () => win.webContents.sent.some((m) => m.channel === eventChannel('runStatus')));
    expect(win.webContents.sent.some((m) => m.channel === eventChannel('runChanged'))).toBe(true);

    electron.app.quit();
    expect(state.quitted).toBe(false); // held until the workbench has closed
    await until('the app to quit', () => state.quitted, 30_000);

    const after = createWorkbench({ dbPath: join(userData, 'workbench.sqlite'), autoStart: false });
    try {
      const run = await after.api.getRun({ id });
      expect(run.status).toBe('stopped');
      const checkpoints = await after.api.listCheckpoints({ runId: id });
      expect(checkpoints.length).toBeGreaterThan(0);
      expect(checkpoints.at(-1)!.iteration).toBe(run.iteration);
    } finally {
      await after.close();
    }
  });
});
