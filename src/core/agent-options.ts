import type { CollectorRegistry } from '../collectors/sdk/registry.ts';
import type { Clock } from './clock.ts';
import type { SystemProxyResolver } from './cloud/network/system-proxy.ts';
import type { ResolvedConfig } from './config/load.ts';
import type { SecretStore } from './secrets/secret-store.ts';

/** How a shell (the CLI, the desktop app's core process, a test) starts the agent core. */
export interface AgentOptions {
  config: ResolvedConfig;
  clock?: Clock;
  /** Also log JSON lines to stdout (the CLI). */
  stdoutLogs?: boolean;
  /** The desktop shell passes a safeStorage-backed store; headless uses an owner-only file. */
  secrets?: SecretStore;
  /** Start the local API (default true). */
  api?: boolean;
  /**
   * The collectors machines may use (the shells pass `src/collectors/all.ts`). Without it the
   * agent collects nothing itself and only stores what it is handed (tests, embedding).
   */
  collectors?: CollectorRegistry;
  /**
   * The local API's port and token to keep (a restart after a settings change: the open UI and
   * the desktop shell keep talking to the same address with the same token).
   */
  apiEndpoint?: { port: number; token: string };
  /** Asks the shell to restart the core with the config reloaded (settings changed in the app). */
  onRestart?: (reason: string) => void;
  /** The desktop app's proxy resolver (system settings, PAC, WPAD) for `cloud.proxy.mode: auto`. */
  systemProxy?: SystemProxyResolver;
}
