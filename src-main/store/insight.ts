// The per-epoch insight record (src-shared/insight/record.ts): the training-health JSON and the
// prediction timelines. Written by recordEpoch inside the epoch's own transaction (series.ts),
// read back per run for the views. See migrations/004_insight.ts for the tables.
import type { EpochHealth } from '../../src-shared/engine/inspect/health';
import { TIMELINE_SPLITS, type EpochInsight, type InsightCost, type TimelineSplit } from '../../src-shared/insight/record';
import { blobI32, i32Blob } from './codec';
import type { Ctx } from './context';
import { checkInt, invalid, show } from './errors';
import type { makeRuns } from './runs';
import type { EpochHealthRecord, EpochTimelineRecord } from './types';

interface HealthDb {
  epoch: number;
  health: string;
  cost: string;
  test_note: string | null;
}
interface TimelineDb {
  epoch: number;
  count: number;
  confusion: Buffer;
  predicted: Buffer;
}

/** JSON text of a record, refusing what JSON would silently turn into null (NaN, ±Infinity). */
function json(what: string, v: unknown): string {
  let bad: string | null = null;
  const text = JSON.stringify(v, (k, x: unknown) => {
    if (typeof x === 'number' && !Number.isFinite(x)) bad ??= `${k || '(value)'} is ${String(x)}`;
    return x;
  });
  if (bad !== null) throw invalid(`${what} must hold finite numbers only (${bad}).`);
  if (typeof text !== 'string') throw invalid(`${what} must be an object (got ${show(v)}).`);
  return text;
}

function checkInsight(i: EpochInsight): void {
  if (typeof i !== 'object' || i === null) throw invalid(`insight must be an object (got ${show(i)}).`);
  if (typeof i.health !== 'object' || i.health === null || !Array.isArray(i.health.tensors) || !Array.isArray(i.health.relus)) {
    throw invalid(`insight.health must be a health record with tensors and relus (got ${show(i.health)}).`);
  }
  if (typeof i.cost !== 'object' || i.cost === null) throw invalid(`insight.cost must be an object (got ${show(i.cost)}).`);
  if (i.testNote !== null && typeof i.testNote !== 'string') throw invalid(`insight.testNote must be a string or null (got ${show(i.testNote)}).`);
  if (!Array.isArray(i.timelines)) throw invalid(`insight.timelines must be an array (got ${show(i.timelines)}).`);
  const seen = new Set<string>();
  i.timelines.forEach((t, k) => {
    const at = `insight.timelines[${k}]`;
    if (typeof t !== 'object' || t === null) throw invalid(`${at} must be an object (got ${show(t)}).`);
    if (!TIMELINE_SPLITS.includes(t.split)) throw invalid(`${at}.split must be ${TIMELINE_SPLITS.join(' or ')} (got ${show(t.split)}).`);
    if (seen.has(t.split)) throw invalid(`${at}: the ${t.split} timeline is given twice.`);
    seen.add(t.split);
    const count = checkInt(`${at}.count`, t.count, 1);
    if (!(t.confusion instanceof Int32Array) || t.confusion.length !== 100) throw invalid(`${at}.confusion must be an Int32Array of 100 counts (got ${show(t.confusion)}).`);
    let sum = 0;
    for (const c of t.confusion) {
      if (c < 0) throw invalid(`${at}.confusion holds a negative count.`);
      sum += c;
    }
    if (sum !== count) throw invalid(`${at}.confusion sums to ${sum}, not to its ${count} images.`);
    if (!(t.predicted instanceof Uint8Array) || t.predicted.length !== count) throw invalid(`${at}.predicted must be a Uint8Array of ${count} classes (got ${show(t.predicted)}).`);
    for (const p of t.predicted) if (p > 9) throw invalid(`${at}.predicted holds ${p}, not a class 0..9.`);
  });
}

export function makeInsight(ctx: Ctx, runs: ReturnType<typeof makeRuns>) {
  const { db } = ctx;
  const st = {
    insertHealth: db.prepare('INSERT INTO epoch_health (run_id, epoch, health, cost, test_note) VALUES (?, ?, ?, ?, ?)'),
    insertTimeline: db.prepare('INSERT INTO epoch_timeline (run_id, epoch, split, count, confusion, predicted) VALUES (?, ?, ?, ?, ?, ?)'),
    health: db.prepare<[number], HealthDb>('SELECT epoch, health, cost, test_note FROM epoch_health WHERE run_id = ? ORDER BY epoch'),
    timeline: db.prepare<[number, string], TimelineDb>('SELECT epoch, count, confusion, predicted FROM epoch_timeline WHERE run_id = ? AND split = ? ORDER BY epoch'),
  };

  /** Writes an epoch's record; call inside recordEpoch's transaction, after its metrics row. */
  function insert(runId: number, epoch: number, i: EpochInsight): void {
    checkInsight(i);
    st.insertHealth.run(runId, epoch, json('insight.health', i.health), json('insight.cost', i.cost), i.testNote);
    for (const t of i.timelines) {
      st.insertTimeline.run(runId, epoch, t.split, t.count, i32Blob(t.confusion), Buffer.from(t.predicted.buffer, t.predicted.byteOffset, t.predicted.byteLength));
    }
  }

  function getEpochHealth(runId: number): EpochHealthRecord[] {
    runs.requireStatus(runId);
    return st.health.all(runId).map((r) => ({
      epoch: r.epoch,
      health: JSON.parse(r.health) as EpochHealth,
      cost: JSON.parse(r.cost) as InsightCost,
      testNote: r.test_note,
    }));
  }

  function getEpochTimeline(runId: number, split: TimelineSplit): EpochTimelineRecord[] {
    runs.requireStatus(runId);
    if (!TIMELINE_SPLITS.includes(split)) throw invalid(`split must be ${TIMELINE_SPLITS.join(' or ')} (got ${show(split)}).`);
    return st.timeline.all(runId, split).map((r) => ({ epoch: r.epoch, count: r.count, confusion: blobI32(r.confusion), predicted: new Uint8Array(r.predicted) }));
  }

  return { insert, public: { getEpochHealth, getEpochTimeline } };
}
