// The preload of the operator window (bundled by `npm run build:desktop`). Electron glue only:
// what it exposes is `createBridge`, tested without Electron.
import { contextBridge, ipcRenderer } from 'electron';
import { BOOTSTRAP_CHANNEL } from '../shared/ipc-channels.ts';
import { createBridge } from './bridge.ts';

const { apiUrl, token } = ipcRenderer.sendSync(BOOTSTRAP_CHANNEL) as { apiUrl: string; token: string };
contextBridge.exposeInMainWorld(
  'echo',
  createBridge(apiUrl, token, (channel, ...args) => ipcRenderer.invoke(channel, ...args)),
);
