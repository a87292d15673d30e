// IPC derived from the contract (VS Code's validatedIpcMain + ProxyChannel ideas): one generic
// loop registers a handler per contract method; each call is refused unless it comes from the
// main frame of one of our windows showing our renderer, then its params go through the
// contract's parser and the answer is an Envelope (a thrown error would lose all but its message).
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { EVENT_NAMES, METHOD_NAMES, type Envelope, type WorkbenchApi } from '../../src-shared/contract';
import { eventChannel, invoke, methodChannel } from '../../src-shared/wire';
import type { WorkbenchHandle } from '../web/host';

export interface SenderCheck {
  /** The web contents of our windows (their main frames are the only trusted senders). */
  windows(): Iterable<{ webContents: WebContents }>;
  /** Whether a URL is our renderer. */
  isOurUrl(url: string | undefined | null): boolean;
}

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, check: SenderCheck): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  for (const win of check.windows()) {
    if (frame === win.webContents.mainFrame) return check.isOurUrl(frame.url);
  }
  return false;
}

/** Registers every contract method on ipcMain. Returns a function that removes them. */
export function bindIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, api: WorkbenchApi, check: SenderCheck): () => void {
  for (const name of METHOD_NAMES) {
    ipcMain.handle(methodChannel(name), async (event, raw: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event, check)) return { ok: false, error: `Refused: ${name} was called from a frame that is not the workbench window.` };
      return invoke(api, name, raw);
    });
  }
  return () => {
    for (const name of METHOD_NAMES) ipcMain.removeHandler(methodChannel(name));
  };
}

/** Forwards every contract event to every open window. Returns a function that stops it. */
export function forwardEvents(events: WorkbenchHandle['events'], windows: () => Iterable<{ webContents: WebContents; isDestroyed(): boolean }>): () => void {
  const offs = EVENT_NAMES.map((name) =>
    events.on(name, (payload) => {
      for (const win of windows()) {
        if (!win.isDestroyed()) win.webContents.send(eventChannel(name), payload);
      }
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
