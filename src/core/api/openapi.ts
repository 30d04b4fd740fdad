/**
 * The OpenAPI document of the local API (served at `/api/v1/openapi.json`). The operator UI and
 * outside tools use only these endpoints; changing one needs a migration note (docs/local-api.md).
 */
export function openApiDocument(serverUrl: string) {
  const json = (description: string) => ({
    description,
    content: { 'application/json': { schema: { type: 'object' } } },
  });
  const secured = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: { title: 'Echo local API', version: '1' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/healthz': { get: { summary: 'Liveness (no token).', responses: { 200: json('alive') } } },
      '/readyz': {
        get: {
          summary: 'Readiness (no token).',
          responses: { 200: json('ready'), 503: json('starting, stopping, or waiting for its store') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics.',
          security: secured,
          responses: { 200: { description: 'text/plain exposition' } },
        },
      },
      '/api/v1/status': {
        get: { summary: 'Agent status.', security: secured, responses: { 200: json('AgentStatus') } },
      },
      '/api/v1/machines': {
        get: {
          summary: 'Machines with state and backlog.',
          security: secured,
          responses: { 200: json('MachineSummary[]') },
        },
        post: {
          summary:
            'Add a machine: {machine, password?}; kept in machines.local.json, the password in the secret store.',
          security: secured,
          responses: {
            201: json('MachineConfig'),
            400: json('invalid machine, or a password_ref other than its own store: entry; fields named'),
          },
        },
      },
      '/api/v1/machines/{name}': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'Where the machine is defined, and its definition when it was added in the app.',
          security: secured,
          responses: { 200: json('{origin, machine?}'), 404: json('unknown machine') },
        },
        put: {
          summary:
            'Change a machine added in the app: {machine, password?} (no password keeps the stored one).',
          security: secured,
          responses: {
            200: json('MachineConfig'),
            400: json('invalid machine, or a password_ref other than its own store: entry; fields named'),
            409: json('defined in the config file or the cloud'),
          },
        },
        delete: {
          summary: 'Remove a machine added in the app.',
          security: secured,
          responses: { 204: { description: 'removed' }, 404: json('not a machine added in the app') },
        },
      },
      '/api/v1/machines/{name}/captures': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'The machine’s recent captures and their sync state (?limit=, no content).',
          security: secured,
          responses: { 200: json('Capture[]') },
        },
      },
      '/api/v1/alerts/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        delete: {
          summary: 'Dismiss an alert (a quarantine…): it leaves status and the UI, and stays in the store.',
          security: secured,
          responses: { 204: { description: 'dismissed' }, 404: json('no active alert with that id') },
        },
      },
      '/api/v1/machines/{name}/jobs': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary:
            'The machine’s jobs, newest first: seen running by Echo or reported by the machine (?limit=).',
          security: secured,
          responses: { 200: json('Job[]') },
        },
      },
      '/api/v1/collectors': {
        get: {
          summary: 'The collectors (vendors) this agent has.',
          security: secured,
          responses: { 200: json('Collector[]') },
        },
      },
      '/api/v1/machines/test': {
        post: {
          summary: 'Test a machine configuration (machines[] entry) without saving it.',
          security: secured,
          responses: {
            200: json('{ok, message, details?}'),
            400: json(
              'invalid machine, or a password_ref other than its own store: entry (none at all for a name of the config file or the cloud)',
            ),
          },
        },
      },
      '/api/v1/settings': {
        get: {
          summary:
            'The settings in effect (no secrets), and `editable`: the JSON Schema, values and sources (app, environment, config) of what PUT may change.',
          security: secured,
          responses: { 200: json('settings') },
        },
        put: {
          summary:
            'Change settings: {cloud: {url}, intervals: {health, logs_flush, status_report, machines_refresh}, store: {max_size_mb, when_full, retention_hours}, log: {level}}; null resets one to the config file. Kept in settings.local.json; the core restarts on the same address and token.',
          security: secured,
          responses: { 200: json('{saved, restarting}'), 400: json('invalid setting, named') },
        },
      },
      '/api/v1/collection': {
        put: {
          summary: 'Pause or resume collection: {"paused": true|false} (kept across restarts).',
          security: secured,
          responses: { 200: json('{collection}') },
        },
      },
      '/api/v1/events': {
        get: {
          summary:
            'Server-sent events: `event: status` (the /api/v1/status document) at once and every second; with ?deltas=1, `event: delta` ({…status without machines, seen: [name, lastSeenAt][], changed: MachineSummary[]}) after the first.',
          security: secured,
          responses: { 200: { description: 'text/event-stream' } },
        },
      },
      '/api/v1/serial-ports': {
        get: {
          summary: 'Serial ports of this PC, or {problem} where the OS cannot list them.',
          security: secured,
          responses: { 200: json('{ports: {path, manufacturer?}[], problem?: string}') },
        },
      },
      '/api/v1/discover': {
        post: {
          summary: 'Look for machines on the local network for {"seconds": 1–30} (default 5).',
          security: secured,
          responses: { 200: json('{machines: DiscoveredMachine[], problems: string[]}') },
        },
      },
      '/api/v1/backlog': {
        get: {
          summary: 'Queue counts per kind and state.',
          security: secured,
          responses: { 200: json('BacklogCounts') },
        },
      },
      '/api/v1/logs': {
        get: {
          summary: 'Recent log entries, newest first.',
          security: secured,
          parameters: ['limit', 'level', 'machine', 'search'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: { 200: json('StoredLog[]') },
        },
      },
      '/api/v1/dead-letters': {
        get: {
          summary: 'Dead-lettered captures.',
          security: secured,
          responses: { 200: json('DeadLetter[]') },
        },
      },
      '/api/v1/dead-letters/retry': {
        post: {
          summary: 'Put dead-lettered records back in the queue: {kind: "captures"|"logs", ids?: number[]}.',
          security: secured,
          responses: { 200: json('{retried}') },
        },
      },
      '/api/v1/dead-letters/discard': {
        post: {
          summary: 'Delete dead-lettered captures: {ids: number[]}.',
          security: secured,
          responses: { 200: json('{discarded}') },
        },
      },
      '/api/v1/session': {
        post: {
          summary:
            'Sign in: {username, password, logon_type: "password"|"ldap"}, or {api_token: {uuid, secret}} (checked with the cloud); stores an api token.',
          security: secured,
          responses: { 204: { description: 'signed in' }, 401: json('wrong credentials') },
        },
        delete: {
          summary: 'Sign out (forget the stored token).',
          security: secured,
          responses: { 204: { description: 'signed out' } },
        },
      },
    },
  };
}
