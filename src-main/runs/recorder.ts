// The recorder: turns a training run's worker messages into store writes and events. It knows
// nothing of threads or queues (whoever transports the messages, a local thread or an agent, is
// the executor's business), and it writes only through the run's RunWriter, so every write
// checks the run's lease.
//
//   ready      the dataset the worker loaded must be the one registered for the run
//   progress   its losses are appended; a runProgress event
//   epoch      metrics + losses + checkpoint + insight record in one transaction; a runEpoch event
//   stopped    the stop checkpoint with its losses; the run ends 'stopped'
//   diverged   the losses (the last one not finite); the run ends 'diverged'
//   evaluation the final test evaluation of the last checkpoint, with every prediction
//   done       the run ends 'completed'
//   error      the run ends 'failed' with the worker's message
//
// Replays are harmless: a message about iterations or epochs already recorded (a coordinator that
// restarted re-reads an agent's messages from the start) is skipped, and a task that started
// again from one of the run's checkpoints (an agent took over from one that died) rewinds the
// record to that checkpoint first, so the run ends exactly as if nothing had happened.
//
// A write that fails ends the run 'failed' with the reason; if even that cannot be written (a
// full disk), the run's end is still announced (runStatus with the reason), so the CLI and the
// views do not wait forever, and the next process that opens the database marks it interrupted
// when its lease runs out. A lost lease ends the recording without a single further write.

import { epochRow, type EventMap, type RunStatus } from '../../src-shared/contract';
import { errorText } from '../../src-shared/errors';
import { StoreError, type RunWriter, type StatusDetails } from '../store/index';
import type { IterationLoss } from '../../src-shared/engine/types';
import type { EvaluationPayload, WorkerMessage } from './protocol';

export type FinalStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** What the supervisor does after a message. */
export type Verdict =
  | { kind: 'continue' }
  /** The run reached a final status (recorded, or announced when it could not be). */
  | { kind: 'ended'; status: FinalStatus; recorded: boolean }
  /** Another process holds the run now: stop the task and write nothing more. */
  | { kind: 'lost'; reason: string };

export interface RecorderOptions {
  writer: RunWriter;
  emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void;
  /** The run's total epochs (for progress events). */
  epochs: number;
  /** The dataset's registered content hash, which the worker's 'ready' must report. */
  datasetHash: string;
  /** Whether a stop was asked for by a user (a 'stopped' without one carries a reason). */
  stopRequested: () => boolean;
}

export class RunRecorder {
  private ended = false;

  constructor(private readonly o: RecorderOptions) {}

  get runId(): number {
    return this.o.writer.runId;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Records one message; the verdict says whether the run goes on. */
  onMessage(m: WorkerMessage): Verdict {
    if (this.ended) return { kind: 'continue' };
    const w = this.o.writer;
    try {
      switch (m.type) {
        case 'ready': {
          if (m.datasetHash !== this.o.datasetHash) {
            throw new Error(`The dataset's files changed since it was registered (hash ${m.datasetHash.slice(0, 12)}…, expected ${this.o.datasetHash.slice(0, 12)}…).`);
          }
          const at = w.position();
          if (m.iteration > at.iteration) throw new Error(`The task starts at iteration ${m.iteration}, past what the run recorded (${at.iteration}).`);
          if (m.iteration < at.iteration) w.rewind(m.iteration);
          if (m.where) w.setTrainedOn(m.where);
          return { kind: 'continue' };
        }
        case 'progress': {
          const { type: _type, losses, ...fields } = m;
          const fresh = this.unrecorded(losses);
          if (fresh.length) w.appendIterationLosses(fresh);
          this.o.emit('runProgress', { runId: w.runId, epochs: this.o.epochs, ...fields });
          return { kind: 'continue' };
        }
        case 'epoch': {
          if (m.metrics.epoch <= w.position().epoch) return { kind: 'continue' }; // replayed
          w.recordEpoch({ metrics: m.metrics, losses: this.unrecorded(m.losses), ...(m.checkpoint ? { checkpoint: m.checkpoint } : {}), ...(m.insight ? { insight: m.insight } : {}) });
          this.o.emit('runEpoch', { runId: w.runId, metrics: epochRow(m.metrics) });
          return { kind: 'continue' };
        }
        case 'stopped': {
          if (w.position().lastCheckpoint?.iteration !== m.checkpoint.iteration) w.recordCheckpoint(m.checkpoint, this.unrecorded(m.losses)); // else replayed
          return this.finish('stopped', this.o.stopRequested() ? {} : { error: 'Stopped.' });
        }
        case 'diverged': {
          const fresh = this.unrecorded(m.losses);
          if (fresh.length) w.appendIterationLosses(fresh);
          return this.finish('diverged', {
            error: `The loss became ${String(m.losses.at(-1)?.loss ?? NaN)} at epoch ${m.epoch}, iteration ${m.iteration}.`,
            divergedAt: { epoch: m.epoch, iteration: m.iteration },
          });
        }
        case 'evaluation': {
          const last = w.position().lastCheckpoint;
          if (!last) throw new Error('The run finished without a checkpoint to attach its test evaluation to.');
          if (!last.evaluated) w.recordEvaluation(evaluationInput(last.id, m.evaluation)); // else replayed
          return { kind: 'continue' };
        }
        case 'done':
          return this.finish('completed', {});
        case 'error':
          return this.finish('failed', { error: m.message });
      }
    } catch (e) {
      if (e instanceof StoreError && e.code === 'lease') return this.lose(e.message);
      return this.finish('failed', { error: `Recording the run failed: ${errorText(e)}` });
    }
  }

  /** The losses of a message that the run has not recorded yet (all of them, except in a replay). */
  private unrecorded(losses: IterationLoss[]): IterationLoss[] {
    if (losses.length === 0) return losses;
    const recorded = this.o.writer.position().iteration;
    return losses[0].iteration > recorded ? losses : losses.filter((l) => l.iteration > recorded);
  }

  /** The transport ended without a final message (a crash, a terminated thread, a vanished agent). */
  onExit(reason: string): Verdict {
    if (this.ended) return { kind: 'continue' };
    return this.finish('failed', { error: reason });
  }

  /** Ends the run with a final status, once. */
  finish(status: FinalStatus, details: StatusDetails): Verdict {
    if (this.ended) return { kind: 'continue' };
    this.ended = true;
    try {
      const row = this.o.writer.finish(status, details);
      this.o.emit('runStatus', { runId: this.runId, status: row.status, error: row.error });
      return { kind: 'ended', status, recorded: true };
    } catch (e) {
      if (e instanceof StoreError && e.code === 'lease') return this.lose(e.message);
      // Nothing more can be written (a full disk, an I/O error): say so to every listener. The
      // store still says 'running'; once the lease runs out, the next opener marks it interrupted.
      const why = details.error ? `${details.error} ` : '';
      const error = `${why}Its end could not be recorded either: ${errorText(e)}. The run stays marked running until its lease expires; then it shows as interrupted and can be resumed from its last checkpoint.`;
      this.o.emit('runStatus', { runId: this.runId, status: 'interrupted', error });
      return { kind: 'ended', status: 'interrupted', recorded: false };
    }
  }

  private lose(reason: string): Verdict {
    this.ended = true;
    return { kind: 'lost', reason };
  }
}

/** A worker's evaluation as the store takes it. */
export function evaluationInput(checkpointId: number, ev: EvaluationPayload) {
  return {
    checkpointId,
    split: 'test' as const,
    count: ev.count,
    accuracy: ev.accuracy,
    loss: ev.loss,
    confusion: ev.confusion,
    predictions: { labels: ev.labels, predicted: ev.predicted, probabilities: ev.probabilities },
  };
}
