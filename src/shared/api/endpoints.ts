/**
 * Each local-API route's method and path, by name: what the typed client needs to make a call,
 * without the zod schemas (which stay in routes.ts, where the core validates with them). Kept
 * apart so that the operator UI's bundle carries no validator it never runs; routes.ts spreads
 * these into its rows, so a path is written once.
 */
export const ENDPOINTS = {
  health: { method: 'GET', path: '/healthz' },
  ready: { method: 'GET', path: '/readyz' },
  openapi: { method: 'GET', path: '/api/v1/openapi.json' },
  uiRoot: { method: 'GET', path: '/' },
  uiAsset: { method: 'GET', path: '/ui/{asset*}' },
  events: { method: 'GET', path: '/api/v1/events' },
  metrics: { method: 'GET', path: '/metrics' },
  status: { method: 'GET', path: '/api/v1/status' },
  machines: { method: 'GET', path: '/api/v1/machines' },
  collectors: { method: 'GET', path: '/api/v1/collectors' },
  testMachine: { method: 'POST', path: '/api/v1/machines/test' },
  addMachine: { method: 'POST', path: '/api/v1/machines' },
  machineCaptures: { method: 'GET', path: '/api/v1/machines/{name}/captures' },
  machineJobs: { method: 'GET', path: '/api/v1/machines/{name}/jobs' },
  clearAlert: { method: 'DELETE', path: '/api/v1/alerts/{id}' },
  machine: { method: 'GET', path: '/api/v1/machines/{name}' },
  updateMachine: { method: 'PUT', path: '/api/v1/machines/{name}' },
  removeMachine: { method: 'DELETE', path: '/api/v1/machines/{name}' },
  settings: { method: 'GET', path: '/api/v1/settings' },
  updateSettings: { method: 'PUT', path: '/api/v1/settings' },
  collection: { method: 'PUT', path: '/api/v1/collection' },
  diagnostics: { method: 'GET', path: '/api/v1/diagnostics' },
  serialPorts: { method: 'GET', path: '/api/v1/serial-ports' },
  discover: { method: 'POST', path: '/api/v1/discover' },
  backlog: { method: 'GET', path: '/api/v1/backlog' },
  logs: { method: 'GET', path: '/api/v1/logs' },
  commands: { method: 'GET', path: '/api/v1/commands' },
  confirmCommand: { method: 'POST', path: '/api/v1/commands/{id}/confirm' },
  refuseCommand: { method: 'POST', path: '/api/v1/commands/{id}/refuse' },
  deadLetters: { method: 'GET', path: '/api/v1/dead-letters' },
  retryDeadLetters: { method: 'POST', path: '/api/v1/dead-letters/retry' },
  discardDeadLetters: { method: 'POST', path: '/api/v1/dead-letters/discard' },
  signIn: { method: 'POST', path: '/api/v1/session' },
  signOut: { method: 'DELETE', path: '/api/v1/session' },
  update: { method: 'GET', path: '/api/v1/update' },
  checkUpdate: { method: 'POST', path: '/api/v1/update/check' },
  downloadUpdate: { method: 'POST', path: '/api/v1/update/download' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }>;

export type EndpointName = keyof typeof ENDPOINTS;
