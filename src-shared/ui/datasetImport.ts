// The Import dataset dialog's form: a folder on the host, a name (the folder's own by default) and
// optional class names, comma separated. Checked with the rules the API and the store apply
// (src-shared/limits), so the dialog says what is wrong before anything is sent.

import { checkClassNames, checkRunName, splitClassList } from '../limits';

export interface ImportTexts {
  folder: string;
  name: string;
  /** Comma separated, label 0 first; empty: the folder's classes.txt, else numbered 0 to 9. */
  classes: string;
}

export interface ImportParams {
  folder: string;
  name: string;
  classNames?: string[];
}

export type ImportCheck = { ok: true; value: ImportParams } | { ok: false; errors: Partial<Record<keyof ImportTexts, string>> };

/** The last part of a folder path ("/data/fashion-mnist/" → "fashion-mnist"), for the default name. */
export function folderName(path: string): string {
  const parts = path.trim().split(/[/\\]+/).filter((p) => p !== '');
  return parts.at(-1) ?? '';
}

export function checkImportForm(t: ImportTexts): ImportCheck {
  const errors: Partial<Record<keyof ImportTexts, string>> = {};
  const folder = t.folder.trim();
  if (folder === '') errors.folder = 'Enter the folder that holds the four IDX files.';
  const nameText = t.name.trim() === '' ? folderName(folder) : t.name;
  const name = checkRunName(nameText, 'The name');
  if (!name.ok && folder !== '') errors.name = name.message;
  let classNames: string[] | undefined;
  if (t.classes.trim() !== '') {
    const c = checkClassNames(splitClassList(t.classes), 'Class names');
    if (c.ok) classNames = c.value;
    else errors.classes = c.message;
  }
  if (Object.keys(errors).length || !name.ok) return { ok: false, errors };
  return { ok: true, value: { folder, name: name.value, ...(classNames ? { classNames } : {}) } };
}
