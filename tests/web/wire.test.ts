import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError, contract, METHOD_NAMES, type WorkbenchApi } from '../../src-shared/contract';
import { base64ToBytes, bytesToBase64, decodeWire, encodeWire, fromWireJson, invoke, toWireJson, unwrap, WireError } from '../../src-shared/wire';

describe('base64', () => {
  it('matches Node Buffer on random bytes and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const s = bytesToBase64(bytes);
        expect(s).toBe(Buffer.from(bytes).toString('base64'));
        expect(Array.from(base64ToBytes(s))).toEqual(Array.from(bytes));
      }),
    );
  });

  it('rejects malformed base64 with a WireError, never a crash', () => {
    for (const bad of ['A', 'AB=', 'A===', '@@@@', 'AAA\u00e9', 'AB=A', 'AQ==AQ==', 'AR==']) {
      expect(() => base64ToBytes(bad), bad).toThrow(WireError);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          const bytes = base64ToBytes(s);
          // Whatever is accepted must be canonical base64.
          expect(bytesToBase64(bytes)).toBe(s);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
    );
  });
});

describe('wire codec', () => {
  it('round-trips typed arrays, non-finite numbers, dates and $-keyed objects', () => {
    const f32 = new Float32Array([1.5, -0.25, NaN, Infinity]);
    const big = new Uint8Array(1000).map((_, i) => (i * 7) & 255);
    const value = {
      loss: NaN,
      best: Infinity,
      worst: -Infinity,
      images: big,
      probs: f32,
      ids: new Int32Array([-1, 2 ** 31 - 1]),
      view: new Float64Array(new Float64Array([1, 2, 3, 4]).buffer, 8, 2),
      when: new Date('2024-01-02T03:04:05.000Z'),
      tricky: { $u8: 'not a tag' },
      nested: [{ a: [1, 'x', null, true] }, undefined],
      skipped: undefined,
    };
    const back = fromWireJson(toWireJson(value)) as Record<string, unknown>;
    expect(back.loss).toBeNaN();
    expect(back.best).toBe(Infinity);
    expect(back.worst).toBe(-Infinity);
    expect(back.images).toBeInstanceOf(Uint8Array);
    expect(back.images).toEqual(big);
    expect(back.probs).toBeInstanceOf(Float32Array);
    expect(Array.from(back.probs as Float32Array)).toEqual([1.5, -0.25, NaN, Infinity]);
    expect(back.ids).toEqual(new Int32Array([-1, 2 ** 31 - 1]));
    expect(back.view).toEqual(new Float64Array([2, 3]));
    expect(back.when).toEqual(new Date('2024-01-02T03:04:05.000Z'));
    expect(back.tricky).toEqual({ $u8: 'not a tag' });
    expect(back.nested).toEqual([{ a: [1, 'x', null, true] }, null]);
    expect('skipped' in back).toBe(false);
  });

  it('round-trips arbitrary JSON-like values', () => {
    const arb = fc.jsonValue();
    fc.assert(
      fc.property(arb, (v) => {
        expect(fromWireJson(toWireJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('refuses what it cannot send', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeWire(cyclic)).toThrow(/contains itself/);
    expect(() => encodeWire({ n: 1n })).toThrow(/bigint/);
    expect(() => encodeWire(new Map())).toThrow(/Map/);
    expect(() => encodeWire(new BigInt64Array(1))).toThrow(/BigInt64Array/);
  });

  it('decodes malformed tags into WireErrors', () => {
    expect(() => decodeWire({ $f32: 'AAA=' })).toThrow(/multiple of 4/);
    expect(() => decodeWire({ $u8: 5 })).toThrow(/base64 string/);
    expect(() => decodeWire({ $num: 'nope' })).toThrow(WireError);
    expect(() => decodeWire({ $what: 1 })).toThrow(/Unknown tag/);
    expect(() => decodeWire({ $obj: [1] })).toThrow(WireError);
    const proto = decodeWire(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });
});

describe('invoke and unwrap', () => {
  const calls: string[] = [];
  const api = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      async (p: unknown) => {
        calls.push(name);
        if ((p as { id?: string } | undefined)?.id === 'report-sgd') throw new ApiError('boom');
        return { name, p };
      },
    ]),
  ) as unknown as WorkbenchApi;

  it('calls every method through the contract parser', async () => {
    for (const name of METHOD_NAMES) {
      const env = await invoke(api, name, undefined);
      // Either the parser accepts "no params" or it rejects them with a message; never a throw.
      expect(typeof env.ok).toBe('boolean');
      if (!env.ok) expect(env.error.length).toBeGreaterThan(0);
    }
    expect(await invoke(api, 'presetConfig', { id: 'report' })).toEqual({ ok: true, value: { name: 'presetConfig', p: { id: 'report' } } });
  });

  it('refuses unknown methods and bad params without calling the API, and wraps thrown errors', async () => {
    calls.length = 0;
    expect(await invoke(api, 'nope', {})).toEqual({ ok: false, error: 'Unknown method "nope".' });
    expect(await invoke(api, 'toString', {})).toEqual({ ok: false, error: 'Unknown method "toString".' });
    expect(await invoke(api, '__proto__', {})).toMatchObject({ ok: false });
    const bad = await invoke(api, 'presetConfig', { id: 'no-such-preset' });
    expect(bad).toEqual({ ok: false, error: expect.stringContaining('Unknown preset') });
    expect(calls).toEqual([]);
    expect(await invoke(api, 'presetConfig', { id: 'report-sgd' })).toEqual({ ok: false, error: 'boom' });
    expect(contract.presetConfig.parse({ id: 'report' })).toEqual({ id: 'report' });
  });

  it('unwraps envelopes and refuses malformed ones', () => {
    expect(unwrap({ ok: true, value: 3 })).toBe(3);
    expect(() => unwrap({ ok: false, error: 'bad id' })).toThrow('bad id');
    expect(() => unwrap(null)).toThrow(/Malformed/);
    expect(() => unwrap({ ok: 'yes' })).toThrow(/Malformed/);
  });
});
