// The local web host: the built renderer plus the workbench API over HTTP, derived generically
// from the contract (POST /api/<method>, JSON bodies and replies in the wire codec) and the
// events over server-sent events (GET /api/events).
//
// Guards, in order, on every request:
//   Host header must be this server's own host:port          → 403 (DNS rebinding)
//   an Origin header, when present, must be this server       → 403 (other web pages)
//   /api/*: the token in the X-Workbench-Token header          → 401
//   /api/events: at most maxEventStreams open at once          → 503
//   a request body must be valid UTF-8, within maxBodyBytes   → 400, 413
// The token travels only in that header: never in a cookie (browsers send a cookie for
// 127.0.0.1 to every port on it, so any other local server a page visits would receive it) and
// never in a URL the host accepts (the page's own URL carries it for the page's script to read,
// but the host ignores it there). The event stream is read with fetch, which can send the
// header, instead of EventSource, which cannot.
// Static files (the built renderer: public code, no data) need no token, so a page opened
// without one loads and says what is missing; they come only from inside rendererDir (./static.ts).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { EVENT_NAMES, type EventMap, type EventName, type WorkbenchApi } from '../../src-shared/contract';
import { invoke, isMethodName, toWireJson, fromWireJson, TOKEN_HEADER } from '../../src-shared/wire';
import { resolveStaticFile, staticHeaders, StaticPathError, staticRoot } from './static';

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
  /** Event streams open at once; one more is refused with 503 (default DEFAULT_MAX_EVENT_STREAMS). */
  maxEventStreams?: number;
  /** Unsent bytes an event stream may hold before its client counts as gone and is cut off. */
  maxStreamBacklogBytes?: number;
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
/**
 * A page holds one event stream; 32 is far more tabs than a person keeps open, and few enough
 * that writing each event to every stream stays cheap (each costs a socket and a timer).
 */
export const DEFAULT_MAX_EVENT_STREAMS = 32;
/** A client that lets this much pile up unread is not reading: cut it off instead of buffering on. */
export const DEFAULT_MAX_STREAM_BACKLOG = 4 * 1024 * 1024;

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
  // Strict: Buffer's decoder would turn invalid bytes into U+FFFD and store that silently.
  try {
    return UTF8.decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, 'Request body is not valid UTF-8.');
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Starts the web host. Resolves once it listens. */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxStreams = opts.maxEventStreams ?? DEFAULT_MAX_EVENT_STREAMS;
  const maxBacklog = opts.maxStreamBacklogBytes ?? DEFAULT_MAX_STREAM_BACKLOG;
  const root = await staticRoot(opts.rendererDir);
  const { api, events } = opts.workbench;
  const streams = new Set<ServerResponse>();
  let port = 0;
  let hostOk: (v: string | undefined) => boolean = () => false;

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Only GET and HEAD are served here.');
    let file: string;
    try {
      file = await resolveStaticFile(root, pathname);
    } catch (err) {
      if (err instanceof StaticPathError) throw new HttpError(err.status, err.message);
      throw err;
    }
    const body = await readFile(file);
    res.writeHead(200, staticHeaders(file, body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  // One subscription to the hub for all streams, held while any is open: each event is encoded
  // once and the same text written to every stream.
  let unsubscribe: (() => void) | null = null;
  function broadcast(text: string): void {
    for (const res of streams) {
      // A client that stopped reading would make this buffer grow without end.
      if (res.writableLength > maxBacklog) res.destroy();
      else res.write(text);
    }
  }
  function subscribe(): void {
    if (unsubscribe) return;
    const offs = EVENT_NAMES.map((name) => events.on(name, (payload) => broadcast(`event: ${name}\ndata: ${toWireJson(payload)}\n\n`)));
    unsubscribe = () => {
      for (const off of offs) off();
      unsubscribe = null;
    };
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') throw new HttpError(405, 'Use GET for /api/events.');
    if (streams.size >= maxStreams) {
      res.setHeader('retry-after', '10');
      // Close the connection after the refusal: a flood of refused clients must not hold sockets.
      res.setHeader('connection', 'close');
      throw new HttpError(503, `Too many event streams are open (at most ${maxStreams}). Close other workbench tabs or windows, then reload this page.`);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const beat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    streams.add(res);
    subscribe();
    res.on('close', () => {
      clearInterval(beat);
      streams.delete(res);
      if (streams.size === 0) unsubscribe?.();
    });
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
    if (!isApi) return serveStatic(req, res, url.pathname);
    const header = req.headers[TOKEN_HEADER];
    if (!sameToken(typeof header === 'string' ? header : undefined, token)) {
      throw new HttpError(401, 'Missing or wrong token: open the URL that `npm run serve` printed.');
    }
    if (url.pathname === '/api/events') return serveEvents(req, res);
    return serveApi(req, res, url.pathname.slice('/api/'.length));
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
