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
 * (the connection dropped, it timed out) or the cloud failed while handling it (5xx). A 4xx,
 * 429 or a refusal before sending means it was not.
 */
function answerLost(error: unknown): boolean {
  if (error instanceof CloudHttpError) return error.status >= 500 && error.status !== 503;
  return !(error instanceof CloudOriginError);
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
