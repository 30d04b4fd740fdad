// What the desktop shell (src/main/) takes from the core: constants and the secret store's key
// handling, without the agent. The agent runs in its own process (dist/echo-agent.mjs); importing
// core/index.ts from the Electron main process would bundle the whole agent into main.mjs (esbuild
// keeps modules with top-level side effects, such as zod schemas: 0.6 MB became 2 MB), so main
// imports this file and index.ts re-exports it for everyone else.

export { UI_CSP } from './api/ui-assets.ts';
export { AGENT_NODE_FLAGS } from './runtime-flags.ts';
export {
  SECRETS_KEY_ENV,
  SECRETS_UNENCRYPTED_ENV,
  unsealSecretStore,
} from './secrets/encrypted-file-store.ts';
