// Cores are a budget (../../docs/architecture.md): the supervisor hands threads out of it to the
// runs it starts and to checkpoint evaluations, and takes them back when they end.
//
// The policy, kept small and predictable:
//   - runs start in queue order (FIFO), at most `maxRuns` (the concurrency setting) at once, and
//     each gets an equal share of the budget: threads / maxRuns, at least 1, at most what it asked
//     for. With the default of one run at a time, a run gets every core; with concurrency 2 on 2
//     cores, two runs train side by side on one thread each;
//   - an evaluation takes 1 thread from the same budget and waits in its own FIFO queue for one.
//     So that a user's evaluation never waits for a 40-epoch run to finish, ONE evaluation may
//     run beyond the budget while training holds every thread (at most budget + 1 threads in
//     all); dozens of evaluations asked for at once still run one by one.
// Results never depend on a run's thread count (the engine sums gradient shards in a fixed
// order), so the grant can be whatever the budget allows at the moment the run starts.

export interface ThreadBudgetOptions {
  /** Threads to hand out in all (default: the machine's cores). */
  threads: number;
  /** Runs training at once, at most. */
  maxRuns: number;
}

export class ThreadBudget {
  private used = 0;
  private runs = 0;
  private borrowed = 0;

  constructor(private readonly o: ThreadBudgetOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 256) throw new Error(`The thread budget must be a whole number from 1 to 256 (got ${o.threads}).`);
    if (!Number.isInteger(o.maxRuns) || o.maxRuns < 1 || o.maxRuns > 256) throw new Error(`concurrency must be a whole number between 1 and 256 (got ${o.maxRuns}).`);
  }

  get total(): number {
    return this.o.threads;
  }

  get free(): number {
    return Math.max(0, this.o.threads - this.used);
  }

  /** Threads held by runs and evaluations now (the one borrowed beyond the budget included). */
  get inUse(): number {
    return this.used + this.borrowed;
  }

  /** Threads for the next run in the queue, or 0 if it must wait. `wanted` caps the grant. */
  grantRun(wanted?: number): number {
    if (this.runs >= this.o.maxRuns || this.free === 0) return 0;
    let n = Math.max(1, Math.min(this.free, Math.floor(this.o.threads / this.o.maxRuns)));
    if (wanted !== undefined) n = Math.min(n, Math.max(1, wanted));
    this.used += n;
    this.runs++;
    return n;
  }

  releaseRun(threads: number): void {
    this.used -= threads;
    this.runs--;
  }

  /** A thread for an evaluation: from the budget, else the one allowed beyond it; null: wait. */
  grantEvaluation(): 'budget' | 'borrowed' | null {
    if (this.free > 0) {
      this.used++;
      return 'budget';
    }
    if (this.borrowed === 0) {
      this.borrowed = 1;
      return 'borrowed';
    }
    return null;
  }

  releaseEvaluation(kind: 'budget' | 'borrowed'): void {
    if (kind === 'budget') this.used--;
    else this.borrowed = 0;
  }
}
