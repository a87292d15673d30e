// The window's security settings, in one place (Electron's security checklist): sandboxed,
// isolated renderer without Node; a Content-Security-Policy header besides the page's meta tag;
// every permission request denied; navigation and new windows denied; external links opened
// only when they are http(s), through shell.openExternal.
import { shell, type Session, type WebContents, type WebPreferences } from 'electron';
import { fileURLToPath } from 'node:url';
import { RENDERER_CSP } from '../web/csp';

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
 * Decides whether a URL is our renderer: the built index.html (any query or hash), or in
 * development the electron-vite dev server's origin.
 */
export function rendererUrlMatcher(rendererIndex: string, devServerUrl?: string): (url: string | undefined | null) => boolean {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  return (url) => {
    if (!url) return false;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin) return u.origin === devOrigin;
    if (u.protocol !== 'file:' || u.host !== '') return false;
    try {
      return fileURLToPath(u) === rendererIndex;
    } catch {
      return false;
    }
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

/** Per web contents: no navigation away, no new windows, no webviews; http(s) links go to the browser. */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    void openExternalChecked(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalChecked(url);
    return { action: 'deny' };
  });
}
