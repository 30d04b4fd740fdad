import { NATIVE_ACTIONS } from '../shared/ipc-channels.ts';

/**
 * What the preload exposes to the page through `contextBridge`: the API address, the token and a
 * few native actions, each an IPC channel on the allow-list in `shared/ipc-channels.ts`. Nothing else of Node or Electron
 * reaches the page.
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

/** Builds the exposed object; `invoke` is `ipcRenderer.invoke` in the real preload. */
export function createBridge(
  apiUrl: string,
  token: string,
  invoke: (channel: string, ...args: unknown[]) => Promise<unknown>,
): EchoBridge {
  return Object.freeze({
    apiUrl,
    token,
    openDataFolder: async () => void (await invoke(NATIVE_ACTIONS.openDataFolder)),
    openLogsFolder: async () => void (await invoke(NATIVE_ACTIONS.openLogsFolder)),
    setStartAtLogin: async (enabled: boolean) =>
      void (await invoke(NATIVE_ACTIONS.setStartAtLogin, Boolean(enabled))),
    saveDiagnostics: async () => {
      const path = await invoke(NATIVE_ACTIONS.saveDiagnostics);
      return typeof path === 'string' ? path : undefined;
    },
    installUpdate: async (path: string) => {
      const answer = (await invoke(NATIVE_ACTIONS.installUpdate, String(path))) as
        | { ok?: unknown; message?: unknown }
        | undefined;
      return {
        ok: answer?.ok === true,
        ...(typeof answer?.message === 'string' ? { message: answer.message } : {}),
      };
    },
  });
}
