// Evaluations of checkpoints (accuracy, loss, confusion matrix) and every image's prediction,
// written together in one transaction; predictions queried by class and correctness, sorted
// by confidence, paged.
import type BetterSqlite3 from 'better-sqlite3';
import type { makeCheckpoints } from './checkpoints';
import { blobF32, blobI32, f32Blob, fromRealRequired, i32Blob, toReals } from './codec';
import type { Ctx } from './context';
import { checkFinite, checkInt, checkNumber, invalid, notFound, show } from './errors';
import type { makeLifecycle } from './lifecycle';
import type { makeRuns } from './runs';
import type { EvaluationInput, EvaluationRecord, PredictionListQuery, PredictionPage, PredictionRecord, Split } from './types';

const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

interface EvaluationDb {
  id: number;
  run_id: number;
  checkpoint_id: number;
  split: Split;
  count: number;
  accuracy: number;
  loss: number | null;
  nan_mask: number;
  confusion: Buffer;
  created_at: number;
  prediction_count: number;
}
interface PredictionDb {
  image_index: number;
  label: number;
  predicted: number;
  confidence: number | null;
  probabilities: Buffer;
}

const EVAL_COLUMNS = 'e.*, (SELECT count(*) FROM predictions p WHERE p.evaluation_id = e.id) AS prediction_count';

function evaluationRecord(e: EvaluationDb): EvaluationRecord {
  return {
    id: e.id,
    runId: e.run_id,
    checkpointId: e.checkpoint_id,
    split: e.split,
    count: e.count,
    accuracy: e.accuracy,
    loss: fromRealRequired(e.loss, e.nan_mask, 0),
    confusion: blobI32(e.confusion),
    predictionCount: e.prediction_count,
    createdAt: e.created_at,
  };
}

function predictionRecord(p: PredictionDb): PredictionRecord {
  const probabilities = blobF32(p.probabilities);
  return {
    imageIndex: p.image_index,
    label: p.label,
    predicted: p.predicted,
    // NULL only when the probability is NaN; the BLOB holds the exact value.
    confidence: p.confidence ?? probabilities[p.predicted],
    probabilities,
  };
}

export function makeEvaluations(ctx: Ctx, runs: ReturnType<typeof makeRuns>, life: ReturnType<typeof makeLifecycle>, checkpoints: ReturnType<typeof makeCheckpoints>) {
  const { db, now } = ctx;
  const st = {
    insert: db.prepare(
      `INSERT INTO evaluations (run_id, checkpoint_id, split, count, accuracy, loss, nan_mask, confusion, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertPrediction: db.prepare(
      'INSERT INTO predictions (evaluation_id, image_index, label, predicted, confidence, probabilities) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    get: db.prepare<[number], EvaluationDb>(`SELECT ${EVAL_COLUMNS} FROM evaluations e WHERE e.id = ?`),
    byRun: db.prepare<[number], EvaluationDb>(`SELECT ${EVAL_COLUMNS} FROM evaluations e WHERE e.run_id = ? ORDER BY e.id`),
    finalTest: db.prepare<[number, number], EvaluationDb>(`SELECT ${EVAL_COLUMNS} FROM evaluations e WHERE e.run_id = ? AND e.checkpoint_id = ? AND e.split = 'test' ORDER BY e.id DESC LIMIT 1`),
    exists: db.prepare<[number], { id: number }>('SELECT id FROM evaluations WHERE id = ?'),
    wrong: db.prepare<[number], number>('SELECT image_index FROM predictions WHERE evaluation_id = ? AND label != predicted ORDER BY image_index').pluck(),
  };

  const queryCache = new Map<string, { page: BetterSqlite3.Statement; count: BetterSqlite3.Statement }>();
  function queryStatements(hasLabel: boolean, hasPredicted: boolean, correct: boolean | null, order: 'asc' | 'desc') {
    const key = `${+hasLabel}${+hasPredicted}${correct === null ? '-' : +correct}:${order}`;
    let s = queryCache.get(key);
    if (!s) {
      const where = ['evaluation_id = @evaluation'];
      if (hasLabel) where.push('label = @label');
      if (hasPredicted) where.push('predicted = @predicted');
      if (correct !== null) where.push(correct ? 'label = predicted' : 'label != predicted');
      const w = 'WHERE ' + where.join(' AND ');
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      s = {
        page: db.prepare(
          `SELECT image_index, label, predicted, confidence, probabilities FROM predictions ${w}
           ORDER BY confidence ${dir} NULLS LAST, image_index ASC LIMIT @limit OFFSET @offset`,
        ),
        count: db.prepare(`SELECT count(*) FROM predictions ${w}`).pluck(),
      };
      queryCache.set(key, s);
    }
    return s;
  }

  function requireEvaluation(id: number): void {
    if (!st.exists.get(checkInt('evaluation id', id, 1))) throw notFound(`No evaluation with id ${id}.`);
  }

  /** owner: the run's owner recording its own final evaluation (checked like every write of a training run); null: anyone. */
  const record = db.transaction((e: EvaluationInput, owner: string | null): EvaluationRecord => {
    if (typeof e !== 'object' || e === null) throw invalid(`an evaluation must be an object (got ${show(e)}).`);
    const cpId = checkInt('checkpointId', e.checkpointId, 1);
    const cp = { run_id: checkpoints.getCheckpoint(cpId).runId };
    if (owner !== null) life.requireWritable(cp.run_id, owner, 'the test evaluation');
    if (typeof e.split !== 'string' || !SPLITS.includes(e.split)) throw invalid(`split must be one of ${SPLITS.join(', ')} (got ${show(e.split)}).`);
    const count = checkInt('count', e.count, 1, 10_000_000);
    const accuracy = checkFinite('accuracy', e.accuracy, 0, 1);
    const loss = checkNumber('loss', e.loss);
    const c = e.confusion;
    if (!(c instanceof Int32Array) && !Array.isArray(c)) throw invalid(`confusion must be an Int32Array or array of 100 counts (got ${show(c)}).`);
    if (c.length !== 100) throw invalid(`confusion must hold 100 counts (10×10), got ${c.length}.`);
    const confusion = new Int32Array(100);
    let sum = 0;
    let trace = 0;
    for (let i = 0; i < 100; i++) {
      confusion[i] = checkInt(`confusion[${i}]`, c[i], 0, count);
      sum += confusion[i];
      if (i % 11 === 0) trace += confusion[i];
    }
    if (sum !== count) throw invalid(`confusion counts sum to ${sum}, but count is ${count}.`);
    if (Math.abs(trace / count - accuracy) > 1e-6) throw invalid(`accuracy ${accuracy} does not match the confusion matrix (${trace}/${count} = ${trace / count}).`);
    const pr = e.predictions;
    if (pr !== undefined) {
      if (typeof pr !== 'object' || pr === null) throw invalid(`predictions must be { labels, predicted, probabilities } (got ${show(pr)}).`);
      if (!(pr.labels instanceof Uint8Array) || pr.labels.length !== count) throw invalid(`predictions.labels must be a Uint8Array of ${count} labels.`);
      if (!(pr.predicted instanceof Uint8Array) || pr.predicted.length !== count) throw invalid(`predictions.predicted must be a Uint8Array of ${count} labels.`);
      if (!(pr.probabilities instanceof Float32Array) || pr.probabilities.length !== count * 10) {
        throw invalid(`predictions.probabilities must be a Float32Array of ${count} × 10 values.`);
      }
      const check = new Int32Array(100);
      for (let i = 0; i < count; i++) {
        const l = pr.labels[i];
        const p = pr.predicted[i];
        if (l > 9 || p > 9) throw invalid(`prediction ${i} has label ${l} and predicted ${p}; both must be 0..9.`);
        check[l * 10 + p]++;
      }
      for (let i = 0; i < 100; i++) {
        if (check[i] !== confusion[i]) {
          throw invalid(`the predictions disagree with the confusion matrix at true ${Math.floor(i / 10)}, predicted ${i % 10} (${check[i]} vs ${confusion[i]}).`);
        }
      }
    }
    const { reals, mask } = toReals([loss]);
    const id = Number(st.insert.run(cp.run_id, cpId, e.split, count, accuracy, reals[0], mask, i32Blob(confusion), now()).lastInsertRowid);
    if (pr !== undefined) {
      for (let i = 0; i < count; i++) {
        const probs = pr.probabilities.subarray(i * 10, i * 10 + 10);
        const conf = probs[pr.predicted[i]];
        st.insertPrediction.run(id, i, pr.labels[i], pr.predicted[i], Number.isNaN(conf) ? null : conf, f32Blob(probs));
      }
    }
    if (e.split === 'test') life.refreshResult(cp.run_id);
    return evaluationRecord(st.get.get(id)!);
  });

  function getEvaluation(id: number): EvaluationRecord {
    const e = st.get.get(checkInt('evaluation id', id, 1));
    if (!e) throw notFound(`No evaluation with id ${id}.`);
    return evaluationRecord(e);
  }

  function listPredictions(evaluationId: number, q: PredictionListQuery = {}): PredictionPage {
    requireEvaluation(evaluationId);
    if (typeof q !== 'object' || q === null) throw invalid(`a prediction query must be an object (got ${show(q)}).`);
    const label = q.label === undefined ? null : checkInt('label', q.label, 0, 9);
    const predicted = q.predicted === undefined ? null : checkInt('predicted', q.predicted, 0, 9);
    if (q.correct !== undefined && typeof q.correct !== 'boolean') throw invalid(`correct must be true or false (got ${show(q.correct)}).`);
    const correct = q.correct ?? null;
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalid(`order must be asc or desc (got ${show(order)}).`);
    const offset = q.offset === undefined ? 0 : checkInt('offset', q.offset, 0);
    const limit = q.limit === undefined ? 100 : checkInt('limit', q.limit, 1, 10_000);
    const s = queryStatements(label !== null, predicted !== null, correct, order);
    const params: Record<string, number> = { evaluation: evaluationId };
    if (label !== null) params.label = label;
    if (predicted !== null) params.predicted = predicted;
    return db.transaction(() => ({
      total: s.count.get(params) as number,
      items: (s.page.all({ ...params, limit, offset }) as PredictionDb[]).map(predictionRecord),
    }))();
  }

  function finalTestEvaluation(runId: number): EvaluationRecord | null {
    const cps = checkpoints.public.listCheckpoints(runId);
    const last = cps.at(-1);
    if (!last) return null;
    const e = st.finalTest.get(runId, last.id);
    return e ? evaluationRecord(e) : null;
  }

  return {
    recordAs: (e: EvaluationInput, owner: string) => ctx.write(() => record.immediate(e, owner)),
    public: {
    recordEvaluation: (e: EvaluationInput) => ctx.write(() => record.immediate(e, null)),
    getEvaluation,
    listEvaluations: (runId: number) => {
      runs.requireStatus(runId);
      return st.byRun.all(runId).map(evaluationRecord);
    },
    finalTestEvaluation,
    listPredictions,
    misclassifiedIndices: (evaluationId: number) => {
      requireEvaluation(evaluationId);
      return Int32Array.from(st.wrong.all(evaluationId));
    },
    },
  };
}
