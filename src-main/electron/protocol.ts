// The renderer's own scheme: the window loads app://workbench/index.html, served from
// out/renderer by a protocol handler, instead of file://. Electron's security checklist asks for
// this: a file:// page may read any file:// URL it can name (the whole disk, as far as the
// browser's own checks go), and every file:// page shares one origin; app://workbench is an
// origin of its own that can reach only what the handler below serves. The handler sends the
// same files with the same headers as the web host (src-main/web/static.ts), the page with its
// Content-Security-Policy header.
import { readFile } from 'node:fs/promises';
import type { CustomScheme, Protocol } from 'electron';
import { resolveStaticFile, staticHeaders, StaticPathError, staticRoot, type StaticRoot } from '../web/static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Registered before the app is ready (Electron allows it only then). standard: URLs parse like
 * http ones, so relative links, the origin and storage work; secure: a secure context, like
 * https; supportFetchAPI: fetch() and module scripts load from it (same origin, so Vite's
 * crossorigin attribute needs nothing more); codeCache: V8 caches the compiled scripts.
 * Nothing else: corsEnabled would let other origins read it, bypassCSP would lift the policy,
 * and the page needs no service workers or streaming.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}

/** Answers one request of the app scheme from the renderer folder. Exported for the tests. */
export async function serveAppRequest(root: StaticRoot, request: Pick<Request, 'url' | 'method'>): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400, 'Malformed URL.');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'Not found.');
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Only GET and HEAD are served here.');
  let file: string;
  try {
    file = await resolveStaticFile(root, url.pathname);
  } catch (err) {
    if (err instanceof StaticPathError) return refuse(err.status, err.message);
    throw err;
  }
  const body = await readFile(file);
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: staticHeaders(file, body.length) });
}

/** Serves app://workbench/… from rendererDir (call once the app is ready). */
export async function handleAppScheme(protocol: Pick<Protocol, 'handle'>, rendererDir: string): Promise<void> {
  const root = await staticRoot(rendererDir);
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request));
}
