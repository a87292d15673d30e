// Every limit and shared rule about user-supplied text and ids, defined once: the renderer's
// form, the API's parsers (contract.ts) and the store all check the same numbers with the same
// functions, so the three can never disagree about what a run may hold. Each check returns the
// clean value or a message; callers wrap the message in their own error type (ApiError,
// StoreError, a form hint).
import { NUM_CLASSES } from './engine/layout';

/** A run name: trimmed, 1..MAX_NAME_LENGTH characters, no control characters. */
export const MAX_NAME_LENGTH = 200;
/** A run's notes. */
export const MAX_NOTES_LENGTH = 20_000;
/** Tags per run. */
export const MAX_TAGS = 20;
/** Characters per tag. */
export const MAX_TAG_LENGTH = 40;
/** What a tag may hold: letters, digits, space and . _ : / - */
export const TAG_PATTERN = /^[\p{L}\p{N} ._:/-]+$/u;
/** A dataset id: letters, digits, '.', '_', '-', starting with a letter or digit, at most 64. */
export const DATASET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/**
 * Runs that may wait to start at once, counted in the database (so across every process that
 * shares it: the app, a browser's host, the CLI). A sweep may queue MAX_SWEEP_RUNS in one
 * request; five of them already make days of training on this machine. Without a cap, a client
 * looping on createSweep filled the table with thousands of runs in a second or two.
 */
export const MAX_QUEUED_RUNS = 500;
/** An error text recorded with a run. */
export const MAX_ERROR_LENGTH = 20_000;
/** Characters per class name ("T-shirt/top", "Ankle boot"). */
export const MAX_CLASS_NAME_LENGTH = 40;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 50 ? v.slice(0, 50) + '…' : v);
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

/** Lone UTF-16 surrogates cannot be stored as UTF-8 (SQLite would keep U+FFFD instead). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/** A run (or dataset) name. */
export function checkRunName(v: unknown, key = 'name'): Checked<string> {
  if (typeof v !== 'string') return fail(`${key} must be a string.`);
  const s = v.trim();
  if (s.length === 0) return fail(`${key} must not be empty.`);
  if (s.length > MAX_NAME_LENGTH) return fail(`${key} is too long (at most ${MAX_NAME_LENGTH} characters).`);
  if (hasControl(s)) return fail(`${key} must not contain control characters.`);
  if (hasLoneSurrogate(s)) return fail(`${key} contains an invalid character (a lone UTF-16 surrogate).`);
  return { ok: true, value: s };
}

/** A run's notes: any text up to MAX_NOTES_LENGTH characters (new lines and tabs allowed). */
export function checkNotes(v: unknown, key = 'notes'): Checked<string> {
  if (typeof v !== 'string') return fail(`${key} must be a string.`);
  if (v.length > MAX_NOTES_LENGTH) return fail(`${key} is too long (at most ${MAX_NOTES_LENGTH.toLocaleString('en-US')} characters).`);
  if (hasLoneSurrogate(v)) return fail(`${key} contains an invalid character (a lone UTF-16 surrogate).`);
  return { ok: true, value: v };
}

/** One tag, trimmed. */
export function checkTag(v: unknown, key = 'tag'): Checked<string> {
  if (typeof v !== 'string') return fail(`${key} must be a string.`);
  const s = v.trim();
  if (s.length === 0 || s.length > MAX_TAG_LENGTH) return fail(`A tag must have 1 to ${MAX_TAG_LENGTH} characters (got ${describe(v)}).`);
  if (!TAG_PATTERN.test(s)) return fail(`Tag ${JSON.stringify(s)} may hold only letters, digits, spaces and . _ : / -.`);
  return { ok: true, value: s };
}

/** A run's tags: at most MAX_TAGS, each checked by checkTag, none twice. */
export function checkTags(v: unknown, key = 'tags'): Checked<string[]> {
  if (!Array.isArray(v)) return fail(`${key} must be a list of strings.`);
  if (v.length > MAX_TAGS) return fail(`At most ${MAX_TAGS} tags (got ${v.length}).`);
  const out: string[] = [];
  for (const t of v) {
    if (typeof t !== 'string') return fail(`${key} must contain only strings.`);
    const c = checkTag(t);
    if (!c.ok) return c;
    if (out.includes(c.value)) return fail(`Tag ${JSON.stringify(c.value)} is listed twice.`);
    out.push(c.value);
  }
  return { ok: true, value: out };
}

/** A dataset id. */
export function checkDatasetId(v: unknown, key = 'dataset'): Checked<string> {
  if (typeof v !== 'string' || !DATASET_ID_PATTERN.test(v)) return fail(`${key} must be a dataset id: letters, digits, '.', '_' or '-', at most 64 characters.`);
  return { ok: true, value: v };
}

/**
 * A dataset's class names: exactly NUM_CLASSES, in label order (name i is label i), each trimmed,
 * 1..MAX_CLASS_NAME_LENGTH characters without control characters or commas (the terminal's
 * --classes and the import dialog list them comma-separated), none twice (ignoring case).
 */
export function checkClassNames(v: unknown, key = 'classNames'): Checked<string[]> {
  if (!Array.isArray(v)) return fail(`${key} must be a list of ${NUM_CLASSES} names.`);
  if (v.length !== NUM_CLASSES) return fail(`${key} must name exactly ${NUM_CLASSES} classes, one per label 0 to ${NUM_CLASSES - 1} (got ${v.length}).`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'string') return fail(`${key} must contain only strings (name ${i} is ${describe(x)}).`);
    const s = x.trim();
    if (s.length === 0) return fail(`The name of class ${i} is empty.`);
    if (s.length > MAX_CLASS_NAME_LENGTH) return fail(`The name of class ${i} is too long (at most ${MAX_CLASS_NAME_LENGTH} characters, got ${s.length}).`);
    if (hasControl(s)) return fail(`The name of class ${i} must not contain control characters.`);
    if (s.includes(',')) return fail(`The name of class ${i} (${describe(s)}) must not contain a comma.`);
    if (hasLoneSurrogate(s)) return fail(`The name of class ${i} contains an invalid character (a lone UTF-16 surrogate).`);
    const twin = out.findIndex((o) => o.toLowerCase() === s.toLowerCase());
    if (twin >= 0) return fail(`Classes ${twin} and ${i} have the same name ${describe(s)}.`);
    out.push(s);
  }
  return { ok: true, value: out };
}

/** Class names as a user types them: comma separated (the --classes flag, the import dialog). */
export function splitClassList(text: string): string[] {
  return text.split(',').map((s) => s.trim());
}

/**
 * A classes.txt file: one name per line, in label order; blank lines at the end (and a byte order
 * mark) are ignored, so a file saved by any editor reads the same.
 */
export function splitClassLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Own-property lookup for untrusted keys: `"toString" in obj` is true for every object. */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
