// The application menu: New run, Runs, Compare (sent to the renderer as navigation events),
// Reload, Toggle DevTools (development only), Quit, with the platform's usual shortcuts, plus the
// standard Edit menu so copy and paste work in text fields on macOS.
import type { MenuItemConstructorOptions } from 'electron';
import type { NavigationView } from '../../src-shared/wire';

export function menuTemplate(opts: { isMac: boolean; isDev: boolean; appName: string; navigate: (view: NavigationView) => void }): MenuItemConstructorOptions[] {
  const { isMac, isDev, navigate } = opts;
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Run…', accelerator: 'CmdOrCtrl+N', click: () => navigate('new-run') },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { label: 'Runs', accelerator: 'CmdOrCtrl+1', click: () => navigate('runs') },
      { label: 'Compare', accelerator: 'CmdOrCtrl+2', click: () => navigate('compare') },
      { type: 'separator' },
      { role: 'reload', accelerator: 'CmdOrCtrl+R' },
      ...(isDev ? [{ role: 'toggleDevTools', accelerator: isMac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I' } as MenuItemConstructorOptions] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const edit: MenuItemConstructorOptions = { role: 'editMenu' };
  const window: MenuItemConstructorOptions = { role: 'windowMenu' };
  if (!isMac) return [file, edit, view, window];
  const appMenu: MenuItemConstructorOptions = {
    label: opts.appName,
    submenu: [
      { role: 'about' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit', accelerator: 'Cmd+Q' },
    ],
  };
  return [appMenu, file, edit, view, window];
}
