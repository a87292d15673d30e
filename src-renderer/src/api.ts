// The renderer's one door to the host. In Electron the preload bridge (`window.workbench`) is
// there; in a browser served by `npm run serve` an HTTP client stands in: POST /api/<method>
// with the token header, events from /api/events (server-sent events, read with fetch so that
// they carry the same header). Both are built from the
// contract's method list, and both are typed as WorkbenchClient. Nothing else in the renderer
// knows which host it runs in.

import { METHOD_NAMES } from '@shared/contract';
import { fromWireJson, isEventName, toWireJson, unwrap, TOKEN_HEADER, type AllEventMap, type AnyEventName, type WorkbenchClient } from '@shared/wire';

export type { WorkbenchClient } from '@shared/wire';

const TOKEN_KEY = 'workbench-token';

export interface HttpClientOptions {
  /** Origin of the web host, e.g. http://127.0.0.1:8520 (no trailing slash). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Told when an event payload cannot be decoded or the stream fails (default: console.error). */
  onEventError?: (err: unknown) => void;
  /** First wait before reconnecting a dropped event stream; doubles on each failure up to 30 s. */
  reconnectMs?: number;
}

/** The WorkbenchClient that talks to the web host over HTTP and server-sent events. */
export function createHttpClient(opts: HttpClientOptions): WorkbenchClient {
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const client: Record<string, unknown> = {};
  for (const name of METHOD_NAMES) {
    client[name] = async (params?: unknown) => {
      let res: Response;
      try {
        res = await doFetch(`${opts.baseUrl}/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: opts.token },
          body: params === undefined ? '' : toWireJson(params),
        });
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw new Error(`Cannot reach the workbench host (${(err as Error).message}${cause ? `: ${cause}` : ''}). Is \`npm run serve\` still running?`);
      }
      const text = await res.text();
      let data: unknown;
      try {
        data = fromWireJson(text);
      } catch {
        throw new Error(`The workbench host answered ${res.status} with something that is not JSON.`);
      }
      return unwrap(data);
    };
  }

  // Events: GET /api/events read as a stream with fetch, so the token travels in the header as on
  // every call. EventSource cannot send a header: it would need the token in its URL (kept in
  // logs and history) or in a cookie (which browsers send to every port of 127.0.0.1).
  const listeners = new Map<string, Set<(payload: never) => void>>();
  let stream: AbortController | null = null;
  const report = opts.onEventError ?? ((err: unknown) => console.error('workbench event:', err));
  const firstDelay = opts.reconnectMs ?? 1000;

  function dispatch(block: string): void {
    let name = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    const set = listeners.get(name);
    if (!set || data.length === 0) return;
    let payload: unknown;
    try {
      payload = fromWireJson(data.join('\n'));
    } catch (err) {
      report(err);
      return;
    }
    for (const fn of [...set]) (fn as (p: unknown) => void)(payload);
  }

  function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((ok) => {
      const t = setTimeout(ok, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          ok();
        },
        { once: true },
      );
    });
  }

  /** Reads the stream until aborted, reconnecting with a growing wait when it drops or is refused. */
  async function readEvents(ctrl: AbortController): Promise<void> {
    let delay = firstDelay;
    while (!ctrl.signal.aborted) {
      try {
        const res = await doFetch(`${opts.baseUrl}/api/events`, { headers: { [TOKEN_HEADER]: opts.token, accept: 'text/event-stream' }, cache: 'no-store', signal: ctrl.signal });
        if (!res.ok || !res.body) {
          const text = await res.text().catch(() => '');
          let message = `the host answered ${res.status}`;
          try {
            message = String((JSON.parse(text) as { error?: unknown }).error ?? message);
          } catch {
            /* not JSON: keep the status */
          }
          throw new Error(`Live updates are off: ${message}`);
        }
        delay = firstDelay;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) {
        if (!ctrl.signal.aborted) report(err);
      }
      await pause(delay, ctrl.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }

  client.on = <E extends AnyEventName>(name: E, fn: (payload: AllEventMap[E]) => void): (() => void) => {
    if (!isEventName(name)) throw new Error(`Unknown event "${String(name)}".`);
    if (typeof fn !== 'function') throw new Error('on(event, fn) needs a function.');
    let set = listeners.get(name);
    if (!set) {
      set = new Set();
      listeners.set(name, set);
    }
    set.add(fn as (payload: never) => void);
    if (!stream) {
      stream = new AbortController();
      void readEvents(stream);
    }
    return () => {
      set.delete(fn as (payload: never) => void);
      if ([...listeners.values()].every((s) => s.size === 0) && stream) {
        stream.abort();
        stream = null;
        listeners.clear();
      }
    };
  };
  return client as WorkbenchClient;
}

interface HostGlobals {
  workbench?: WorkbenchClient;
  location?: { origin: string; search: string; pathname: string; hash: string };
  history?: { replaceState(data: unknown, unused: string, url: string): void };
  sessionStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

/**
 * The token of the web host: from the page URL (?token=…), which keeps it, so the address a user
 * copies opens the same view in another tab; or, after a reload from an address without it, from
 * this tab's session storage, put back into the address bar for the same reason.
 */
export function readToken(g: HostGlobals): string {
  const loc = g.location;
  if (!loc) return '';
  const query = new URLSearchParams(loc.search);
  const fromUrl = query.get('token');
  if (fromUrl) {
    try {
      g.sessionStorage?.setItem(TOKEN_KEY, fromUrl);
    } catch {
      /* storage may be disabled; the token still works for this page */
    }
    return fromUrl;
  }
  let stored = '';
  try {
    stored = g.sessionStorage?.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
  if (stored) {
    query.set('token', stored);
    try {
      g.history?.replaceState(null, '', `${loc.pathname}?${query.toString()}${loc.hash}`);
    } catch {
      /* a page that cannot rewrite its address still works */
    }
  }
  return stored;
}

/** The preload bridge when present, else the HTTP client for the page's own origin. */
export function pickApi(g: HostGlobals): WorkbenchClient {
  if (g.workbench) return g.workbench;
  return createHttpClient({ baseUrl: g.location?.origin ?? '', token: readToken(g) });
}

export const api: WorkbenchClient = pickApi(globalThis as HostGlobals);
