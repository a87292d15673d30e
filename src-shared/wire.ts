// What crosses the wire between a host (Electron main, the web host) and the renderer, derived
// generically from the contract:
//   - channel names for IPC (one per contract method, one per event);
//   - host events that are not API events (the application menu's navigation);
//   - `invoke`: parse the params with the contract's parser, call the API, answer an Envelope;
//   - a JSON codec for values holding typed arrays, non-finite numbers and dates (HTTP only:
//     IPC's structured clone carries them as they are).
// Pure TypeScript: no node:*, no DOM beyond btoa/atob (present in browsers and Node >= 16).

import { contract, METHOD_NAMES, EVENT_NAMES, parseParams, type Envelope, type EventMap, type MethodName, type WorkbenchApi } from './contract';
import { userMessage } from './errors';

// ---------------------------------------------------------------------------------------------
// Channels and host events.

/** The HTTP header that carries the web host's token (the renderer's client sends it on every call). */
export const TOKEN_HEADER = 'x-workbench-token';

/** IPC channel of a contract method. */
export function methodChannel(name: MethodName): string {
  return `workbench:${name}`;
}

/** Events sent by the host itself, not by the API: the application menu asks for a view. */
export interface HostEventMap {
  navigate: { view: NavigationView };
}
export type NavigationView = 'new-run' | 'runs' | 'compare';
export const HOST_EVENT_NAMES: readonly (keyof HostEventMap)[] = ['navigate'];

/** Every event a renderer may subscribe to: the contract's and the host's. */
export type AllEventMap = EventMap & HostEventMap;
export type AnyEventName = keyof AllEventMap;
export const ALL_EVENT_NAMES: readonly AnyEventName[] = [...EVENT_NAMES, ...HOST_EVENT_NAMES];

/** IPC channel of an event. */
export function eventChannel(name: AnyEventName): string {
  return `workbench-event:${name}`;
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

export function isEventName(name: unknown): name is AnyEventName {
  return typeof name === 'string' && (ALL_EVENT_NAMES as readonly string[]).includes(name);
}

/** What the renderer sees, in either host: the API plus event subscriptions. */
export type WorkbenchClient = WorkbenchApi & {
  on<E extends AnyEventName>(name: E, fn: (payload: AllEventMap[E]) => void): () => void;
};

/** The methods and the subscription function a bridge must expose, and nothing else. */
export const CLIENT_KEYS: readonly string[] = [...METHOD_NAMES, 'on'];

// ---------------------------------------------------------------------------------------------
// Dispatch: one generic path from untrusted input to an Envelope, used by IPC and HTTP alike.

/**
 * Validates `raw` with the contract's parser for `name`, calls the API and wraps the outcome.
 * Never throws: a bad name, bad params or a failing call all come back as `{ ok: false, error }`,
 * and nothing is called when the params do not parse.
 */
export async function invoke(api: WorkbenchApi, name: string, raw: unknown): Promise<Envelope<unknown>> {
  if (!isMethodName(name)) return { ok: false, error: `Unknown method "${String(name).slice(0, 100)}".` };
  let params: unknown;
  try {
    params = parseParams(name, raw);
  } catch (err) {
    return { ok: false, error: userMessage(err) };
  }
  try {
    const fn = api[name] as (p: unknown) => Promise<unknown>;
    const value = await fn.call(api, params);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: userMessage(err) };
  }
}

/** Unwraps an envelope from an untrusted source: the value, or a thrown Error with the message. */
export function unwrap(envelope: unknown): unknown {
  if (typeof envelope !== 'object' || envelope === null) throw new Error('Malformed reply from the host.');
  const e = envelope as { ok?: unknown; value?: unknown; error?: unknown };
  if (e.ok === true) return e.value;
  if (e.ok === false) throw new Error(typeof e.error === 'string' ? e.error : 'The host reported an error without a message.');
  throw new Error('Malformed reply from the host.');
}

// ---------------------------------------------------------------------------------------------
// JSON codec. Tagged single-key objects carry what JSON cannot:
//   {"$u8": base64} (and $i8 $u16 $i16 $u32 $i32 $f32 $f64) typed arrays, little-endian bytes;
//   {"$num": "NaN" | "Infinity" | "-Infinity"} non-finite numbers (a diverged loss stays NaN);
//   {"$date": ISO string} dates;
//   {"$obj": {...}} a plain object that itself has a single key starting with "$" (escaped).

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
type TypedCtor = { new (buffer: ArrayBuffer): TypedArray; readonly BYTES_PER_ELEMENT: number };

const TYPED: ReadonlyArray<readonly [string, TypedCtor]> = [
  ['$u8', Uint8Array],
  ['$i8', Int8Array],
  ['$u16', Uint16Array],
  ['$i16', Int16Array],
  ['$u32', Uint32Array],
  ['$i32', Int32Array],
  ['$f32', Float32Array],
  ['$f64', Float64Array],
];
const TAG_OF = new Map<TypedCtor, string>(TYPED.map(([tag, ctor]) => [ctor, tag]));
const CTOR_OF = new Map<string, TypedCtor>(TYPED);
const MAX_DEPTH = 200;

/** Encodes a value into JSON-safe data (stringify the result with JSON.stringify). */
export function encodeWire(value: unknown): unknown {
  return enc(value, 0, new Set());
}

function enc(v: unknown, depth: number, stack: Set<object>): unknown {
  if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    return { $num: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
  }
  if (typeof v !== 'object') throw new WireError(`Cannot send a value of type ${typeof v}.`);
  if (depth > MAX_DEPTH) throw new WireError('Value nested too deeply to send.');
  if (ArrayBuffer.isView(v)) {
    const tag = TAG_OF.get(v.constructor as TypedCtor);
    if (!tag) throw new WireError(`Cannot send a ${v.constructor.name}.`);
    return { [tag]: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  }
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
  if (stack.has(v)) throw new WireError('Cannot send a value that contains itself.');
  stack.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : enc(x, depth + 1, stack)));
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new WireError(`Cannot send a ${(v as object).constructor?.name ?? 'class instance'}.`);
    const out: Record<string, unknown> = {};
    const keys = Object.keys(v);
    for (const k of keys) {
      const x = (v as Record<string, unknown>)[k];
      // Defining (not assigning) keeps a "__proto__" key an ordinary own property.
      if (x !== undefined) Object.defineProperty(out, k, { value: enc(x, depth + 1, stack), enumerable: true, writable: true, configurable: true });
    }
    return keys.length === 1 && keys[0].startsWith('$') ? { $obj: out } : out;
  } finally {
    stack.delete(v);
  }
}

/** Decodes data produced by encodeWire (after JSON.parse). Throws WireError on malformed tags. */
export function decodeWire(data: unknown): unknown {
  return dec(data, 0);
}

function dec(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth > MAX_DEPTH) throw new WireError('Value nested too deeply.');
  if (Array.isArray(v)) return v.map((x) => dec(x, depth + 1));
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].startsWith('$')) {
    const tag = keys[0];
    const body = o[tag];
    if (tag === '$obj') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WireError('$obj must hold an object.');
      return decodeFields(body as Record<string, unknown>, depth);
    }
    if (tag === '$num') {
      if (body === 'NaN') return NaN;
      if (body === 'Infinity') return Infinity;
      if (body === '-Infinity') return -Infinity;
      throw new WireError('$num must be "NaN", "Infinity" or "-Infinity".');
    }
    if (tag === '$date') {
      if (typeof body !== 'string') throw new WireError('$date must hold a string.');
      return new Date(body === 'Invalid Date' ? NaN : body);
    }
    const ctor = CTOR_OF.get(tag);
    if (!ctor) throw new WireError(`Unknown tag "${tag.slice(0, 20)}".`);
    if (typeof body !== 'string') throw new WireError(`${tag} must hold a base64 string.`);
    const bytes = base64ToBytes(body);
    if (bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) throw new WireError(`${tag} holds ${bytes.byteLength} bytes, not a multiple of ${ctor.BYTES_PER_ELEMENT}.`);
    return new ctor(bytes.buffer as ArrayBuffer);
  }
  return decodeFields(o, depth);
}

function decodeFields(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    // Defining (not assigning) keeps a "__proto__" key an ordinary own property.
    Object.defineProperty(out, k, { value: dec(o[k], depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON text of a value (typed arrays etc. encoded). */
export function toWireJson(value: unknown): string {
  return JSON.stringify(encodeWire(value)) ?? 'null';
}

/** The value of JSON text made by toWireJson. Throws SyntaxError or WireError. */
export function fromWireJson(text: string): unknown {
  return decodeWire(JSON.parse(text));
}

// ---------------------------------------------------------------------------------------------
// Base64 (standard alphabet, padded), strict on input.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const parts: string[] = [];
  let chunk = '';
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const t = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += ALPHABET[t >> 18] + ALPHABET[(t >> 12) & 63] + ALPHABET[(t >> 6) & 63] + ALPHABET[t & 63];
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (n - i === 1) {
    const t = bytes[i] << 16;
    chunk += ALPHABET[t >> 18] + ALPHABET[(t >> 12) & 63] + '==';
  } else if (n - i === 2) {
    const t = (bytes[i] << 16) | (bytes[i + 1] << 8);
    chunk += ALPHABET[t >> 18] + ALPHABET[(t >> 12) & 63] + ALPHABET[(t >> 6) & 63] + '=';
  }
  parts.push(chunk);
  return parts.join('');
}

export function base64ToBytes(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new WireError('Base64 length must be a multiple of 4.');
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const a = sextet(s, i);
    const b = sextet(s, i + 1);
    const c = last && pad === 2 ? 0 : sextet(s, i + 2);
    const d = last && pad >= 1 ? 0 : sextet(s, i + 3);
    const t = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = t >> 16;
    if (o < out.length) out[o++] = (t >> 8) & 255;
    if (o < out.length) out[o++] = t & 255;
    if (last && ((pad === 2 && (b & 15) !== 0) || (pad === 1 && (c & 3) !== 0))) throw new WireError('Base64 has non-zero padding bits.');
  }
  return out;
}

function sextet(s: string, i: number): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? LOOKUP[code] : -1;
  if (v < 0) throw new WireError(`Invalid base64 character at ${i}.`);
  return v;
}
