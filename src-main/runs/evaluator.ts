// Checkpoint evaluations, on threads of the supervisor's budget (scheduler.ts): each waits in a
// FIFO queue for a thread, one may borrow beyond the budget while training holds every thread,
// and past `maxWaiting` waiting ones more are refused with a message. Evaluations always run on
// this machine (they are short, and the store is here).

import { ApiError } from '../../src-shared/errors';
import type { EvaluationRecord, Store } from '../store/index';
import type { Execution, Executor } from './executor';
import type { BackendChoice, DatasetRef, EvaluateTask, EvaluationPayload } from './protocol';
import { evaluationInput } from './recorder';
import type { ThreadBudget } from './scheduler';

type Grant = 'budget' | 'borrowed';

export interface EvaluatorOptions {
  store: Store;
  budget: ThreadBudget;
  executor: Executor;
  datasetRef: (datasetId: string) => DatasetRef;
  backend: BackendChoice;
  maxWaiting: number;
}

export class Evaluator {
  private readonly waiting: ((grant: Grant | null) => void)[] = [];
  private readonly running = new Set<Execution>();
  private closed = false;

  constructor(private readonly o: EvaluatorOptions) {}

  /** Hands free threads to waiting evaluations, in order (null to each when closing). */
  pump(): void {
    while (this.waiting.length > 0) {
      const grant = this.closed ? null : this.o.budget.grantEvaluation();
      if (grant === null && !this.closed) return;
      this.waiting.shift()!(grant);
    }
  }

  /** Waits for a thread; resolves with what to give back. */
  private async thread(): Promise<Grant> {
    if (this.waiting.length === 0) {
      const now = this.o.budget.grantEvaluation();
      if (now !== null) return now;
    }
    if (this.waiting.length >= this.o.maxWaiting) {
      throw new ApiError(`${this.o.maxWaiting} evaluations are already waiting for a free thread; try again when they have finished.`);
    }
    const grant = await new Promise<Grant | null>((resolve) => this.waiting.push(resolve));
    if (grant === null) throw new ApiError('The workbench is closing; the evaluation was not run.');
    return grant;
  }

  /** Evaluates a checkpoint on its run's test set and stores the evaluation with all its predictions. */
  async evaluate(checkpointId: number): Promise<EvaluationRecord> {
    const { store } = this.o;
    const cp = store.loadCheckpoint(checkpointId);
    const run = store.getRun(cp.runId);
    const dataset = this.o.datasetRef(run.config.dataset);
    const grant = await this.thread();
    try {
      const task: EvaluateTask = { type: 'evaluate', checkpoint: new Uint8Array(cp.data), config: run.config, dataset, backend: this.o.backend, threads: 1 };
      let result: EvaluationPayload | null = null;
      let failure: string | null = null;
      const execution: Execution = this.o.executor.start(task, (m) => {
        if (m.type === 'evaluation') result = m.evaluation;
        else if (m.type === 'error') failure = m.message;
        if (m.type === 'done' || m.type === 'error') void execution.terminate();
      });
      this.running.add(execution);
      let exit;
      try {
        exit = await execution.exited;
      } finally {
        this.running.delete(execution);
      }
      if (failure !== null) throw new Error(failure);
      if (result === null) throw new Error(exit.error ?? `The evaluation worker exited (code ${exit.code ?? 'none'}) before finishing.`);
      return store.recordEvaluation(evaluationInput(checkpointId, result));
    } finally {
      this.o.budget.releaseEvaluation(grant);
      this.pump();
    }
  }

  /** Refuses the waiting ones and ends the running ones. */
  async close(): Promise<void> {
    this.closed = true;
    this.pump();
    await Promise.all([...this.running].map((e) => e.terminate()));
  }
}
