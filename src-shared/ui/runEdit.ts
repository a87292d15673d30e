// The Edit run dialog's checks, before anything is sent: the same limits and the same checks
// (src-shared/limits) the API and the store apply, so the form never accepts what they refuse.

import { checkNotes, checkRunName, checkTags, MAX_NAME_LENGTH, MAX_NOTES_LENGTH, type Checked } from '../limits';

export { MAX_NAME_LENGTH, MAX_NOTES_LENGTH };

export interface RunEdit {
  name: string;
  tags: string[];
  notes: string;
}

/** The tags typed as one comma-separated line. */
export function tagsFromText(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The dialog's fields checked as the API will check them: the clean values, or the first problem. */
export function checkRunEdit(name: string, tagsText: string, notes: string): Checked<RunEdit> {
  const n = checkRunName(name);
  if (!n.ok) return n;
  const t = checkTags(tagsFromText(tagsText));
  if (!t.ok) return t;
  const x = checkNotes(notes);
  if (!x.ok) return x;
  return { ok: true, value: { name: n.value, tags: t.value, notes: x.value } };
}
