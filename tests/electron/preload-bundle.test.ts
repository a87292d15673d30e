// The built preload (out/preload/index.cjs) run as the sandbox runs it: CommonJS whose only
// require is 'electron'. It must expose exactly the contract's methods plus `on`.
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src-shared/contract';
import { CLIENT_KEYS, eventChannel, methodChannel } from '../../src-shared/wire';
import { buildIfStale } from '../../scripts/build-if-stale.mjs';
import { electronStub, loadPreloadBundle, type ElectronStub } from '../support/electron-harness';

let electron: ElectronStub;
let bridge: Record<string, (...args: unknown[]) => unknown>;
let required: string[];

beforeAll(async () => {
  buildIfStale();
  electron = await electronStub();
  ({ required } = loadPreloadBundle(electron));
  bridge = electron.stub.state.exposed.get('workbench') as typeof bridge;
});

describe('preload bundle', () => {
  it('requires nothing but electron (sandboxed preloads cannot)', () => {
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('exposes window.workbench with exactly the contract methods and on()', () => {
    expect([...electron.stub.state.exposed.keys()]).toEqual(['workbench']);
    expect(Object.keys(bridge).sort()).toEqual([...CLIENT_KEYS].sort());
    for (const k of Object.keys(bridge)) expect(typeof bridge[k], k).toBe('function');
    expect(bridge).not.toHaveProperty('invoke');
    expect(bridge).not.toHaveProperty('ipcRenderer');
  });

  it('invokes each method on its own channel and unwraps the envelope', async () => {
    const state = electron.stub.state;
    state.invoked.length = 0;
    state.invokeHandler = async (channel: string, params: unknown) => ({ ok: true, value: { channel, params } });
    for (const name of METHOD_NAMES) {
      const got = await bridge[name]({ probe: name });
      expect(got).toEqual({ channel: methodChannel(name), params: { probe: name } });
    }
    expect(state.invoked.map((c) => c.channel)).toEqual(METHOD_NAMES.map(methodChannel));
    state.invokeHandler = async () => ({ ok: false, error: 'id must be a whole number.' });
    await expect(bridge.getRun({ id: 'x' }) as Promise<unknown>).rejects.toThrow('id must be a whole number.');
    state.invokeHandler = async () => 'garbage';
    await expect(bridge.listRuns({}) as Promise<unknown>).rejects.toThrow(/Malformed reply/);
  });

  it('on(event) hands over the payload only, and its return value unsubscribes', () => {
    const got: unknown[][] = [];
    const off = bridge.on('runStatus', (...args: unknown[]) => got.push(args)) as () => void;
    const channel = eventChannel('runStatus');
    expect(electron.ipcRenderer.listenerCount(channel)).toBe(1);
    electron.ipcRenderer.emitFromMain(channel, { runId: 1, status: 'running', error: null });
    expect(got).toEqual([[{ runId: 1, status: 'running', error: null }]]);
    off();
    expect(electron.ipcRenderer.listenerCount(channel)).toBe(0);
    electron.ipcRenderer.emitFromMain(channel, { runId: 2, status: 'stopped', error: null });
    expect(got).toHaveLength(1);
    const nav: unknown[] = [];
    const offNav = bridge.on('navigate', (p: unknown) => nav.push(p)) as () => void;
    electron.ipcRenderer.emitFromMain(eventChannel('navigate'), { view: 'compare' });
    expect(nav).toEqual([{ view: 'compare' }]);
    offNav();
  });

  it('refuses unknown events and non-functions', () => {
    expect(() => bridge.on('workbench:getRun', () => {})).toThrow(/Unknown event/);
    expect(() => bridge.on('__proto__', () => {})).toThrow(/Unknown event/);
    expect(() => bridge.on('runStatus', 'not a function')).toThrow(/needs a function/);
  });
});
