import type { EchoBridge } from '../shared/bridge.ts';
import { NATIVE_ACTIONS } from '../shared/ipc-channels.ts';

/**
 * Builds the exposed object (its type is in src/shared: the UI reads it as `window.echo`);
 * `invoke` is `ipcRenderer.invoke` in the real preload.
 */
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
