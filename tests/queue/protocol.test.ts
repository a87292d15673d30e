// What an agent accepts from the network, and how queue URLs are shown (never their password).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import { parseQueueUrl, redact } from '../../src-main/queue/connection';
import { parseJobPayload } from '../../src-main/queue/protocol';
import { parseAgentArgs } from '../../src-main/cli/agent';

const good = {
  v: 1,
  runId: 3,
  config: { ...DEFAULT_CONFIG, epochs: 2 },
  dataset: { id: 'mnist', hash: 'a'.repeat(64), kind: 'mnist', name: 'MNIST' },
  checkpoint: null,
  progressIntervalMs: 100,
  backend: 'auto',
};

describe('job payloads', () => {
  it('accepts a valid run and decodes its checkpoint', () => {
    const p = parseJobPayload(good);
    expect(p.ok).toBe(true);
    const withCp = parseJobPayload({ ...good, checkpoint: 'AQID' });
    expect(withCp.ok && Array.from(withCp.checkpoint!)).toEqual([1, 2, 3]);
  });

  it.each([
    ['not an object', 'x', /not an object/],
    ['another version', { ...good, v: 2 }, /version 2/],
    ['a bad run id', { ...good, runId: 0 }, /runId/],
    ['an invalid config', { ...good, config: { ...good.config, learningRate: -1 } }, /Learning rate/],
    ['an unknown setting', { ...good, config: { ...good.config, toString: 1 } }, /Unknown setting "toString"/],
    ['a dataset id that escapes', { ...good, dataset: { ...good.dataset, id: '../etc' } }, /dataset\.id/],
    ['a bad hash', { ...good, dataset: { ...good.dataset, hash: 'zz' } }, /SHA-256/],
    ['a config for another dataset', { ...good, dataset: { ...good.dataset, id: 'other' } }, /another dataset/],
    ['a checkpoint that is not base64', { ...good, checkpoint: '@@@@' }, /base64/],
    ['an unknown backend', { ...good, backend: 'gpu' }, /backend/],
  ])('refuses %s', (_what, data, reason) => {
    const p = parseJobPayload(data);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(reason);
  });

  it('never throws on arbitrary data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(typeof parseJobPayload(v).ok).toBe('boolean');
      }),
    );
  });
});

describe('queue URLs', () => {
  it('parses host, port, db and credentials, and shows them without the password', () => {
    const t = parseQueueUrl('redis://:pa%3Ass@queue.lab:6390/2');
    expect(t.options).toEqual({ host: 'queue.lab', port: 6390, db: 2, password: 'pa:ss' });
    expect(t.shown).toBe('redis://:***@queue.lab:6390/2');
    expect(parseQueueUrl('redis://127.0.0.1').options).toEqual({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(parseQueueUrl('rediss://user:pw@h:1').shown).toBe('rediss://user:***@h:1');
    expect(redact('failed redis://u:secret@h:1 and rediss://:x@y:2')).toBe('failed redis://u:***@h:1 and rediss://:***@y:2');
  });

  it('refuses what is not a redis URL, without echoing a password', () => {
    expect(() => parseQueueUrl('http://h:1')).toThrow(/must start with redis:\/\//);
    expect(() => parseQueueUrl('redis://h:1/x')).toThrow(/database must be a number/);
    try {
      parseQueueUrl('redis://:secret@');
    } catch (e) {
      expect(String(e)).not.toContain('secret');
    }
  });

  it('the agent CLI checks its flags', () => {
    expect(parseAgentArgs([])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--queue .* is required/) });
    expect(parseAgentArgs(['--queue', 'redis://h:1', '--threads', '0'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--threads must be a whole number from 1 to 256/) });
    expect(parseAgentArgs(['--queue', 'redis://:pw@h:1', '--bogus', 'x'])).toMatchObject({ kind: 'error', message: 'Unknown flag --bogus.' });
    const ok = parseAgentArgs(['--queue', 'redis://:pw@h:1', '--threads', '2', '--name', 'lab 3']);
    expect(ok).toMatchObject({ kind: 'ok', args: { threads: 2, name: 'lab 3', lockMs: 30_000 } });
    expect(JSON.stringify(parseAgentArgs(['--queue', 'ftp://:pw@h']))).not.toContain('pw');
  });
});
