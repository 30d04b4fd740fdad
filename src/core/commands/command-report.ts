import { CloudHttpError, CloudOriginError } from '../../shared/errors.ts';
import type { ReportedStatus, StoredCommand } from '../store/command-queue.ts';
import { classifyError } from '../sync/classify-error.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { cloudCommand } from './cloud-command.ts';

/** How one status report ended. */
export type ReportOutcome =
  /** The cloud took it. */
  | { kind: 'acknowledged' }
  /** The cloud already shows `status` (complete or error, or processing): nothing more to say. */
  | { kind: 'cloud_has'; status: string }
  /** The command is gone from the cloud (404) or refused for good (400, another origin). */
  | { kind: 'gone'; reason: string }
  /**
   * Not now (the cloud is unreachable, slows Echo down, or the credential is refused): later.
   * `maybeApplied`: the request went out and its answer was lost (a dropped connection, a timeout,
   * a 5xx): the cloud may have taken it.
   */
  | { kind: 'later'; reason: string; maybeApplied: boolean };

/**
 * `PUT <command uri> {"status", "response"?}` through the shared Retry-After gate. A `409` means the
 * cloud's command is no longer where Echo thought (another status was set meanwhile): its status
 * is read back, so that a command the cloud already shows as ended is never reported again.
 */
export async function reportStatus(
  ctx: SyncContext,
  command: StoredCommand,
  status: ReportedStatus,
  signal: AbortSignal,
): Promise<ReportOutcome> {
  await ctx.gate.pass(signal);
  if (signal.aborted) return { kind: 'later', reason: 'stopping', maybeApplied: false };
  const json = status === 'processing' ? { status } : { status, response: command.response ?? '{}' };
  try {
    await ctx.client.send({ method: 'PUT', url: command.uri, json });
    ctx.gate.succeeded();
    return { kind: 'acknowledged' };
  } catch (error) {
    if (error instanceof CloudHttpError && error.status === 409) {
      ctx.gate.succeeded();
      return readBack(ctx, command, signal);
    }
    const outcome = classifyError(error, ctx);
    if (outcome.kind === 'dead' || outcome.kind === 'not_found')
      return { kind: 'gone', reason: outcome.reason };
    return { kind: 'later', reason: outcome.reason, maybeApplied: answerLost(error) };
  }
}

/**
 * Whether a failed request may still have been carried out by the cloud: its answer never came
 * (the connection dropped, it timed out) or something on the way failed after it was sent (any
 * 5xx: a proxy may answer 503 after the cloud took the request). A 4xx or a 429, a refusal before
 * sending, or a connection that never opened (refused, no such host, the certificate refused)
 * means it was not.
 */
export function answerLost(error: unknown): boolean {
  if (error instanceof CloudHttpError) return error.status >= 500;
  if (error instanceof CloudOriginError) return false;
  return !NEVER_SENT.has(errorCode(error) ?? '');
}

/** Failures of the connection's set-up: the request never left Echo. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The innermost `code` along the error's causes (undici wraps the socket's error twice). */
function errorCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let at = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const own = (at as Error & { code?: unknown }).code;
    if (typeof own === 'string') code = own;
  }
  return code;
}

async function readBack(
  ctx: SyncContext,
  command: StoredCommand,
  signal: AbortSignal,
): Promise<ReportOutcome> {
  await ctx.gate.pass(signal);
  if (signal.aborted) return { kind: 'later', reason: 'stopping', maybeApplied: false };
  try {
    const current = await ctx.client.json({ method: 'GET', url: command.uri }, cloudCommand);
    ctx.gate.succeeded();
    return { kind: 'cloud_has', status: current.status };
  } catch (error) {
    const outcome = classifyError(error, ctx);
    if (outcome.kind === 'dead' || outcome.kind === 'not_found')
      return { kind: 'gone', reason: outcome.reason };
    // The PUT itself was answered (409): what it asked for did not happen.
    return { kind: 'later', reason: outcome.reason, maybeApplied: false };
  }
}
