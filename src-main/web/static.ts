// The built renderer's files, served the same way by both hosts: the web host (./host.ts, over
// HTTP) and the Electron window (../electron/protocol.ts, over the app:// scheme). One resolver
// decides which file a URL path names, so both refuse the same escapes (.., encoded slashes,
// backslashes, NUL, symbolic links leading out of the folder), and one table gives the headers.
import { realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { RENDERER_CSP } from './csp';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Why a path names no servable file: 400 for a malformed path, 404 for anything else. */
export class StaticPathError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface StaticRoot {
  /** The folder, resolved. */
  dir: string;
  /** Its real path (symbolic links followed), fixed once at start. */
  real: string;
}

export async function staticRoot(dir: string): Promise<StaticRoot> {
  const resolved = resolve(dir);
  return { dir: resolved, real: await realpath(resolved) };
}

/**
 * The real path of the regular file that a URL path (still percent-encoded) names inside the
 * root; '/' is index.html. Throws StaticPathError.
 */
export async function resolveStaticFile(root: StaticRoot, pathname: string): Promise<string> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    throw new StaticPathError(400, 'Malformed path.');
  }
  if (rel.includes('\0') || rel.includes('\\')) throw new StaticPathError(400, 'Malformed path.');
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = resolve(root.dir, '.' + rel);
  if (!file.startsWith(root.dir + sep)) throw new StaticPathError(404, 'Not found.');
  try {
    const real = await realpath(file);
    if (real.startsWith(root.real + sep) && (await stat(real)).isFile()) return real;
  } catch {
    // Missing, unreadable or a dangling link: all the same to the caller.
  }
  throw new StaticPathError(404, 'Not found.');
}

/**
 * Response headers of a served file. Pages get the CSP header (the one that counts; the meta tag
 * is a fallback) and may not be framed; nothing is sniffed or sends a Referer.
 */
export function staticHeaders(file: string, length: number): Record<string, string> {
  const html = file.endsWith('.html');
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(length),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': html ? 'no-store' : 'no-cache',
  };
  if (html) {
    headers['content-security-policy'] = RENDERER_CSP;
    headers['x-frame-options'] = 'DENY';
  }
  return headers;
}
