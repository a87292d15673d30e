// The built Electron main (out/main/index.js) loaded under Node with the electron stand-in, over
// the real workbench on a temp database: secure window, hardened session and contents, menu,
// every contract method on IPC with the sender check and the parsers, events forwarded, and
// quitting stopping a running run with a checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { METHOD_NAMES, type RunRow } from '../../src-shared/contract';
import { eventChannel, methodChannel } from '../../src-shared/wire';
import { buildIfStale, ROOT } from '../../scripts/build-if-stale.mjs';
import { createWorkbench } from '../../src-main/api/workbench';
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
  await loadMainBundle();
  win = await until('the window', () => state.windows[0]);
  await until('IPC handlers', () => state.handlers.size >= METHOD_NAMES.length);
});

afterAll(() => {
  if (!state?.quitted) electron?.app.quit();
  rmSync(userData, { recursive: true, force: true });
});

describe('Electron main bundle', () => {
  it('opens one window with the secure options, shown on ready-to-show, from out/renderer', async () => {
    expect(state.windows).toHaveLength(1);
    const prefs = win.options.webPreferences ?? {};
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
    expect(prefs.preload).toBe(join(ROOT, 'out/preload/index.cjs'));
    expect(existsSync(prefs.preload as string)).toBe(true);
    expect(win.options.show).toBe(false);
    await until('show', () => win.shown);
    expect(win.webContents.mainFrame.url).toBe(pathToFileURL(join(ROOT, 'out/renderer/index.html')).href);
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
    state.session.headersReceived?.({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toMatch(/default-src 'self'; script-src 'self'/);
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
    return until('external opens', () => state.openedExternal.length >= 3).then(() => {
      expect(state.openedExternal).toEqual(['https://example.com/docs', 'http://example.com/', 'https://example.org/']);
    });
  });

  it('has the application menu with the usual shortcuts, sending navigation to the renderer', () => {
    const items = flatten(state.applicationMenu?.template ?? []);
    const byLabel = (l: string) => items.find((i) => i.label === l);
    expect(byLabel('New Run…')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byLabel('Runs')?.accelerator).toBe('CmdOrCtrl+1');
    expect(byLabel('Compare')?.accelerator).toBe('CmdOrCtrl+2');
    expect(items.find((i) => i.role === 'reload')?.accelerator).toBe('CmdOrCtrl+R');
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(true); // not packaged = development
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
      win.webContents.mainFrame.url = pathToFileURL(join(ROOT, 'out/renderer/other.html')).href;
      expect((await call('listRuns', {})).ok).toBe(false);
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
