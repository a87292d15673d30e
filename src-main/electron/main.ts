// The Electron main process: one workbench (store, run supervisor, API) created once, bound to
// IPC by the generic loop in ./ipc, and one secure window. Bundled as ESM to out/main/index.js
// (package.json is "type": "module"; Electron 45 loads ESM mains); the preload is CommonJS.
//
//   single-instance lock → a second launch focuses the first window
//   database             → <userData>/workbench.sqlite (Linux: ~/.config/lenet-workbench/),
//                          or $LENET_WORKBENCH_DB, like the CLI and the web host
//   quit                 → workbench.close(): running runs stop with a checkpoint (status
//                          stopped, resumable), then the app exits
//   renderer             → app://workbench/index.html, served from out/renderer by ./protocol
//                          (never file://); in `npm run dev` only, the Vite dev server
//   production           → everywhere but `npm run dev`: no DevTools, the CSP header on
import { app, BrowserWindow, ipcMain, Menu, protocol, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The app icon from the top-level resources/ folder (its SVG source rendered by scripts/build-icons.mjs):
// the window's icon in the task bar and the window switcher. resources/ is electron-vite's public
// folder for the main process, so the import is its path beside out/ (packaged: inside app.asar,
// package.json's build.files carries resources/icons).
import iconPath from '../../resources/icons/icon-512.png?asset';
import { createWorkbench } from '../api/workbench';
import { DB_ENV } from '../store/index';
import { eventChannel, type NavigationView } from '../../src-shared/wire';
import { bindIpc, forwardEvents } from './ipc';
import { menuTemplate } from './menu';
import { electronSqliteBinding } from './native';
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, handleAppScheme } from './protocol';
import { devServerUrlOf } from './mode';
import { hardenContents, hardenSession, rendererUrlMatcher, secureWebPreferences } from './security';

const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererDir = join(here, '../renderer');
const devServerUrl = devServerUrlOf(process.env, app.isPackaged);
const isDev = devServerUrl !== undefined;
const isOurUrl = rendererUrlMatcher(devServerUrl);
const windows = new Set<BrowserWindow>();

// Before the app is ready, or Electron refuses it.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'LeNet Workbench',
    icon: iconPath,
    backgroundColor: '#1e1e1e',
    webPreferences: secureWebPreferences(preloadPath, isDev),
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devServerUrl ?? APP_INDEX_URL);
  return win;
}

function navigate(view: NavigationView): void {
  const win = BrowserWindow.getFocusedWindow() ?? [...windows][0] ?? createWindow();
  win.webContents.send(eventChannel('navigate'), { view });
}

async function start(): Promise<void> {
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const win = [...windows][0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  await app.whenReady();
  hardenSession(session.defaultSession, isDev);
  await handleAppScheme(protocol, rendererDir);
  const dbPath = process.env[DB_ENV] || join(app.getPath('userData'), 'workbench.sqlite');
  const nativeBinding = electronSqliteBinding(app.getAppPath());
  const workbench = createWorkbench({ dbPath, ...(nativeBinding ? { nativeBinding } : {}) });

  bindIpc(ipcMain, workbench.api, { windows: () => windows, isOurUrl });
  forwardEvents(workbench.events, () => windows);
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', isDev, appName: app.name, navigate })));

  // Quit: hold the exit until the workbench has stopped its runs with a checkpoint.
  let quitState: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (quitState === 'closed') return;
    event.preventDefault();
    if (quitState === 'closing') return;
    quitState = 'closing';
    workbench
      .close()
      .catch((err: unknown) => console.error('Closing the workbench failed:', err))
      .finally(() => {
        quitState = 'closed';
        app.quit();
      });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  createWindow();
}

start().catch((err: unknown) => {
  console.error('LeNet Workbench could not start:', err);
  app.exit(1);
});
