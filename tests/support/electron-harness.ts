// Loads the built bundles under Node with the electron stand-in, bypassing Vitest's module runner
// so what runs is exactly the bundle Electron would run.
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFunction, constants } from 'node:vm';
import { ROOT } from '../../scripts/build-if-stale.mjs';

/**
 * A real (native) dynamic import, which Vitest does not rewrite: compiled by vm with Node's own
 * loader as its import callback, so the module-resolution hook below applies.
 */
const nativeImport = compileFunction('return import(url)', ['url'], {
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
}) as (url: string) => Promise<unknown>;

export interface StubFrame {
  url: string;
}
export interface StubWebContents {
  mainFrame: StubFrame;
  sent: { channel: string; args: unknown[] }[];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}
export interface StubWindow {
  options: { show?: boolean; icon?: string; webPreferences?: Record<string, unknown> };
  webContents: StubWebContents;
  shown: boolean;
}
export interface StubState {
  paths: Record<string, string>;
  appPath: string;
  lock: boolean;
  windows: StubWindow[];
  handlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>;
  applicationMenu: { template: MenuItem[] } | null;
  openedExternal: string[];
  sandboxEnabled: boolean;
  quitCalls: number;
  quitted: boolean;
  exitCode: number | null;
  session: {
    permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null;
    permissionCheckHandler: ((...args: unknown[]) => boolean) | null;
    headersReceived: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | null;
  };
  ready: boolean;
  privilegedSchemes: { schemes: { scheme: string; privileges: Record<string, boolean> }[]; beforeReady: boolean }[];
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  exposed: Map<string, Record<string, unknown>>;
  invoked: { channel: string; args: unknown[] }[];
  invokeHandler: (channel: string, ...args: unknown[]) => Promise<unknown>;
}
export interface MenuItem {
  label?: string;
  role?: string;
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItem[];
}
export interface ElectronStub {
  app: { quit(): void; emit(event: string, ...args: unknown[]): boolean };
  ipcRenderer: { emitFromMain(channel: string, payload: unknown): void; listenerCount(channel: string): number };
  stub: { state: StubState; WebFrameMain: new (url: string) => StubFrame };
}

let registered = false;

/** Installs the resolve hook (once per process) and returns the stub module Node will hand out. */
export async function electronStub(): Promise<ElectronStub> {
  if (!registered) {
    register(pathToFileURL(join(ROOT, 'tests/support/electron-hook.mjs')).href);
    registered = true;
  }
  return (await nativeImport('electron')) as ElectronStub;
}

/** Imports out/main/index.js natively (its `import 'electron'` gets the stub). */
export async function loadMainBundle(): Promise<void> {
  await nativeImport(pathToFileURL(join(ROOT, 'out/main/index.js')).href);
}

/** Runs out/preload/index.cjs as the sandbox would: CommonJS with a `require` that knows only 'electron'. */
export function loadPreloadBundle(electron: unknown): { required: string[] } {
  const code = readFileSync(join(ROOT, 'out/preload/index.cjs'), 'utf8');
  const required: string[] = [];
  const require = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`The sandboxed preload may not require "${id}".`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return { required };
}
