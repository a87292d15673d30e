// Errors the store throws. `code` lets the API map them (not_found → 404-ish, invalid → 400-ish,
// conflict → 409-ish); `message` is written for a user.
//   lease     the caller no longer holds the run it writes (another process took it over)
//   readonly  the store was opened read-only, or the file cannot be written here
//   damaged   the file failed PRAGMA quick_check: nothing is written to it (the message says how to recover)
//   foreign   the file is not a workbench database (another application's SQLite file)
//   io        the disk is full or failed; busy: another process held the lock too long

export type StoreErrorCode = 'not_found' | 'invalid' | 'conflict' | 'corrupt' | 'version' | 'lease' | 'readonly' | 'damaged' | 'foreign' | 'io' | 'busy';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export const notFound = (msg: string): StoreError => new StoreError('not_found', msg);
export const invalid = (msg: string): StoreError => new StoreError('invalid', msg);
export const conflict = (msg: string): StoreError => new StoreError('conflict', msg);
export const leaseLost = (msg: string): StoreError => new StoreError('lease', msg);

export function checkInt(name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${name} must be a whole number (got ${show(v)}).`);
  if (v < min || v > max) throw invalid(`${name} must be between ${min} and ${max} (got ${v}).`);
  return v;
}

/** A finite number in [min, max]. */
export function checkFinite(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${name} must be a finite number (got ${show(v)}).`);
  if (v < min || v > max) throw invalid(`${name} must be between ${min} and ${max} (got ${v}).`);
  return v;
}

/** Any number, NaN and ±Infinity included (losses of a diverged run). */
export function checkNumber(name: string, v: unknown): number {
  if (typeof v !== 'number') throw invalid(`${name} must be a number (got ${show(v)}).`);
  return v;
}

export function checkString(name: string, v: unknown, minLen: number, maxLen: number): string {
  if (typeof v !== 'string') throw invalid(`${name} must be a string (got ${show(v)}).`);
  if (v.length < minLen || v.length > maxLen) {
    throw invalid(minLen > 0 && v.length < minLen ? `${name} must not be empty.` : `${name} is too long (at most ${maxLen} characters, got ${v.length}).`);
  }
  return v;
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
