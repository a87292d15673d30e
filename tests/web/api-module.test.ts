// The renderer's api module: the preload bridge when present, the HTTP client otherwise; the
// token read from the page URL (and kept there, so a copied address opens) or from this tab's
// session storage (then put back into the address bar).
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src-shared/contract';
import { CLIENT_KEYS, type WorkbenchClient } from '../../src-shared/wire';
import { pickApi, readToken } from '../../src-renderer/src/api';

function fakeGlobals(search: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored ? [['workbench-token', stored]] : []);
  const replaced: string[] = [];
  return {
    replaced,
    storage,
    g: {
      location: { origin: 'http://127.0.0.1:8520', search, pathname: '/', hash: '#/runs' },
      history: { replaceState: (_d: unknown, _u: string, url: string) => replaced.push(url) },
      sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
    },
  };
}

describe('renderer api module', () => {
  it('uses the preload bridge when window.workbench exists', () => {
    const bridge = { marker: true } as unknown as WorkbenchClient;
    expect(pickApi({ workbench: bridge })).toBe(bridge);
  });

  it('otherwise builds an HTTP client with every contract method and on()', () => {
    const { g } = fakeGlobals('?token=abc');
    const client = pickApi(g);
    expect(Object.keys(client).sort()).toEqual([...CLIENT_KEYS].sort());
    for (const name of METHOD_NAMES) expect(typeof client[name]).toBe('function');
  });

  it('takes the token from the URL, stores it for reloads and keeps it in the address bar (a copied URL opens)', () => {
    const f = fakeGlobals('?token=s3cret&x=1');
    expect(readToken(f.g)).toBe('s3cret');
    expect(f.storage.get('workbench-token')).toBe('s3cret');
    expect(f.replaced).toEqual([]);
    const reload = fakeGlobals('?x=1', 's3cret');
    expect(readToken(reload.g)).toBe('s3cret');
    expect(reload.replaced).toEqual(['/?x=1&token=s3cret#/runs']);
    expect(readToken(fakeGlobals('').g)).toBe('');
    expect(readToken({})).toBe('');
  });

  it('sends the token header and the wire-encoded body, and throws the host’s error message', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ ok: false, error: 'Run 5 does not exist.' }), { status: 200 });
    }) as unknown as typeof fetch;
    const { createHttpClient } = await import('../../src-renderer/src/api');
    const c = createHttpClient({ baseUrl: 'http://h:1', token: 'tok', fetch: fetchStub });
    await expect(c.getRun({ id: 5 })).rejects.toThrow('Run 5 does not exist.');
    expect(seen[0].url).toBe('http://h:1/api/getRun');
    expect((seen[0].init.headers as Record<string, string>)['x-workbench-token']).toBe('tok');
    expect(seen[0].init.body).toBe('{"id":5}');
    const html = (async () => new Response('<html>', { status: 502 })) as unknown as typeof fetch;
    await expect(createHttpClient({ baseUrl: 'http://h:1', token: 't', fetch: html }).listPresets()).rejects.toThrow(/answered 502 with something that is not JSON/);
  });
});
