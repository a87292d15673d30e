// Errors as users see them. An ApiError's message is written for the user and travels as it is;
// any other error is a bug or an environment failure whose raw text would mean little (or leak
// paths): the user gets a short message with an id, and the stack goes to the log once, under
// that id, so a report can be matched to it.

/** An error whose message is meant for the user (bad input, unknown id, wrong state). */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The text of anything thrown (for logs and for composing messages). */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

const logged = new WeakMap<object, string>();
let counter = 0;

/** Where unexpected errors are written; the hosts keep the default (stderr), tests may replace it. */
export type ErrorLog = (id: string, error: unknown) => void;
const consoleLog: ErrorLog = (id, error) => console.error(`[error ${id}]`, error instanceof Error ? (error.stack ?? error.message) : error);

/**
 * The message a user sees for an error: an ApiError's own text; for anything else a generic
 * message with an id, the error being logged once (with its stack) under that id.
 */
export function userMessage(e: unknown, log: ErrorLog = consoleLog): string {
  if (e instanceof ApiError) return e.message;
  let id = typeof e === 'object' && e !== null ? logged.get(e) : undefined;
  if (id === undefined) {
    id = `${Date.now().toString(36)}-${(++counter).toString(36)}`;
    if (typeof e === 'object' && e !== null) logged.set(e, id);
    log(id, e);
  }
  return `Something went wrong inside the workbench (error ${id}); the details were written to its log.`;
}
