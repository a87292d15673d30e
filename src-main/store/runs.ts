// Datasets and runs: creation, listing with filter/sort/paging, status changes, tags, notes,
// deletion, resume (rewind to a checkpoint), heartbeats and stale-run recovery.
import type BetterSqlite3 from 'better-sqlite3';
import { CONFIG_KEYS, validateRunConfig, type RunConfig } from '../../src-shared/config';
import { checkFinite, checkInt, checkString, conflict, invalid, notFound, show } from './errors';
import {
  RESUMABLE_STATUSES,
  RUN_SORTS,
  RUN_STATUSES,
  STATUS_TRANSITIONS,
  type DatasetInput,
  type DatasetRow,
  type NewRun,
  type RunPage,
  type RunQuery,
  type RunRow,
  type RunStatus,
  type StatusDetails,
} from './types';

export interface Ctx {
  db: BetterSqlite3.Database;
  now: () => number;
  /** Runs a top-level write at synchronous=NORMAL (no fsync), then restores FULL. */
  relaxedSync: <T>(fn: () => T) => T;
}

interface DatasetDb {
  id: string;
  name: string;
  source: string;
  content_hash: string;
  train_size: number;
  test_size: number;
  created_at: number;
}

interface RunDb {
  id: number;
  name: string;
  status: RunStatus;
  config: string;
  seed: number;
  dataset_id: string;
  total_epochs: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
  app_version: string;
  engine_version: string;
  error: string | null;
  notes: string;
  resumed_from_run: number | null;
  resumed_from_checkpoint: number | null;
  forked_from_run: number | null;
  forked_from_checkpoint: number | null;
  diverged_epoch: number | null;
  diverged_iteration: number | null;
  epoch: number;
  iteration: number;
  best_val_accuracy: number | null;
  test_accuracy: number | null;
  tags_json: string;
}

const RUN_COLUMNS = `r.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)) AS tags_json`;

const SORT_SQL: Record<string, string> = {
  created: 'r.created_at',
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  bestValAccuracy: 'r.best_val_accuracy',
  testAccuracy: 'r.test_accuracy',
};

export const MAX_TAGS = 20;
export const MAX_NOTES = 10_000;
const ERROR_MAX = 20_000;

function datasetRow(d: DatasetDb): DatasetRow {
  return {
    id: d.id,
    name: d.name,
    source: d.source,
    contentHash: d.content_hash,
    trainSize: d.train_size,
    testSize: d.test_size,
    createdAt: d.created_at,
  };
}

function configOf(json: string): RunConfig {
  const raw: unknown = JSON.parse(json);
  const v = validateRunConfig(raw);
  // A config written by an older app may miss newer fields: validation fills their defaults. One
  // that no longer validates is returned as stored, never dropped.
  return v.ok ? v.value : (raw as RunConfig);
}

function runRow(r: RunDb): RunRow {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    config: configOf(r.config),
    seed: r.seed,
    datasetId: r.dataset_id,
    totalEpochs: r.total_epochs,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    heartbeatAt: r.heartbeat_at,
    appVersion: r.app_version,
    engineVersion: r.engine_version,
    error: r.error,
    notes: r.notes,
    tags: JSON.parse(r.tags_json) as string[],
    resumedFrom: r.resumed_from_run === null ? null : { runId: r.resumed_from_run, checkpointId: r.resumed_from_checkpoint },
    forkedFrom: r.forked_from_run === null ? null : { runId: r.forked_from_run, checkpointId: r.forked_from_checkpoint },
    divergedAt: r.diverged_epoch === null || r.diverged_iteration === null ? null : { epoch: r.diverged_epoch, iteration: r.diverged_iteration },
    progress: { epoch: r.epoch, iteration: r.iteration },
    bestValAccuracy: r.best_val_accuracy,
    testAccuracy: r.test_accuracy,
  };
}

export function checkRunId(id: unknown): number {
  return checkInt('run id', id, 1);
}

function checkName(name: unknown): string {
  const s = checkString('name', name, 1, 200).trim();
  if (!s) throw invalid('name must not be blank.');
  return s;
}

function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw invalid(`tags must be an array of strings (got ${show(tags)}).`);
  const out = new Set<string>();
  for (const t of tags) {
    if (typeof t !== 'string') throw invalid(`each tag must be a string (got ${show(t)}).`);
    const s = t.trim();
    if (!s) throw invalid('a tag must not be blank.');
    if (s.length > 50) throw invalid(`tag ${show(s)} is too long (at most 50 characters).`);
    if (/[\u0000-\u001f\u007f]/.test(s)) throw invalid(`tag ${show(s)} contains control characters.`);
    out.add(s);
  }
  if (out.size > MAX_TAGS) throw invalid(`a run has at most ${MAX_TAGS} tags (got ${out.size}).`);
  return [...out].sort();
}

function checkStatus(s: unknown): RunStatus {
  if (typeof s !== 'string' || !(RUN_STATUSES as readonly string[]).includes(s)) {
    throw invalid(`status must be one of ${RUN_STATUSES.join(', ')} (got ${show(s)}).`);
  }
  return s as RunStatus;
}

/** LIKE pattern for a substring, with %, _ and \ escaped (ESCAPE '\'). */
function likePattern(text: string): string {
  return '%' + text.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

export function makeRuns(ctx: Ctx) {
  const { db, now } = ctx;
  const st = {
    insertDataset: db.prepare(
      `INSERT INTO datasets (id, name, source, content_hash, train_size, test_size, created_at)
       VALUES (@id, @name, @source, @contentHash, @trainSize, @testSize, @createdAt)`,
    ),
    getDataset: db.prepare<[string], DatasetDb>('SELECT * FROM datasets WHERE id = ?'),
    listDatasets: db.prepare<[], DatasetDb>('SELECT * FROM datasets ORDER BY id'),
    insertRun: db.prepare(
      `INSERT INTO runs (name, status, config, seed, dataset_id, total_epochs, created_at, app_version, engine_version,
                         notes, forked_from_run, forked_from_checkpoint, epoch, iteration)
       VALUES (@name, 'queued', @config, @seed, @datasetId, @totalEpochs, @createdAt, @appVersion, @engineVersion,
               @notes, @forkedFromRun, @forkedFromCheckpoint, @epoch, @iteration)`,
    ),
    getRun: db.prepare<[number], RunDb>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`),
    runStatus: db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?'),
    insertTag: db.prepare('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)'),
    deleteTags: db.prepare('DELETE FROM run_tags WHERE run_id = ?'),
    listTags: db.prepare<[], { tag: string; count: number }>('SELECT tag, count(*) AS count FROM run_tags GROUP BY tag ORDER BY tag'),
    rename: db.prepare('UPDATE runs SET name = ? WHERE id = ?'),
    notes: db.prepare('UPDATE runs SET notes = ? WHERE id = ?'),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    toRunning: db.prepare(
      `UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now,
                       finished_at = NULL, error = NULL WHERE id = @id`,
    ),
    toFinished: db.prepare(
      `UPDATE runs SET status = @status, finished_at = @now, error = @error,
                       diverged_epoch = @divergedEpoch, diverged_iteration = @divergedIteration WHERE id = @id`,
    ),
    heartbeat: db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`),
    stale: db.prepare<{ now: number; cutoff: number; error: string }, { id: number }>(
      `UPDATE runs SET status = 'interrupted', finished_at = @now, error = @error
       WHERE status = 'running' AND coalesce(heartbeat_at, started_at, created_at) < @cutoff
       RETURNING id`,
    ),
    checkpointOwner: db.prepare<[number], { run_id: number; epoch: number; iteration: number }>(
      'SELECT run_id, epoch, iteration FROM checkpoints WHERE id = ?',
    ),
    // Rewind to a checkpoint (resume).
    trimLosses: db.prepare(
      `UPDATE iteration_losses SET count = @iteration - first_iteration + 1,
              losses = substr(losses, 1, 8 * (@iteration - first_iteration + 1))
       WHERE run_id = @run AND first_iteration <= @iteration AND first_iteration + count - 1 > @iteration`,
    ),
    dropLosses: db.prepare('DELETE FROM iteration_losses WHERE run_id = @run AND first_iteration > @iteration'),
    dropMetrics: db.prepare('DELETE FROM epoch_metrics WHERE run_id = @run AND epoch > @epoch'),
    dropCheckpoints: db.prepare('DELETE FROM checkpoints WHERE run_id = @run AND (iteration > @iteration OR (iteration = @iteration AND id > @cp))'),
    rewind: db.prepare(
      `UPDATE runs SET status = 'queued', started_at = NULL, finished_at = NULL, heartbeat_at = NULL, error = NULL,
              diverged_epoch = NULL, diverged_iteration = NULL,
              resumed_from_run = @run, resumed_from_checkpoint = @cp, epoch = @epoch, iteration = @iteration
       WHERE id = @run`,
    ),
    refreshBest: db.prepare(
      `UPDATE runs SET best_val_accuracy = (SELECT max(val_accuracy) FROM epoch_metrics WHERE run_id = @run),
                       test_accuracy = (SELECT accuracy FROM evaluations WHERE run_id = @run AND split = 'test' ORDER BY id DESC LIMIT 1)
       WHERE id = @run`,
    ),
  };

  // Listing statements differ by which filters are present and the sort: prepared once per shape.
  const listCache = new Map<string, { page: BetterSqlite3.Statement; count: BetterSqlite3.Statement }>();
  function listStatements(hasStatus: boolean, hasTag: boolean, hasText: boolean, sort: string, order: 'asc' | 'desc') {
    const key = `${+hasStatus}${+hasTag}${+hasText}:${sort}:${order}`;
    let s = listCache.get(key);
    if (!s) {
      const where: string[] = [];
      if (hasStatus) where.push('r.status IN (SELECT value FROM json_each(@statuses))');
      if (hasTag) where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = @tag)');
      if (hasText) where.push(`(r.name LIKE @text ESCAPE '\\' OR r.notes LIKE @text ESCAPE '\\')`);
      const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const orderBy = `ORDER BY ${SORT_SQL[sort]} ${dir} NULLS LAST, r.id ${dir}`;
      s = {
        page: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r ${w} ${orderBy} LIMIT @limit OFFSET @offset`),
        count: db.prepare(`SELECT count(*) AS n FROM runs r ${w}`).pluck(),
      };
      listCache.set(key, s);
    }
    return s;
  }

  function getRunDb(id: number): RunDb {
    const r = st.getRun.get(checkRunId(id));
    if (!r) throw notFound(`No run with id ${id}.`);
    return r;
  }
  const getRun = (id: number): RunRow => runRow(getRunDb(id));

  function requireStatus(id: number): RunStatus {
    const r = st.runStatus.get(checkRunId(id));
    if (!r) throw notFound(`No run with id ${id}.`);
    return r.status;
  }

  function checkDataset(d: DatasetInput): DatasetInput {
    if (typeof d !== 'object' || d === null) throw invalid(`a dataset must be an object (got ${show(d)}).`);
    const id = checkString('dataset id', d.id, 1, 64);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) throw invalid(`dataset id ${show(id)} may hold only letters, digits, '.', '_' and '-'.`);
    const contentHash = checkString('contentHash', d.contentHash, 64, 64);
    if (!/^[0-9a-f]{64}$/.test(contentHash)) throw invalid('contentHash must be 64 lowercase hex digits (SHA-256).');
    return {
      id,
      name: checkString('dataset name', d.name, 1, 200),
      source: checkString('dataset source', d.source, 1, 4096),
      contentHash,
      trainSize: checkInt('trainSize', d.trainSize, 1),
      testSize: checkInt('testSize', d.testSize, 1),
    };
  }

  const registerDataset = db.transaction((input: DatasetInput): DatasetRow => {
    const d = checkDataset(input);
    const old = st.getDataset.get(d.id);
    if (old) {
      if (old.content_hash !== d.contentHash) {
        throw conflict(`Dataset id "${d.id}" is already used by different content (hash ${old.content_hash.slice(0, 12)}…, new ${d.contentHash.slice(0, 12)}…).`);
      }
      return datasetRow(old);
    }
    st.insertDataset.run({ ...d, createdAt: now() });
    return datasetRow(st.getDataset.get(d.id)!);
  });

  function getDataset(id: string): DatasetRow {
    checkString('dataset id', id, 1, 64);
    const d = st.getDataset.get(id);
    if (!d) throw notFound(`No dataset "${id}". Known datasets: ${st.listDatasets.all().map((x) => x.id).join(', ') || 'none'}.`);
    return datasetRow(d);
  }

  function insertRun(r: NewRun): number {
    if (typeof r !== 'object' || r === null) throw invalid(`a new run must be an object (got ${show(r)}).`);
    const name = checkName(r.name);
    const v = validateRunConfig(r.config);
    if (!v.ok) throw invalid(`Invalid run config: ${v.errors.map((e) => e.message).join(' ')}`);
    const config = v.value;
    getDataset(config.dataset);
    const appVersion = checkString('appVersion', r.appVersion, 1, 100);
    const engineVersion = checkString('engineVersion', r.engineVersion, 1, 100);
    const tags = checkTags(r.tags ?? []);
    const notes = r.notes === undefined ? '' : checkString('notes', r.notes, 0, MAX_NOTES);
    let forkedFromRun: number | null = null;
    let forkedFromCheckpoint: number | null = null;
    // A fork continues the parent's iteration count from the checkpoint.
    let epoch = 0;
    let iteration = 0;
    if (r.forkedFrom !== undefined) {
      const f = r.forkedFrom;
      if (typeof f !== 'object' || f === null) throw invalid(`forkedFrom must be { runId, checkpointId } (got ${show(f)}).`);
      requireStatus(f.runId);
      const cp = st.checkpointOwner.get(checkInt('forkedFrom.checkpointId', f.checkpointId, 1));
      if (!cp) throw notFound(`No checkpoint with id ${f.checkpointId}.`);
      if (cp.run_id !== f.runId) throw invalid(`Checkpoint ${f.checkpointId} belongs to run ${cp.run_id}, not run ${f.runId}.`);
      if (cp.epoch > config.epochs) throw invalid(`Checkpoint ${f.checkpointId} is after epoch ${cp.epoch}, beyond the fork's ${config.epochs} epochs.`);
      forkedFromRun = f.runId;
      forkedFromCheckpoint = f.checkpointId;
      epoch = cp.epoch;
      iteration = cp.iteration;
    }
    // Key order fixed by CONFIG_KEYS so equal configs are equal JSON.
    const ordered = Object.fromEntries(CONFIG_KEYS.map((k) => [k, config[k]]));
    const id = Number(
      st.insertRun.run({
        name,
        config: JSON.stringify(ordered),
        seed: config.seed,
        datasetId: config.dataset,
        totalEpochs: config.epochs,
        createdAt: now(),
        appVersion,
        engineVersion,
        notes,
        forkedFromRun,
        forkedFromCheckpoint,
        epoch,
        iteration,
      }).lastInsertRowid,
    );
    for (const t of tags) st.insertTag.run(id, t);
    return id;
  }

  const createRun = db.transaction((r: NewRun): RunRow => getRun(insertRun(r)));
  const createRuns = db.transaction((rs: readonly NewRun[]): RunRow[] => {
    if (!Array.isArray(rs)) throw invalid(`expected an array of new runs (got ${show(rs)}).`);
    if (rs.length > 10_000) throw invalid(`at most 10000 runs at once (got ${rs.length}).`);
    const ids = rs.map((r, i) => {
      try {
        return insertRun(r);
      } catch (e) {
        if (e instanceof Error) e.message = `Run ${i + 1} of ${rs.length}: ${e.message}`;
        throw e;
      }
    });
    return ids.map(getRun);
  });

  function listRuns(q: RunQuery = {}): RunPage {
    if (typeof q !== 'object' || q === null) throw invalid(`a run query must be an object (got ${show(q)}).`);
    let statuses: RunStatus[] | null = null;
    if (q.status !== undefined) statuses = (Array.isArray(q.status) ? q.status : [q.status]).map(checkStatus);
    const tag = q.tag === undefined ? null : checkString('tag', q.tag, 1, 50);
    const text = q.text === undefined || q.text === '' ? null : checkString('text', q.text, 0, 200);
    const sort = q.sort ?? 'created';
    if (!RUN_SORTS.includes(sort)) throw invalid(`sort must be one of ${RUN_SORTS.join(', ')} (got ${show(sort)}).`);
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalid(`order must be asc or desc (got ${show(order)}).`);
    const offset = q.offset === undefined ? 0 : checkInt('offset', q.offset, 0);
    const limit = q.limit === undefined ? 50 : checkInt('limit', q.limit, 1, 1000);
    const s = listStatements(statuses !== null, tag !== null, text !== null, sort, order);
    const params: Record<string, unknown> = {};
    if (statuses) params.statuses = JSON.stringify(statuses);
    if (tag !== null) params.tag = tag;
    if (text !== null) params.text = likePattern(text);
    // One read transaction: the page and the total come from the same snapshot.
    return db.transaction(() => ({
      total: s.count.get(params) as number,
      runs: (s.page.all({ ...params, limit, offset }) as RunDb[]).map(runRow),
    }))();
  }

  const setRunStatus = db.transaction((id: number, status: RunStatus, details: StatusDetails = {}): RunRow => {
    const from = requireStatus(id);
    checkStatus(status);
    if (status === 'queued') throw invalid(`A run goes back to queued only by resuming it from a checkpoint.`);
    if (!STATUS_TRANSITIONS[from].includes(status)) {
      throw conflict(`Run ${id} is ${from}; it cannot become ${status}${STATUS_TRANSITIONS[from].length ? ` (it can become ${STATUS_TRANSITIONS[from].join(', ')})` : ''}.`);
    }
    if (typeof details !== 'object' || details === null) throw invalid(`status details must be an object (got ${show(details)}).`);
    const error = details.error === undefined ? null : checkString('error', details.error, 0, ERROR_MAX);
    let divergedEpoch: number | null = null;
    let divergedIteration: number | null = null;
    if (status === 'diverged') {
      const d = details.divergedAt;
      if (typeof d !== 'object' || d === null) throw invalid('A diverged run needs divergedAt: { epoch, iteration }.');
      divergedEpoch = checkInt('divergedAt.epoch', d.epoch, 1);
      divergedIteration = checkInt('divergedAt.iteration', d.iteration, 1);
    } else if (details.divergedAt !== undefined) {
      throw invalid(`divergedAt applies only to status diverged (not ${status}).`);
    }
    if (status === 'running') {
      if (error !== null) throw invalid('A running run has no error text.');
      st.toRunning.run({ id, now: now() });
    } else {
      st.toFinished.run({ id, status, now: now(), error, divergedEpoch, divergedIteration });
    }
    return getRun(id);
  });

  const renameRun = db.transaction((id: number, name: string): RunRow => {
    requireStatus(id);
    st.rename.run(checkName(name), id);
    return getRun(id);
  });

  const setRunTags = db.transaction((id: number, tags: readonly string[]): RunRow => {
    requireStatus(id);
    const clean = checkTags(tags);
    st.deleteTags.run(id);
    for (const t of clean) st.insertTag.run(id, t);
    return getRun(id);
  });

  const setRunNotes = db.transaction((id: number, notes: string): RunRow => {
    requireStatus(id);
    st.notes.run(checkString('notes', notes, 0, MAX_NOTES), id);
    return getRun(id);
  });

  const deleteRun = db.transaction((id: number): void => {
    const status = requireStatus(id);
    if (status === 'running') throw conflict(`Run ${id} is running; stop it before deleting it.`);
    st.deleteRun.run(id);
  });

  const resumeRun = db.transaction((id: number, checkpointId: number): RunRow => {
    const status = requireStatus(id);
    const cp = st.checkpointOwner.get(checkInt('checkpoint id', checkpointId, 1));
    if (!cp) throw notFound(`No checkpoint with id ${checkpointId}.`);
    if (cp.run_id !== id) throw invalid(`Checkpoint ${checkpointId} belongs to run ${cp.run_id}, not run ${id}.`);
    if (!RESUMABLE_STATUSES.includes(status)) {
      throw conflict(`Run ${id} is ${status}; only ${RESUMABLE_STATUSES.join(', ')} runs can be resumed${status === 'completed' || status === 'diverged' ? ' (fork it instead)' : ''}.`);
    }
    const p = { run: id, iteration: cp.iteration, epoch: cp.epoch, cp: checkpointId };
    st.trimLosses.run({ run: id, iteration: cp.iteration });
    st.dropLosses.run({ run: id, iteration: cp.iteration });
    st.dropMetrics.run({ run: id, epoch: cp.epoch });
    st.dropCheckpoints.run({ run: id, iteration: cp.iteration, cp: checkpointId });
    st.rewind.run(p);
    st.refreshBest.run({ run: id });
    return getRun(id);
  });

  function heartbeat(id: number): void {
    const status = requireStatus(id);
    if (ctx.relaxedSync(() => st.heartbeat.run(now(), id)).changes === 0) throw conflict(`Run ${id} is ${status}, not running; no heartbeat recorded.`);
  }

  const markStaleRunsInterrupted = db.transaction((olderThanMs: number): number[] => {
    checkFinite('olderThanMs', olderThanMs, 0);
    const t = now();
    const error = `Interrupted: the process running it stopped sending heartbeats (none for ${Math.round(olderThanMs / 1000)} s).`;
    return st.stale.all({ now: t, cutoff: t - olderThanMs, error }).map((r) => r.id).sort((a, b) => a - b);
  });

  return {
    registerDataset: (d: DatasetInput) => registerDataset.immediate(d),
    getDataset,
    listDatasets: () => st.listDatasets.all().map(datasetRow),
    createRun: (r: NewRun) => createRun.immediate(r),
    createRuns: (rs: readonly NewRun[]) => createRuns.immediate(rs),
    getRun,
    listRuns,
    listTags: () => st.listTags.all(),
    setRunStatus: (id: number, s: RunStatus, d?: StatusDetails) => setRunStatus.immediate(id, s, d),
    renameRun: (id: number, name: string) => renameRun.immediate(id, name),
    setRunTags: (id: number, tags: readonly string[]) => setRunTags.immediate(id, tags),
    setRunNotes: (id: number, notes: string) => setRunNotes.immediate(id, notes),
    deleteRun: (id: number) => deleteRun.immediate(id),
    resumeRun: (id: number, cp: number) => resumeRun.immediate(id, cp),
    heartbeat,
    markStaleRunsInterrupted: (ms: number) => markStaleRunsInterrupted.immediate(ms),
    // for the other modules
    requireStatus,
    refreshBest: st.refreshBest,
  };
}
