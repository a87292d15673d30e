// The window's security settings, in one place (Electron's security checklist): sandboxed,
// isolated renderer without Node; a Content-Security-Policy header besides the page's meta tag;
// every permission request denied; navigation (of the window and of any frame) and new windows
// denied; external links opened only when they are http(s), through shell.openExternal.
import { shell, type Session, type WebContents, type WebPreferences } from 'electron';
import { RENDERER_CSP } from '../web/csp';
import { APP_INDEX_URL } from './protocol';

export function secureWebPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  };
}

/** True for the URLs we let the system browser open: absolute http(s) with a host. */
export function isSafeExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0 && !u.username && !u.password;
}

export async function openExternalChecked(url: string): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false;
  await shell.openExternal(url);
  return true;
}

/**
 * Decides whether a URL is our renderer: app://workbench/index.html (any query or hash), or in
 * development the electron-vite dev server's origin.
 */
export function rendererUrlMatcher(devServerUrl?: string): (url: string | undefined | null) => boolean {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  const index = new URL(APP_INDEX_URL);
  return (url) => {
    if (!url) return false;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin) return u.origin === devOrigin;
    return u.protocol === index.protocol && u.host === index.host && u.pathname === index.pathname && !u.username && !u.password;
  };
}

/** Session-wide: deny permissions, add the CSP header (not in development: Vite's HMR needs more). */
export function hardenSession(ses: Session, dev: boolean): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  if (!dev) {
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
    });
  }
}

/**
 * Per web contents: no navigation away, no new windows, no webviews; http(s) links go to the
 * browser. will-navigate covers the window's own page; will-frame-navigate covers every frame,
 * so an iframe (the page has none, but a bug or an injected one could add it) cannot be sent
 * anywhere either. Navigations inside the page (its hash routes) fire neither.
 */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    void openExternalChecked(url);
  });
  contents.on('will-frame-navigate', (event) => {
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalChecked(url);
    return { action: 'deny' };
  });
}
