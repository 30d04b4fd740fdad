/**
 * What the preload exposes to the page through `contextBridge`: the API address, the token and a
 * few native actions, each an IPC channel on this allow-list. Nothing else of Node or Electron
 * reaches the page.
 */
/** The one synchronous call the preload makes at load: the API address and the token. */
export const BOOTSTRAP_CHANNEL = 'echo:bootstrap';

export const NATIVE_ACTIONS = {
  openDataFolder: 'echo:open-data-folder',
  openLogsFolder: 'echo:open-logs-folder',
  setStartAtLogin: 'echo:set-start-at-login',
  saveDiagnostics: 'echo:save-diagnostics',
} as const;

export type NativeAction = keyof typeof NATIVE_ACTIONS;

const CHANNELS = new Set<string>([BOOTSTRAP_CHANNEL, ...Object.values(NATIVE_ACTIONS)]);

/** The main process answers only these channels (anything else is a page out of line). */
export function isAllowedChannel(channel: string): boolean {
  return CHANNELS.has(channel);
}

export interface EchoBridge {
  apiUrl: string;
  token: string;
  openDataFolder(): Promise<void>;
  openLogsFolder(): Promise<void>;
  setStartAtLogin(enabled: boolean): Promise<void>;
  saveDiagnostics(): Promise<string | undefined>;
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
  });
}
