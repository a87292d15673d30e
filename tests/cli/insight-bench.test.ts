// `npm run bench:insight`: its flags, and one short real run on a small subset printing the
// documented records (format=1) with the record's share of each epoch.
import { describe, expect, it } from 'vitest';
import { main, parseInsightBenchArgs } from '../../src-main/cli/insight-bench';

describe('bench:insight', () => {
  it('parses its flags and refuses bad ones', () => {
    expect(parseInsightBenchArgs([])).toEqual({ kind: 'run', options: { preset: 'report', epochs: 3, subset: null, backend: 'auto', threads: 1 } });
    expect(parseInsightBenchArgs(['--preset=quick', '--epochs', '2', '--subset', '500', '--backend', 'wasm', '--threads', '2'])).toEqual({ kind: 'run', options: { preset: 'quick', epochs: 2, subset: 500, backend: 'wasm', threads: 2 } });
    expect(parseInsightBenchArgs(['--help'])).toEqual({ kind: 'help' });
    for (const [argv, msg] of [[['--epochs', '1'], /between 2 and 100/], [['--threads', '9'], /between 1 and 8/], [['--preset', 'nope'], /Unknown preset/], [['--backend', 'gpu'], /--backend must be/], [['--x', '1'], /Unknown flag/], [['--epochs'], /needs a value/]] as const) {
      const r = parseInsightBenchArgs(argv);
      expect(r.kind).toBe('error');
      if (r.kind === 'error') expect(r.message).toMatch(msg);
    }
  });

  it('times the record against each epoch on a small run', async () => {
    let out = '';
    const code = await main(['--preset', 'quick', '--epochs', '2', '--subset', '400', '--threads', '2'], { write: (s: string) => (out += s) }, { write: () => undefined });
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('insight format=1');
    expect(lines[2]).toMatch(/^setup preset=quick images=400 batch=200 epochs=2 backend=\S+ threads=2 health_sample=200 validation=1000 test=10000$/);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(2);
    expect(lines[3]).toMatch(/^epoch n=1 train_ms=[\d.]+ health_ms=[\d.]+ validation_ms=[\d.]+ test_ms=[\d.]+ share=[\d.]+ share_with_test=[\d.]+$/);
    expect(lines.at(-1)).toMatch(/^summary epochs=1 share_median=[\d.]+ share_with_test_median=[\d.]+$/);
  }, 120_000);
});
