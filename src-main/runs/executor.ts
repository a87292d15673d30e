// Where a task (a run's training, or a checkpoint's evaluation) executes. The supervisor hands a
// task to an executor and gets the worker protocol's messages back (./protocol.ts): it cannot
// tell whether they came from a thread of this process or, later, from an agent on another
// machine. Executors know nothing of the store.

import type { WorkerMessage, WorkerTask } from './protocol';

/** How an execution ended on the transport's side (not the run's status: that is the messages'). */
export interface ExecutionExit {
  /** The process/thread exit code where there is one. */
  code: number | null;
  /** Set when the transport failed (the thread threw outside the protocol, the agent vanished). */
  error: string | null;
}

export interface Execution {
  /** Asks for a graceful stop: the task finishes its step, checkpoints and reports 'stopped'. */
  requestStop(): void;
  /** Ends it at once, whatever it is doing (nothing more is delivered). */
  terminate(): Promise<void>;
  /** Resolves once the execution is over, after its last message was delivered. */
  readonly exited: Promise<ExecutionExit>;
}

export interface Executor {
  /** Where its tasks train, for the run's record ("this machine, 2 threads"). */
  describe(threads: number): string;
  /**
   * Starts a task; every message it sends goes to onMessage, in order. The task's buffers may be
   * transferred (the caller must not use them afterwards).
   */
  start(task: WorkerTask, onMessage: (m: WorkerMessage) => void): Execution;
}

/**
 * An executor on other machines, reached through a queue: it can be unreachable for a while,
 * and its tasks outlive this process (a restarted coordinator follows them again).
 */
export interface RemoteExecutor extends Executor {
  /** Resolves when the queue can take a task now; rejects with the reason when it cannot. */
  ready(): Promise<void>;
  /** The id of a run's job that is still waiting or training in the queue, or null. */
  liveJob(runId: number): Promise<string | null>;
  /** Follows a job already in the queue (dispatched by an earlier process), from its first message. */
  attach(runId: number, jobId: string, onMessage: (m: WorkerMessage) => void): Execution;
  close(): Promise<void>;
}
