// The sandboxed preload: bundled into one CommonJS file (out/preload/index.cjs) whose only
// require is 'electron'. It exposes `window.workbench`: one function per contract method, which
// invokes that method's channel and unwraps the envelope (a value, or an Error with the host's
// message), and `on(event, fn)` returning an unsubscribe function. Nothing generic (no
// ipcRenderer, no channel names chosen by the page) crosses the bridge.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES } from '../../src-shared/contract';
import { eventChannel, isEventName, methodChannel, unwrap } from '../../src-shared/wire';

const bridge: Record<string, unknown> = {};

for (const name of METHOD_NAMES) {
  const channel = methodChannel(name);
  bridge[name] = async (params?: unknown) => unwrap(await ipcRenderer.invoke(channel, params));
}

bridge.on = (name: unknown, fn: unknown): (() => void) => {
  if (!isEventName(name)) throw new Error(`Unknown event "${String(name)}".`);
  if (typeof fn !== 'function') throw new Error('on(event, fn) needs a function.');
  const channel = eventChannel(name);
  // The IPC event object (sender, ports, …) stays here: the page gets the payload only.
  const listener = (_event: IpcRendererEvent, payload: unknown) => (fn as (p: unknown) => void)(payload);
  ipcRenderer.on(channel, listener);
  return () => {
    ipcRenderer.removeListener(channel, listener);
  };
};

contextBridge.exposeInMainWorld('workbench', bridge);
