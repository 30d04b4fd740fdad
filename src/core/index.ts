// The core's public face: what the shells (src/cli/, src/main/) take from it. A shell imports the
// core only through this file, or through desktop.ts (its light part, for the Electron main
// process), so that what lies behind them can move without touching the shells
// (test/architecture/layers.test.ts checks it). Tests and bench/ may reach further in.
//
// What is here: running the agent (AgentHost, the crash guard), loading the configuration, the
// secret store and the cloud sign-in (`echo-agent login`), the store and the local API's endpoint
// file and status body (`echo-agent status`), and desktop.ts (constants, the sealed secrets key).
export type { Agent } from './agent.ts';
export { AgentHost } from './agent-host.ts';
export type { AgentOptions } from './agent-options.ts';
export type { AgentStatus } from './api/agent-port.ts';
export type { ApiEndpointFile } from './api/local-api.ts';
export { CredentialOrigins } from './cloud/credential-origins.ts';
export { loginForToken, withheldTokenReason } from './cloud/credentials.ts';
export { CloudHttpClient } from './cloud/http-client.ts';
export { CloudNetwork } from './cloud/network/cloud-network.ts';
export { cloudTrust } from './cloud/network/cloud-trust.ts';
export { checkNetwork } from './cloud/network/network-check.ts';
export { shellProxyResolver } from './cloud/network/shell-proxy.ts';
export { validateMachines } from './collection/validate-machines.ts';
export { defaultDataDir, loadConfigFile, type ResolvedConfig, resolveConfig } from './config/load.ts';
export { LOCAL_SETTINGS_FILE, readLocalSettings, withLocalSettings } from './config/local-settings.ts';
export { CRASH_EXIT_CODE, installCrashGuard } from './crash-guard.ts';
export { DATABASE_FILE } from './database-file.ts';
export * from './desktop.ts';
export { openSecretStore } from './secrets/encrypted-file-store.ts';
export { Store } from './store/store.ts';
export { ECHO_VERSION } from './version.ts';
