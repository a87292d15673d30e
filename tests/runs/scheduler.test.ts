// The thread budget: runs get equal shares, evaluations wait for a thread (one may borrow).
import { describe, expect, it } from 'vitest';
import { ThreadBudget } from '../../src-main/runs/scheduler';

describe('ThreadBudget', () => {
  it('gives one run every thread when runs go one at a time', () => {
    const b = new ThreadBudget({ threads: 4, maxRuns: 1 });
    expect(b.grantRun()).toBe(4);
    expect(b.grantRun()).toBe(0); // the second waits
    b.releaseRun(4);
    expect(b.grantRun(2)).toBe(2); // a run that asks for fewer gets fewer
  });

  it('splits the threads between concurrent runs', () => {
    const b = new ThreadBudget({ threads: 2, maxRuns: 2 });
    expect([b.grantRun(), b.grantRun(), b.grantRun()]).toEqual([1, 1, 0]);
    const odd = new ThreadBudget({ threads: 5, maxRuns: 2 });
    expect([odd.grantRun(), odd.grantRun()]).toEqual([2, 2]);
    expect(odd.free).toBe(1);
    const many = new ThreadBudget({ threads: 2, maxRuns: 4 });
    expect([many.grantRun(), many.grantRun(), many.grantRun()]).toEqual([1, 1, 0]); // never more threads than the budget
  });

  it('evaluations take a thread from the budget; one may borrow beyond it while training holds everything', () => {
    const b = new ThreadBudget({ threads: 2, maxRuns: 1 });
    expect(b.grantRun()).toBe(2);
    expect(b.grantEvaluation()).toBe('borrowed');
    expect(b.grantEvaluation()).toBeNull();
    expect(b.inUse).toBe(3);
    b.releaseEvaluation('borrowed');
    b.releaseRun(2);
    expect(b.grantEvaluation()).toBe('budget');
    expect(b.grantEvaluation()).toBe('budget');
    expect(b.grantEvaluation()).toBe('borrowed');
    expect(b.grantRun()).toBe(0); // no thread left for a run until evaluations give theirs back
  });

  it('refuses nonsense budgets', () => {
    expect(() => new ThreadBudget({ threads: 0, maxRuns: 1 })).toThrow(/1 to 256/);
    expect(() => new ThreadBudget({ threads: 2, maxRuns: 0 })).toThrow(/concurrency/);
  });
});
