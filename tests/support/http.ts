// A raw HTTP client for host tests: node:http, so the Host header and odd paths go out as given.
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function raw(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Opens an SSE stream and collects its text; `next(pattern)` waits until the text matches. */
export function openStream(port: number, path: string, headers: Record<string, string> = {}) {
  let text = '';
  let status = 0;
  const waiters: { re: RegExp; ok: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = text.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.ok(m);
      }
    }
  };
  const req = request({ host: '127.0.0.1', port, method: 'GET', path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
      check();
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    get status() {
      return status;
    },
    get text() {
      return text;
    },
    next(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
      return new Promise((ok, fail) => {
        const w = { re, ok };
        waiters.push(w);
        check();
        setTimeout(() => fail(new Error(`Timed out waiting for ${re} in ${JSON.stringify(text)}`)), timeoutMs).unref();
      });
    },
    close() {
      req.destroy();
    },
  };
}
