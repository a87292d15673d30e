import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';

// Placeholder shell; the full Electron main (secure window, IPC derived from the contract,
// single-instance lock, menu) arrives with the desktop-app issue.
function createWindow(): void {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(join(__dirname, '../renderer/index.html'));
}

void app.whenReady().then(createWindow);
app.on('window-all-closed', () => app.quit());
