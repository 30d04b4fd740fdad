import { UI_CSP } from '../core/desktop.ts';

/** The operator window's settings, as Electron's `BrowserWindow` takes them (no Electron import). */
export interface OperatorWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    navigateOnDragDrop: false;
    spellcheck: false;
  };
}

/**
 * Hardened by construction: the page runs sandboxed and isolated from the preload, with no Node,
 * no webviews and web security on. The literal `true`/`false` types make a weakening a compile
 * error, not a review finding.
 */
export function operatorWindowOptions(preload: string): OperatorWindowOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Echo',
    backgroundColor: '#f5f6f8',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** The CSP the main process adds to every response of the window (the API sends it as well). */
export const WINDOW_CSP = UI_CSP;
