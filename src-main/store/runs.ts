// Runs as records: creation (one or a sweep's worth in one transaction), reading, listing with
// filter/sort/paging, names, tags, notes and deletion. Their life (status, lease, progress,
// resume) is ./lifecycle.ts.
import type BetterSqlite3 from 'better-sqlite3';
import { CONFIG_KEYS, validateRunConfig, type RunConfig } from '../../src-shared/config';
import { MAX_NAME_LENGTH, MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, TAG_PATTERN, hasLoneSurrogate } from '../../src-shared/limits';
import type { Ctx } from './context';
import type { makeDatasets } from './datasets';
import { checkInt, checkString, conflict, invalid, notFound, show } from './errors';
import { checkSweepId, type makeSweeps } from './sweeps';
import { RUN_SORTS, RUN_STATUSES, type NewRun, type NewSweep, type RunListQuery, type RunPage, type RunRecord, type RunStatus, type SweepRecord } from './types';

export interface RunDb {
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
  owner_id: string | null;
  lease_expires_at: number | null;
  trained_on: string | null;
  sweep_id: number | null;
  archived_at: number | null;
  earlier_ms: number | null;
  tags_json: string;
  sweep_name: string | null;
  stretch_ended_at: number | null;
  epochs_ms: number | null;
}

/**
 * Where a run's current stretch of training ended (`t` names the runs table in the statement): its
 * finish, or for an interrupted run its last heartbeat (the interruption is noticed later, maybe
 * at the next start of the app, which is no training time). One definition for the run's
 * duration (RUN_COLUMNS) and for the time a resume adds to earlier_ms (./lifecycle.ts).
 */
export function stretchEndSql(t: string): string {
  return `(CASE WHEN ${t}.status = 'interrupted' THEN coalesce(${t}.heartbeat_at, ${t}.finished_at) ELSE ${t}.finished_at END)`;
}

const RUN_COLUMNS =
  `r.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)) AS tags_json, ` +
  `(SELECT name FROM sweeps WHERE id = r.sweep_id) AS sweep_name, ${stretchEndSql('r')} AS stretch_ended_at, ` +
  // A run resumed before its earlier stretches were recorded: its epochs' time is the best known.
  `CASE WHEN r.earlier_ms IS NULL THEN (SELECT sum(duration_ms) FROM epoch_metrics WHERE run_id = r.id) END AS epochs_ms`;

const SORT_SQL: Record<string, string> = {
  created: 'r.created_at',
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  bestValAccuracy: 'r.best_val_accuracy',
  testAccuracy: 'r.test_accuracy',
};

function configOf(json: string): RunConfig {
  const raw: unknown = JSON.parse(json);
  const v = validateRunConfig(raw);
  // A config written by an older app may miss newer fields: validation fills their defaults. One
  // that no longer validates is returned as stored, never dropped.
  return v.ok ? v.value : (raw as RunConfig);
}

function runRecord(r: RunDb): RunRecord {
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
    owner: r.owner_id === null ? null : { id: r.owner_id, leaseExpiresAt: r.lease_expires_at ?? 0 },
    trainedOn: r.trained_on,
    sweep: r.sweep_id === null || r.sweep_name === null ? null : { id: r.sweep_id, name: r.sweep_name },
    archivedAt: r.archived_at,
    training: { earlierMs: r.earlier_ms, stretchEndedAt: r.stretch_ended_at, epochsMs: r.epochs_ms },
  };
}

export function checkRunId(id: unknown): number {
  return checkInt('run id', id, 1);
}

function checkName(name: unknown): string {
  const s = checkString('name', name, 1, MAX_NAME_LENGTH).trim();
  if (!s) throw invalid('name must not be blank.');
  if (hasLoneSurrogate(s)) throw invalid('name contains an invalid character (a lone UTF-16 surrogate).');
  return s;
}

function checkNotes(notes: unknown): string {
  const s = checkString('notes', notes, 0, MAX_NOTES_LENGTH);
  if (hasLoneSurrogate(s)) throw invalid('notes contain an invalid character (a lone UTF-16 surrogate).');
  return s;
}

/** Tags as the store keeps them: trimmed, duplicates dropped, sorted; the limits are src-shared/limits'. */
function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw invalid(`tags must be an array of strings (got ${show(tags)}).`);
  const out = new Set<string>();
  for (const t of tags) {
    if (typeof t !== 'string') throw invalid(`each tag must be a string (got ${show(t)}).`);
    const s = t.trim();
    if (!s) throw invalid('a tag must not be blank.');
    if (s.length > MAX_TAG_LENGTH) throw invalid(`tag ${show(s)} is too long (at most ${MAX_TAG_LENGTH} characters).`);
    if (/[\u0000-\u001f\u007f]/.test(s)) throw invalid(`tag ${show(s)} contains control characters.`);
    if (!TAG_PATTERN.test(s)) throw invalid(`tag ${show(s)} may hold only letters, digits, spaces and . _ : / -.`);
    out.add(s);
  }
  if (out.size > MAX_TAGS) throw invalid(`a run has at most ${MAX_TAGS} tags (got ${out.size}).`);
  return [...out].sort();
}

export function checkStatus(s: unknown): RunStatus {
  if (typeof s !== 'string' || !(RUN_STATUSES as readonly string[]).includes(s)) {
    throw invalid(`status must be one of ${RUN_STATUSES.join(', ')} (got ${show(s)}).`);
  }
  return s as RunStatus;
}

/** LIKE pattern for a substring, with %, _ and \ escaped (ESCAPE '\'). */
function likePattern(text: string): string {
  return '%' + text.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

const ARCHIVED_MODES = ['exclude', 'include', 'only'] as const;

export function makeRuns(ctx: Ctx, datasets: ReturnType<typeof makeDatasets>, sweeps: ReturnType<typeof makeSweeps>) {
  const { db, now } = ctx;
  const st = {
    insertRun: db.prepare(
      `INSERT INTO runs (name, status, config, seed, dataset_id, total_epochs, created_at, app_version, engine_version,
                         notes, forked_from_run, forked_from_checkpoint, epoch, iteration, sweep_id)
       VALUES (@name, 'queued', @config, @seed, @datasetId, @totalEpochs, @createdAt, @appVersion, @engineVersion,
               @notes, @forkedFromRun, @forkedFromCheckpoint, @epoch, @iteration, @sweepId)`,
    ),
    archive: db.prepare('UPDATE runs SET archived_at = ? WHERE id = ?'),
    sweepOf: db.prepare<[number], number | null>('SELECT sweep_id FROM runs WHERE id = ?').pluck(),
    sweepRuns: db.prepare<[number], RunDb>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.sweep_id = ? ORDER BY r.id`),
    getRun: db.prepare<[number], RunDb>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`),
    runStatus: db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?'),
    insertTag: db.prepare('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)'),
    deleteTags: db.prepare('DELETE FROM run_tags WHERE run_id = ?'),
    listTags: db.prepare<[], { tag: string; count: number }>('SELECT tag, count(*) AS count FROM run_tags GROUP BY tag ORDER BY tag'),
    rename: db.prepare('UPDATE runs SET name = ? WHERE id = ?'),
    notes: db.prepare('UPDATE runs SET notes = ? WHERE id = ?'),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    // A fork names a checkpoint of its parent: its owner and position (checkpoints are ./checkpoints.ts's,
    // but a fork's starting point is part of creating the run).
    forkPoint: db.prepare<[number], { run_id: number; epoch: number; iteration: number }>('SELECT run_id, epoch, iteration FROM checkpoints WHERE id = ?'),
  };

  // Listing statements differ by which filters are present and the sort: prepared once per shape.
  const listCache = new Map<string, { page: BetterSqlite3.Statement; count: BetterSqlite3.Statement }>();
  function listStatements(hasStatus: boolean, hasTag: boolean, hasText: boolean, archived: (typeof ARCHIVED_MODES)[number], sort: string, order: 'asc' | 'desc') {
    const key = `${+hasStatus}${+hasTag}${+hasText}:${archived}:${sort}:${order}`;
    let s = listCache.get(key);
    if (!s) {
      const where: string[] = [];
      if (archived === 'exclude') where.push('r.archived_at IS NULL');
      if (archived === 'only') where.push('r.archived_at IS NOT NULL');
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

  function getRun(id: number): RunRecord {
    const r = st.getRun.get(checkRunId(id));
    if (!r) throw notFound(`No run with id ${id}.`);
    return runRecord(r);
  }

  /** The run's status; StoreError not_found when there is no such run. */
  function requireStatus(id: number): RunStatus {
    const r = st.runStatus.get(checkRunId(id));
    if (!r) throw notFound(`No run with id ${id}.`);
    return r.status;
  }

  function insertRun(r: NewRun): number {
    if (typeof r !== 'object' || r === null) throw invalid(`a new run must be an object (got ${show(r)}).`);
    const name = checkName(r.name);
    const v = validateRunConfig(r.config);
    if (!v.ok) throw invalid(`Invalid run config: ${v.errors.map((e) => e.message).join(' ')}`);
    const config = v.value;
    datasets.getDataset(config.dataset);
    const appVersion = checkString('appVersion', r.appVersion, 1, 100);
    const engineVersion = checkString('engineVersion', r.engineVersion, 1, 100);
    const tags = checkTags(r.tags ?? []);
    const notes = r.notes === undefined ? '' : checkNotes(r.notes);
    let forkedFromRun: number | null = null;
    let forkedFromCheckpoint: number | null = null;
    const sweepId = r.sweepId === undefined ? null : sweeps.getSweep(checkSweepId(r.sweepId)).id;
    // A fork continues the parent's iteration count from the checkpoint.
    let epoch = 0;
    let iteration = 0;
    if (r.forkedFrom !== undefined) {
      const f = r.forkedFrom;
      if (typeof f !== 'object' || f === null) throw invalid(`forkedFrom must be { runId, checkpointId } (got ${show(f)}).`);
      requireStatus(f.runId);
      const cp = st.forkPoint.get(checkInt('forkedFrom.checkpointId', f.checkpointId, 1));
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
        sweepId,
      }).lastInsertRowid,
    );
    for (const t of tags) st.insertTag.run(id, t);
    return id;
  }

  const createRun = db.transaction((r: NewRun): RunRecord => getRun(insertRun(r)));
  const createRuns = db.transaction((rs: readonly NewRun[]): RunRecord[] => {
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

  const createSweep = db.transaction((sweep: NewSweep, rs: readonly NewRun[]): { sweep: SweepRecord; runs: RunRecord[] } => {
    if (!Array.isArray(rs) || rs.length === 0) throw invalid(`a sweep needs at least one run (got ${show(rs)}).`);
    const sweepId = sweeps.insert(sweep);
    const runs = createRuns(rs.map((r) => ({ ...r, sweepId })));
    return { sweep: sweeps.getSweep(sweepId), runs };
  });

  function listRuns(q: RunListQuery = {}): RunPage {
    if (typeof q !== 'object' || q === null) throw invalid(`a run query must be an object (got ${show(q)}).`);
    let statuses: RunStatus[] | null = null;
    if (q.status !== undefined) statuses = (Array.isArray(q.status) ? q.status : [q.status]).map(checkStatus);
    const tag = q.tag === undefined ? null : checkString('tag', q.tag, 1, MAX_TAG_LENGTH + 10);
    const text = q.text === undefined || q.text === '' ? null : checkString('text', q.text, 0, 200);
    const sort = q.sort ?? 'created';
    if (!RUN_SORTS.includes(sort)) throw invalid(`sort must be one of ${RUN_SORTS.join(', ')} (got ${show(sort)}).`);
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalid(`order must be asc or desc (got ${show(order)}).`);
    const offset = q.offset === undefined ? 0 : checkInt('offset', q.offset, 0);
    const limit = q.limit === undefined ? 50 : checkInt('limit', q.limit, 1, 1000);
    const archived = q.archived ?? 'include';
    if (!ARCHIVED_MODES.includes(archived)) throw invalid(`archived must be one of ${ARCHIVED_MODES.join(', ')} (got ${show(archived)}).`);
    const s = listStatements(statuses !== null, tag !== null, text !== null, archived, sort, order);
    const params: Record<string, unknown> = {};
    if (statuses) params.statuses = JSON.stringify(statuses);
    if (tag !== null) params.tag = tag;
    if (text !== null) params.text = likePattern(text);
    // One read transaction: the page and the total come from the same snapshot.
    return db.transaction(() => ({
      total: s.count.get(params) as number,
      runs: (s.page.all({ ...params, limit, offset }) as RunDb[]).map(runRecord),
    }))();
  }

  const renameRun = db.transaction((id: number, name: string): RunRecord => {
    requireStatus(id);
    st.rename.run(checkName(name), id);
    return getRun(id);
  });

  const setRunTags = db.transaction((id: number, tags: readonly string[]): RunRecord => {
    requireStatus(id);
    const clean = checkTags(tags);
    st.deleteTags.run(id);
    for (const t of clean) st.insertTag.run(id, t);
    return getRun(id);
  });

  const setRunNotes = db.transaction((id: number, notes: string): RunRecord => {
    requireStatus(id);
    st.notes.run(checkNotes(notes), id);
    return getRun(id);
  });

  const setArchived = db.transaction((id: number, archived: boolean): RunRecord => {
    const status = requireStatus(id);
    if (typeof archived !== 'boolean') throw invalid(`archived must be true or false (got ${show(archived)}).`);
    if (archived && (status === 'running' || status === 'queued')) throw conflict(`Run ${id} is ${status}; stop it before archiving it.`);
    const was = getRun(id).archivedAt;
    if (archived !== (was !== null)) st.archive.run(archived ? now() : null, id);
    return getRun(id);
  });

  const deleteRun = db.transaction((id: number): void => {
    const status = requireStatus(id);
    if (status === 'running') throw conflict(`Run ${id} is running; stop it before deleting it.`);
    const sweepId = st.sweepOf.get(id) ?? null;
    st.deleteRun.run(id);
    if (sweepId !== null) sweeps.dropIfEmpty(sweepId);
  });

  function sweepRuns(id: number): RunRecord[] {
    sweeps.getSweep(id);
    return st.sweepRuns.all(id).map(runRecord);
  }

  return {
    public: {
      createRun: (r: NewRun) => ctx.write(() => createRun.immediate(r)),
      createRuns: (rs: readonly NewRun[]) => ctx.write(() => createRuns.immediate(rs)),
      createSweep: (sweep: NewSweep, rs: readonly NewRun[]) => ctx.write(() => createSweep.immediate(sweep, rs)),
      sweepRuns,
      setRunArchived: (id: number, archived: boolean) => ctx.write(() => setArchived.immediate(id, archived)),
      getRun,
      listRuns,
      listTags: () => st.listTags.all(),
      renameRun: (id: number, name: string) => ctx.write(() => renameRun.immediate(id, name)),
      setRunTags: (id: number, tags: readonly string[]) => ctx.write(() => setRunTags.immediate(id, tags)),
      setRunNotes: (id: number, notes: string) => ctx.write(() => setRunNotes.immediate(id, notes)),
      deleteRun: (id: number) => ctx.write(() => deleteRun.immediate(id)),
    },
    /** For the other parts of the store. */
    getRun,
    requireStatus,
  };
}
