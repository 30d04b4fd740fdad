/**
 * Every error Echo raises carries a stable `code` that callers branch on (the undici/fastify shape),
 * and `retryable` so that the sync engine can decide without string matching.
 */
export type EchoErrorCode =
  // Configuration: found at load time, never at run time.
  | 'ECHO_ERR_CONFIG_INVALID'
  | 'ECHO_ERR_CONFIG_NOT_FOUND'
  | 'ECHO_ERR_CONFIG_PARSE'
  | 'ECHO_ERR_SECRET_MISSING'
  // A secret reference from the local API (the app) that is not the app's own secret-store entry.
  | 'ECHO_ERR_SECRET_REF_NOT_ALLOWED'
  // Store: the durable SQLite store-and-forward.
  | 'ECHO_ERR_STORE_FULL'
  | 'ECHO_ERR_STORE_CLOSED'
  | 'ECHO_ERR_STORE_CORRUPT'
  | 'ECHO_ERR_STORE_TOO_NEW'
  // The disk under data_dir is full (SQLITE_FULL, ENOSPC): a state the store leaves by itself.
  | 'ECHO_ERR_DISK_FULL'
  // The store cannot be opened or written (read-only folder, permissions, a share gone).
  | 'ECHO_ERR_STORE_UNWRITABLE'
  // Cloud: HTTP replies and transport failures.
  | 'ECHO_ERR_CLOUD_HTTP'
  | 'ECHO_ERR_CLOUD_NETWORK'
  | 'ECHO_ERR_CLOUD_REPLY_INVALID'
  | 'ECHO_ERR_CLOUD_UNAUTHENTICATED'
  | 'ECHO_ERR_CLOUD_FOREIGN_ORIGIN'
  // Machines: raised by collectors, mapped to the machine's state.
  | 'ECHO_ERR_MACHINE_UNREACHABLE'
  | 'ECHO_ERR_MACHINE_TIMEOUT'
  | 'ECHO_ERR_MACHINE_AUTH'
  | 'ECHO_ERR_MACHINE_PROTOCOL'
  | 'ECHO_ERR_MACHINE_CERTIFICATE'
  // Local API and CLI.
  | 'ECHO_ERR_AGENT_NOT_RUNNING'
  | 'ECHO_ERR_USAGE'
  // Desktop shell: an IPC message from a frame that is not the operator UI, or off the allow-list.
  | 'ECHO_ERR_IPC_REFUSED';

/** Base class of every error Echo raises on purpose. */
export class EchoError extends Error {
  readonly code: EchoErrorCode;
  readonly retryable: boolean;
  constructor(code: EchoErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A configuration file that cannot start an agent. `problems` name the field path and the fix. */
export class ConfigError extends EchoError {
  readonly problems: readonly string[];
  constructor(code: EchoErrorCode, message: string, problems: readonly string[] = [], cause?: unknown) {
    super(code, problems.length > 0 ? `${message}\n  - ${problems.join('\n  - ')}` : message, { cause });
    this.problems = problems;
  }
}

/** The store refused a write (full, disk full, unwritable, closed, or corrupt). */
export class StoreError extends EchoError {}

/** A reply from the cloud with a non-success status. */
export class CloudHttpError extends EchoError {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  readonly body: string;
  constructor(status: number, message: string, body: string, retryAfterMs?: number) {
    const retryable = status === 429 || status === 503 || status >= 500 || status === 408;
    super(status === 401 ? 'ECHO_ERR_CLOUD_UNAUTHENTICATED' : 'ECHO_ERR_CLOUD_HTTP', message, { retryable });
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.body = body;
  }
}

/** The cloud could not be reached (refused, reset, timed out, DNS). Always retryable. */
export class CloudNetworkError extends EchoError {
  constructor(message: string, cause?: unknown) {
    super('ECHO_ERR_CLOUD_NETWORK', message, { cause, retryable: true });
  }
}

/** The cloud answered 2xx with a body that does not match the contract. */
export class CloudReplyError extends EchoError {
  constructor(message: string, cause?: unknown) {
    super('ECHO_ERR_CLOUD_REPLY_INVALID', message, { cause, retryable: true });
  }
}

/**
 * The cloud referred to a resource on another origin than its own (`cloud.url`, `cloud.events_url`):
 * Echo does not send its credential there, nor follow it. Not retryable: the same URI is refused
 * again; the cloud's configuration (its public URL) is what must change.
 */
export class CloudOriginError extends EchoError {
  readonly origin: string;
  constructor(origin: string, message: string) {
    super('ECHO_ERR_CLOUD_FOREIGN_ORIGIN', message);
    this.origin = origin;
  }
}

/** Human text for any thrown value, for logs and `last_error` columns. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The local API's error codes: `{"error": {"code", "message"}}` with one of these, which scripts
 * branch on. One catalogue with the `ECHO_ERR_*` codes above: `from` names the Echo error a code
 * stands for on the wire, where it has one. The route table (src/shared/api/routes.ts) lists which
 * of them each endpoint may answer; a new code is added here first.
 */
export const API_ERRORS = {
  bad_host: { status: 403, summary: 'the Host header is not the loopback address the API listens on' },
  bad_path: { status: 400, summary: 'the request target or a %-escaped path segment is malformed' },
  unauthorized: { status: 401, summary: 'no bearer token, or not the one in <data_dir>/api.json' },
  not_found: { status: 404, summary: 'no such endpoint, machine, alert, command or UI file' },
  invalid_json: { status: 400, summary: 'the request body is not JSON' },
  invalid_body: { status: 400, summary: 'the body does not match the schema; each field named' },
  invalid_query: { status: 400, summary: 'a query parameter does not match the schema; named' },
  invalid: { status: 400, summary: 'a refused configuration', from: 'ECHO_ERR_CONFIG_INVALID' },
  secret_ref_not_allowed: {
    status: 400,
    summary: 'a secret reference other than the machine’s own store entry',
    from: 'ECHO_ERR_SECRET_REF_NOT_ALLOWED',
  },
  too_large: { status: 413, summary: 'the request body is larger than 1 MB' },
  not_editable_here: { status: 409, summary: 'the machine is defined in the config file or the cloud' },
  not_awaiting_confirmation: {
    status: 409,
    summary: 'the command does not await confirmation (confirmed, refused or timed out already)',
  },
  sign_in_refused: { status: 401, summary: 'the cloud refused the credentials or API token' },
  sign_in_failed: { status: 502, summary: 'the cloud could not be asked', from: 'ECHO_ERR_CLOUD_NETWORK' },
  disk_full: { status: 507, summary: 'the disk under data_dir is full', from: 'ECHO_ERR_DISK_FULL' },
  store_unavailable: {
    status: 503,
    summary: 'the store cannot be written or opened now',
    from: 'ECHO_ERR_STORE_UNWRITABLE',
  },
  ui_unavailable: { status: 503, summary: 'the operator UI files are not built' },
  updates_off: {
    status: 409,
    summary:
      'updates from the cloud are off (updates.check, a desktop update feed, or no builds for this platform)',
  },
  no_update: { status: 409, summary: 'the cloud offers no newer Echo for this platform' },
  update_refused: {
    status: 422,
    summary: 'the downloaded update failed its verification (checksum, size) and was deleted',
  },
  update_failed: {
    status: 502,
    summary: 'the update could not be checked or downloaded (the cloud, the network)',
  },
  internal: { status: 500, summary: 'an unexpected failure; see the agent log' },
} as const satisfies Record<string, { status: number; summary: string; from?: EchoErrorCode }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
