/**
 * The IPC channels between the Electron main process and the preload: both sides take the names
 * from here, so that the main process needs nothing from the preload (docs/architecture.md).
 */
/** The one synchronous call the preload makes at load: the API address and the token. */
export const BOOTSTRAP_CHANNEL = 'echo:bootstrap';

export const NATIVE_ACTIONS = {
  openDataFolder: 'echo:open-data-folder',
  openLogsFolder: 'echo:open-logs-folder',
  setStartAtLogin: 'echo:set-start-at-login',
  saveDiagnostics: 'echo:save-diagnostics',
  installUpdate: 'echo:install-update',
} as const;

export type NativeAction = keyof typeof NATIVE_ACTIONS;

const CHANNELS = new Set<string>([BOOTSTRAP_CHANNEL, ...Object.values(NATIVE_ACTIONS)]);

/** The main process answers only these channels (anything else is a page out of line). */
export function isAllowedChannel(channel: string): boolean {
  return CHANNELS.has(channel);
}
