import { contextBridge } from 'electron';

// Placeholder: the contract-derived bridge arrives with the desktop-app issue.
contextBridge.exposeInMainWorld('workbench', {});
