// Development mode (DevTools, the Vite dev server, no CSP header) only under `npm run dev`.
// No import of 'electron' here, so tests can check the decision under plain Node.

/**
 * The Vite dev server's URL when this is `npm run dev`, else undefined (production). electron-vite
 * dev sets both variables; `npm start` (scripts/start.mjs) removes them from Electron's
 * environment, and a packaged app ignores them, so a stray ELECTRON_RENDERER_URL in a user's
 * shell can neither point the window at another page nor turn DevTools on.
 */
export function devServerUrlOf(env: NodeJS.ProcessEnv, isPackaged: boolean): string | undefined {
  if (isPackaged || env.NODE_ENV_ELECTRON_VITE !== 'development') return undefined;
  const url = env.ELECTRON_RENDERER_URL;
  if (!url) return undefined;
  try {
    const u = new URL(url);
    // The dev server runs on this machine; anything else is not ours to load.
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}
