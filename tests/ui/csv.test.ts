import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvField, parseCsv, seriesToCsv, toCsv } from '../../src-shared/ui/csv';

describe('CSV export', () => {
  it('quotes only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(NaN)).toBe('NaN');
    expect(csvField(0.001)).toBe('0.001');
  });

  it('merges series by x', () => {
    const csv = seriesToCsv('epoch', [
      { name: 'run 1', points: [{ x: 1, y: 0.9 }, { x: 2, y: 0.95 }] },
      { name: 'run, 2', points: [{ x: 2, y: 0.8 }, { x: 3, y: 0.85 }] },
    ]);
    expect(csv).toBe('epoch,run 1,"run, 2"\r\n1,0.9,\r\n2,0.95,0.8\r\n3,,0.85\r\n');
  });

  it('round-trips any strings through parseCsv', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 3, maxLength: 3 }), { maxLength: 20 }), (rows) => {
        const csv = toCsv(['a', 'b', 'c'], rows);
        expect(parseCsv(csv)).toEqual([['a', 'b', 'c'], ...rows]);
      }),
    );
  });

  it('refuses rows of the wrong width and malformed input', () => {
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 fields, the header 2/);
    expect(() => parseCsv('"open')).toThrow(/Unterminated/);
    expect(() => parseCsv('ab"c"')).toThrow(/Unexpected quote/);
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseCsv(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SyntaxError);
        }
      }),
    );
  });
});
