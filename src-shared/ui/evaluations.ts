// The Test tab's checkpoint picker: one entry per test evaluation of the run, saying which
// checkpoint it belongs to (mid-epoch checkpoints in words, src-shared/ui/format) and marking the
// run's result (its final checkpoint's latest evaluation, the accuracy the header and the runs
// table show).

import type { EvaluationListRow } from '../contract';
import { formatCheckpointPlace, formatPercent, formatTime } from './format';

export interface EvaluationOption {
  id: number;
  label: string;
  isResult: boolean;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Where an evaluation's checkpoint stands, as a label starting with a capital. */
export function evaluationPlace(e: Pick<EvaluationListRow, 'epoch' | 'iteration'>, itersPerEpoch: number | null): string {
  return capitalised(formatCheckpointPlace(e.epoch, e.iteration, itersPerEpoch));
}

/** Picker entries, newest checkpoint first; a checkpoint evaluated twice says when each was made. */
export function evaluationOptions(list: readonly EvaluationListRow[], itersPerEpoch: number | null): EvaluationOption[] {
  const perCheckpoint = new Map<number, number>();
  for (const e of list) perCheckpoint.set(e.checkpointId ?? -e.id, (perCheckpoint.get(e.checkpointId ?? -e.id) ?? 0) + 1);
  return [...list]
    .sort((a, b) => b.iteration - a.iteration || b.id - a.id)
    .map((e) => {
      const twice = (perCheckpoint.get(e.checkpointId ?? -e.id) ?? 0) > 1;
      const parts = [evaluationPlace(e, itersPerEpoch), `accuracy ${formatPercent(e.accuracy)}`];
      if (twice) parts.push(`evaluated ${formatTime(e.createdAt)}`);
      if (e.isResult) parts.push("the run's result");
      return { id: e.id, label: parts.join(' · '), isResult: e.isResult };
    });
}
