// The local web host: the built renderer plus the workbench API over HTTP, derived generically
// from the contract (POST /api/<method>, JSON bodies and replies in the wire codec) and the
// events over server-sent events (GET /api/events).
//
// Guards, in order, on every request:
//   Host header must be this server's own host:port          → 403 (DNS rebinding)
//   an Origin header, when present, must be this server       → 403 (other web pages)
//   the token (header X-Workbench-Token, ?token=, or the cookie set when the page was opened
//   with ?token=; API calls need the header or the query)    → 401
// Static files come only from inside rendererDir (resolved and real paths checked).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { realpath, readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { EVENT_NAMES, type EventMap, type EventName, type WorkbenchApi } from '../../src-shared/contract';
import { invoke, isMethodName, toWireJson, fromWireJson, TOKEN_HEADER } from '../../src-shared/wire';
import { RENDERER_CSP } from './csp';

/** What the host needs from the workbench (the object createWorkbench returns has these). */
export interface WorkbenchHandle {
  api: WorkbenchApi;
  events: { on<E extends EventName>(name: E, fn: (payload: EventMap[E]) => void): () => void };
}

export interface WebHostOptions {
  workbench: WorkbenchHandle;
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** A fixed token (tests); by default 32 random bytes. */
  token?: string;
  /** Largest accepted request body; larger ones get 413. */
  maxBodyBytes?: number;
  /** Interval of SSE keep-alive comments. */
  heartbeatMs?: number;
}

export interface WebHost {
  /** The URL to open, carrying the token. */
  url: string;
  token: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY = 1024 * 1024;

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

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || /^\[[0-9a-fA-F:.]+\]$/.test(hostname);
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The Host header values this server answers to. A wildcard bind accepts IP literals only. */
function hostMatcher(host: string, port: number): (value: string | undefined) => boolean {
  const own = new Set([`${bracket(host)}:${port}`]);
  if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '[::1]']) own.add(`${h}:${port}`);
  const wildcard = host === '0.0.0.0' || host === '::';
  return (value) => {
    if (!value) return false;
    const v = value.toLowerCase();
    if (own.has(v)) return true;
    if (!wildcard) return false;
    const m = /^(.*):(\d+)$/.exec(v);
    return !!m && Number(m[2]) === port && isIpLiteral(m[1]);
  };
}

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, JSON.stringify({ ok: false, error: message }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `Request body too large (at most ${limit} bytes).`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new HttpError(413, `Request body too large (at most ${limit} bytes).`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the web host. Resolves once it listens. */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const rendererDir = resolve(opts.rendererDir);
  const rendererReal = await realpath(rendererDir);
  const { api, events } = opts.workbench;
  const streams = new Set<ServerResponse>();
  let port = 0;
  let hostOk: (v: string | undefined) => boolean = () => false;
  let cookieName = 'wb_token';

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Only GET and HEAD are served here.');
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      throw new HttpError(400, 'Malformed path.');
    }
    if (rel.includes('\0') || rel.includes('\\')) throw new HttpError(400, 'Malformed path.');
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = resolve(rendererDir, '.' + rel);
    if (!file.startsWith(rendererDir + sep)) throw new HttpError(404, 'Not found.');
    let real: string;
    try {
      real = await realpath(file);
      if (!real.startsWith(rendererReal + sep) || !(await stat(real)).isFile()) throw new Error('not a file');
    } catch {
      throw new HttpError(404, 'Not found.');
    }
    const body = await readFile(real);
    const headers: Record<string, string | number> = {
      'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body.length,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': real.endsWith('.html') ? 'no-store' : 'no-cache',
    };
    if (real.endsWith('.html')) {
      headers['content-security-policy'] = RENDERER_CSP;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') throw new HttpError(405, 'Use GET for /api/events.');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const offs = EVENT_NAMES.map((name) =>
      events.on(name, (payload) => {
        res.write(`event: ${name}\ndata: ${toWireJson(payload)}\n\n`);
      }),
    );
    const beat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    streams.add(res);
    const done = () => {
      clearInterval(beat);
      for (const off of offs) off();
      streams.delete(res);
    };
    res.on('close', done);
    res.write(': connected\n\n');
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!isMethodName(name)) throw new HttpError(404, `Unknown method "${name.slice(0, 100)}".`);
    if (req.method !== 'POST') throw new HttpError(405, `Use POST for /api/${name}.`);
    const text = await readBody(req, maxBody);
    let params: unknown;
    try {
      params = text.trim() === '' ? undefined : fromWireJson(text);
    } catch (err) {
      throw new HttpError(400, `Bad JSON body: ${(err as Error).message}`);
    }
    const envelope = await invoke(api, name, params);
    let body: string;
    try {
      body = toWireJson(envelope);
    } catch (err) {
      body = JSON.stringify({ ok: false, error: `Could not encode the reply: ${(err as Error).message}` });
    }
    sendJson(res, 200, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req.headers.host)) throw new HttpError(403, 'Host not allowed.');
    const origin = req.headers.origin;
    if (origin !== undefined && !(origin.startsWith('http://') && hostOk(origin.slice('http://'.length)))) {
      throw new HttpError(403, 'Origin not allowed.');
    }
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const header = req.headers[TOKEN_HEADER];
    const queryToken = url.searchParams.get('token');
    const viaHeaderOrQuery = sameToken(typeof header === 'string' ? header : undefined, token) || sameToken(queryToken, token);
    const viaCookie = sameToken(cookieValue(req, cookieName), token);
    const isEvents = url.pathname === '/api/events';
    const authorised = viaHeaderOrQuery || ((!isApi || isEvents) && viaCookie);
    if (!authorised) throw new HttpError(401, 'Missing or wrong token: open the URL that `npm run serve` printed.');

    if (isEvents) return serveEvents(req, res);
    if (isApi) return serveApi(req, res, url.pathname.slice('/api/'.length));
    if (sameToken(queryToken, token)) {
      res.setHeader('set-cookie', `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`);
    }
    return serveStatic(req, res, url.pathname);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else sendError(res, 500, `Internal error: ${(err as Error)?.message ?? String(err)}`);
    });
  });
  // Idle keep-alive sockets live longer than clients' own idle timeouts, so a client never
  // reuses a socket the server is closing at that moment (undici does not retry a POST).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 120_000;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  hostOk = hostMatcher(host, port);
  cookieName = `wb_token_${port}`;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : bracket(host);

  return {
    url: `http://${shownHost}:${port}/?token=${encodeURIComponent(token)}`,
    token,
    port,
    host,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of streams) s.end();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
