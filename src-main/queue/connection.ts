// Where the queue engine (BullMQ on Redis) is: a redis:// URL, which may carry a password. The
// password never appears in anything shown or logged: `shown` is the URL without it.

/** The connection settings both ioredis and BullMQ take. */
export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

export interface QueueTarget {
  /** The URL as given (with its password): never print it. */
  readonly url: string;
  /** The URL without credentials, for messages and logs (redis://:***@host:port/db). */
  readonly shown: string;
  /** Connection options for ioredis / BullMQ. */
  readonly options: QueueConnection;
}

/** Parses redis://[user[:password]@]host[:port][/db] (rediss:// for TLS); throws a clear message. */
export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`The queue URL must look like redis://HOST:PORT (got ${JSON.stringify(redact(url))}).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`The queue URL must start with redis:// or rediss:// (got ${u.protocol}//…).`);
  if (!u.hostname) throw new Error('The queue URL needs a host, e.g. redis://127.0.0.1:6379.');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 1000) throw new Error(`The queue URL's database must be a number (got "/${dbText}").`);
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const options: QueueConnection = {
    host: hostname,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { url, shown: redact(url), options };
}

/** A URL with any password replaced by *** (best effort for text that may not even parse). */
export function redact(text: string): string {
  return text.replace(/(rediss?:\/\/)([^@/\s]*)@/gi, (_m, scheme: string, cred: string) => `${scheme}${cred.includes(':') ? `${cred.split(':')[0]}:***` : '***'}@`);
}
