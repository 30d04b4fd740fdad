/**
 * What the desktop app's preload exposes to the operator UI as `window.echo` (through
 * `contextBridge`): the API address, the token and a few native actions, each an IPC channel on
 * the allow-list in `ipc-channels.ts`. Nothing else of Node or Electron reaches the page. The
 * preload builds it (`src/preload/bridge.ts`); the UI reads it, absent in a browser. Types only.
 */
export interface EchoBridge {
  apiUrl: string;
  token: string;
  openDataFolder(): Promise<void>;
  openLogsFolder(): Promise<void>;
  setStartAtLogin(enabled: boolean): Promise<void>;
  saveDiagnostics(): Promise<string | undefined>;
  /**
   * Runs an update the core downloaded (the path `POST /api/v1/update/download` answered): the main
   * process runs it only from `<data_dir>/updates/`, and on Windows only with a valid Authenticode
   * signature. `{ok: false, message}` says why not.
   */
  installUpdate(path: string): Promise<{ ok: boolean; message?: string }>;
}
