import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_PORT, parseServeArgs, UsageError } from '../../src-main/web/serve';

describe('npm run serve flags', () => {
  it('defaults to loopback on the default port and the default database', () => {
    expect(parseServeArgs([])).toEqual({ port: DEFAULT_PORT, host: '127.0.0.1', db: null, queue: null, help: false });
  });

  it('reads --port, --host, --db, in both spellings, and --help', () => {
    expect(parseServeArgs(['--port', '0', '--host=0.0.0.0', '--db', '/tmp/x.sqlite'])).toEqual({ port: 0, host: '0.0.0.0', db: '/tmp/x.sqlite', queue: null, help: false });
    expect(parseServeArgs(['--port=8080', '--help']).help).toBe(true);
  });

  it('refuses bad values and unknown flags with a clear UsageError', () => {
    const cases: [string[], RegExp][] = [
      [['--port'], /--port needs a value/],
      [['--port', '--host'], /--port needs a value/],
      [['--port', '70000'], /0 to 65535/],
      [['--port', '-1'], /0 to 65535/],
      [['--port', '1e3'], /0 to 65535/],
      [['--host', 'a b'], /--host must be/],
      [['--db='], /--db needs a file path/],
      [['--verbose'], /Unknown option "--verbose"/],
      [['serve'], /Unknown option "serve"/],
    ];
    for (const [argv, re] of cases) {
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(UsageError);
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(re);
    }
  });

  it('never throws anything but a UsageError on random arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('--port', '--host', '--db', '--help', '='), fc.string({ maxLength: 8 })), { maxLength: 6 }), (argv) => {
        try {
          const o = parseServeArgs(argv);
          expect(o.port).toBeGreaterThanOrEqual(0);
          expect(o.port).toBeLessThanOrEqual(65535);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});
