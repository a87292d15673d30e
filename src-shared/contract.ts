// The workbench API contract: every method and event, named once with its types and a run-time
// parser. The Electron IPC handlers, the preload bridge, the HTTP routes and the renderer's
// client are all derived from this table generically (VS Code's ProxyChannel idea): adding a
// method means writing it here once and implementing it once in src-main/api.
//
// Every method takes ONE params object (or nothing) and returns a Promise of its result.
// Callers are untrusted: `parse` turns unknown input into typed params or throws ApiError with a
// message fit for a user. Binary payloads are Uint8Array / Float32Array / Int32Array (the HTTP
// host encodes them; IPC clones them).

import { PRESETS, validateRunConfig, type Preset, type RunConfig } from './config';

/** An error whose message is meant for the user (bad input, unknown id, wrong state). */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface MethodSpec<P, R> {
  readonly description: string;
  /** Validates unknown input; returns typed params or throws ApiError. */
  readonly parse: (input: unknown) => P;
  /** Type carrier only (never set at run time). */
  readonly __result?: R;
}

export function method<P, R>(description: string, parse: (input: unknown) => P): MethodSpec<P, R> {
  return { description, parse };
}

/** What crosses IPC / HTTP: errors travel as data, since a thrown error loses all but its message. */
export type Envelope<R> = { ok: true; value: R } | { ok: false; error: string };

// ---------------------------------------------------------------------------------------------
// Small parsing helpers for `parse` functions.

export function asObject(input: unknown, what = 'params'): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ApiError(`${what} must be an object.`);
  return input as Record<string, unknown>;
}

export function noParams(input: unknown): void {
  const o = asObject(input);
  const keys = Object.keys(o);
  if (keys.length) throw new ApiError(`This method takes no parameters (got ${keys.join(', ')}).`);
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ApiError(`Unknown parameter "${k}" (expected ${allowed.join(', ') || 'none'}).`);
  }
}

export function reqInt(o: Record<string, unknown>, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ApiError(`${key} must be a whole number.`);
  if (v < min || v > max) throw new ApiError(`${key} must be between ${min} and ${max} (got ${v}).`);
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return o[key] === undefined ? dflt : reqInt(o, key, min, max);
}

export function reqString(o: Record<string, unknown>, key: string, maxLen = 10_000): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ApiError(`${key} must be a string.`);
  if (v.length > maxLen) throw new ApiError(`${key} is too long (at most ${maxLen} characters).`);
  return v;
}

export function runConfigOf(v: unknown): RunConfig {
  const r = validateRunConfig(v);
  if (!r.ok) throw new ApiError(`Invalid run config: ${r.errors.map((e) => e.message).join(' ')}`);
  return r.value;
}

// ---------------------------------------------------------------------------------------------
// The methods. (More are added by the API implementation; see src-main/api.)

export const contract = {
  listPresets: method<void, readonly Preset[]>('The report configuration and its comparisons.', noParams),
  presetConfig: method<{ id: string }, RunConfig>('The full config of a preset.', (input) => {
    const o = asObject(input);
    onlyKeys(o, ['id']);
    const id = reqString(o, 'id', 100);
    if (!PRESETS.some((p) => p.id === id)) throw new ApiError(`Unknown preset "${id}".`);
    return { id };
  }),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type ParamsOf<K extends MethodName> = Contract[K] extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<K extends MethodName> = Contract[K] extends MethodSpec<unknown, infer R> ? R : never;

/** The API as callers see it: one async function per contract method. */
export type WorkbenchApi = { [K in MethodName]: (params: ParamsOf<K>) => Promise<ResultOf<K>> };

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

// ---------------------------------------------------------------------------------------------
// Events pushed to every listener (renderer windows over IPC, browsers over SSE, the CLI).

export interface EventMap {
  /** Placeholder shape; the API implementation defines the real payloads. */
  runStatus: { runId: number; status: string };
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = ['runStatus'];

