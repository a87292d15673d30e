// Sweeps: a named grid whose runs were queued together. The sweep is stored once; each of its
// runs points at it (runs.sweep_id), so the group survives renaming or re-tagging its runs. A
// sweep whose last run is deleted goes with it (./runs.ts calls dropIfEmpty).
import { MAX_NAME_LENGTH, hasLoneSurrogate } from '../../src-shared/limits';
import type { Ctx } from './context';
import { checkInt, checkString, invalid, notFound, show } from './errors';
import type { NewSweep, SweepRecord } from './types';

interface SweepDb {
  id: number;
  name: string;
  grid: string;
  created_at: number;
  run_count: number;
}

const SWEEP_COLUMNS = 's.*, (SELECT count(*) FROM runs r WHERE r.sweep_id = s.id) AS run_count';

function sweepRecord(s: SweepDb): SweepRecord {
  return { id: s.id, name: s.name, grid: JSON.parse(s.grid) as [string, unknown[]][], createdAt: s.created_at, runCount: s.run_count };
}

export function checkSweepId(id: unknown): number {
  return checkInt('sweep id', id, 1);
}

function checkSweep(s: NewSweep): { name: string; grid: string } {
  if (typeof s !== 'object' || s === null) throw invalid(`a sweep must be an object (got ${show(s)}).`);
  const name = checkString('sweep name', s.name, 1, MAX_NAME_LENGTH).trim();
  if (!name) throw invalid('sweep name must not be blank.');
  if (hasLoneSurrogate(name)) throw invalid('sweep name contains an invalid character (a lone UTF-16 surrogate).');
  if (!Array.isArray(s.grid) || s.grid.length === 0) throw invalid('a sweep grid must list at least one setting with its values.');
  for (const axis of s.grid) {
    if (!Array.isArray(axis) || axis.length !== 2 || typeof axis[0] !== 'string' || !Array.isArray(axis[1]) || axis[1].length === 0) {
      throw invalid(`each entry of a sweep grid must be [setting, values] (got ${show(axis)}).`);
    }
  }
  return { name, grid: JSON.stringify(s.grid) };
}

export function makeSweeps(ctx: Ctx) {
  const { db, now } = ctx;
  const st = {
    insert: db.prepare('INSERT INTO sweeps (name, grid, created_at) VALUES (@name, @grid, @createdAt)'),
    get: db.prepare<[number], SweepDb>(`SELECT ${SWEEP_COLUMNS} FROM sweeps s WHERE s.id = ?`),
    list: db.prepare<[], SweepDb>(`SELECT ${SWEEP_COLUMNS} FROM sweeps s ORDER BY s.created_at DESC, s.id DESC`),
    dropIfEmpty: db.prepare('DELETE FROM sweeps WHERE id = ? AND NOT EXISTS (SELECT 1 FROM runs WHERE sweep_id = sweeps.id)'),
  };

  function getSweep(id: number): SweepRecord {
    const s = st.get.get(checkSweepId(id));
    if (!s) throw notFound(`No sweep with id ${id}.`);
    return sweepRecord(s);
  }

  return {
    public: {
      getSweep,
      listSweeps: () => st.list.all().map(sweepRecord),
    },
    /** Inserts a sweep (inside the caller's transaction); returns its id. */
    insert: (s: NewSweep): number => Number(st.insert.run({ ...checkSweep(s), createdAt: now() }).lastInsertRowid),
    /** Removes a sweep left without runs (inside the caller's transaction). */
    dropIfEmpty: (id: number): void => void st.dropIfEmpty.run(id),
    getSweep,
  };
}
