// A stand-in for the `electron` module, for loading the built bundles (out/main, out/preload)
// under plain Node. It records what the app asks of Electron so tests can assert on it, and lets
// tests drive it (quit, IPC from a chosen frame, events to the preload).
//
// Plain ESM JavaScript (not TypeScript) because Node itself loads it, through the resolve hook in
// electron-hook.mjs, when the bundle imports 'electron'. Shared state lives in `stub.state`.
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

const state = {
  paths: {},
  appPath: process.cwd(),
  lock: true,
  windows: [],
  handlers: new Map(),
  menus: [],
  applicationMenu: null,
  openedExternal: [],
  sandboxEnabled: false,
  quitCalls: 0,
  quitted: false,
  exitCode: null,
  session: { permissionRequestHandler: null, permissionCheckHandler: null, headersReceived: null },
  ready: false,
  /** protocol.registerSchemesAsPrivileged calls: { schemes, beforeReady }. */
  privilegedSchemes: [],
  /** protocol.handle: scheme → handler. */
  protocolHandlers: new Map(),
  exposed: new Map(),
  invoked: [],
  invokeHandler: async () => ({ ok: true, value: null }),
};

class WebFrameMain {
  constructor(url = '') {
    this.url = url;
  }
}

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.mainFrame = new WebFrameMain();
    this.sent = [];
    this.windowOpenHandler = null;
  }
  send(channel, ...args) {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn;
  }
  getURL() {
    return this.mainFrame.url;
  }
}

export const app = new (class extends EventEmitter {
  name = 'lenet-workbench';
  isPackaged = false;
  getPath(name) {
    const p = state.paths[name];
    if (!p) throw new Error(`electron-stub: no path configured for ${name}`);
    return p;
  }
  getAppPath() {
    return state.appPath;
  }
  getVersion() {
    return '0.0.0-stub';
  }
  enableSandbox() {
    state.sandboxEnabled = true;
  }
  requestSingleInstanceLock() {
    return state.lock;
  }
  whenReady() {
    state.ready = true;
    return Promise.resolve();
  }
  isReady() {
    return state.ready;
  }
  quit() {
    state.quitCalls++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.emit('will-quit', { preventDefault: () => {} });
    state.quitted = true;
    this.emit('quit');
  }
  exit(code = 0) {
    state.exitCode = code;
    state.quitted = true;
  }
})();

export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return state.windows.filter((w) => !w.destroyed);
  }
  static getFocusedWindow() {
    return null;
  }
  constructor(options = {}) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    this.shown = false;
    this.destroyed = false;
    this.minimized = false;
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(path) {
    return this.loadURL(pathToFileURL(path).href);
  }
  async loadURL(url) {
    this.webContents.mainFrame.url = url;
    setImmediate(() => this.emit('ready-to-show'));
  }
  show() {
    this.shown = true;
  }
  focus() {}
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    this.destroyed = true;
    this.emit('closed');
  }
}

export const ipcMain = {
  handle(channel, fn) {
    if (state.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    state.handlers.set(channel, fn);
  },
  removeHandler(channel) {
    state.handlers.delete(channel);
  },
  on() {},
};

export const Menu = {
  buildFromTemplate(template) {
    const menu = { template };
    state.menus.push(menu);
    return menu;
  },
  setApplicationMenu(menu) {
    state.applicationMenu = menu;
  },
};

// Electron accepts privileged schemes only before the app is ready, and one handler per scheme.
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    state.privilegedSchemes.push({ schemes, beforeReady: !state.ready });
  },
  handle(scheme, handler) {
    if (!state.ready) throw new Error('protocol.handle may be called only after the app is ready.');
    if (state.protocolHandlers.has(scheme)) throw new Error(`The scheme "${scheme}" is already handled.`);
    state.protocolHandlers.set(scheme, handler);
  },
};

export const shell = {
  async openExternal(url) {
    state.openedExternal.push(url);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      state.session.permissionRequestHandler = fn;
    },
    setPermissionCheckHandler(fn) {
      state.session.permissionCheckHandler = fn;
    },
    webRequest: {
      onHeadersReceived(fn) {
        state.session.headersReceived = fn;
      },
    },
  },
};

// Renderer-side modules, for the preload bundle.
export const contextBridge = {
  exposeInMainWorld(key, api) {
    state.exposed.set(key, api);
  },
};

const rendererEmitter = new EventEmitter();
export const ipcRenderer = {
  async invoke(channel, ...args) {
    state.invoked.push({ channel, args });
    return state.invokeHandler(channel, ...args);
  },
  on(channel, listener) {
    rendererEmitter.on(channel, listener);
    return ipcRenderer;
  },
  removeListener(channel, listener) {
    rendererEmitter.removeListener(channel, listener);
    return ipcRenderer;
  },
  /** Test helper: deliver a message from main, with a fake IPC event object. */
  emitFromMain(channel, payload) {
    rendererEmitter.emit(channel, { sender: 'ipc-event-object', ports: [] }, payload);
  },
  listenerCount(channel) {
    return rendererEmitter.listenerCount(channel);
  },
};

export const stub = { state, WebFrameMain };

export default { app, BrowserWindow, ipcMain, Menu, protocol, shell, session, contextBridge, ipcRenderer };
