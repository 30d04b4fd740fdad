import { describeError } from '../../shared/errors.ts';
import { IdleWatch } from '../cloud/idle-watch.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { commandEvent } from './cloud-command.ts';
import type { CommandInbox } from './command-inbox.ts';
import { serverSentEvents } from './event-stream.ts';

const FIRST_RETRY_MS = 5000;
const MAX_RETRY_MS = 60_000;
/** A connection that lasted this long was a good one: the next drop starts the backoff again. */
const HEALTHY_AFTER_MS = 30_000;
const TOPIC = 'nautilus.command';

/**
 * Follows `GET <events_url>commands` (`Accept: text/event-stream`) while the agent may talk to the
 * cloud, and hands each `nautilus.command` payload to the inbox. A drop reconnects after 5 s,
 * doubling up to a minute; every (re)connection asks for a poll too, for what was sent meanwhile.
 */
export async function followCommandStream(deps: {
  ctx: SyncContext;
  inbox: CommandInbox;
  active(): boolean;
  /** Connected (again): the poll should look for what the stream missed. */
  connected(): void;
  signal: AbortSignal;
}): Promise<void> {
  const { ctx, signal } = deps;
  const url = commandStreamUrl(ctx.config.cloud.url, ctx.config.cloud.events_url);
  let retryMs = FIRST_RETRY_MS;
  while (!signal.aborted) {
    if (!deps.active()) {
      await ctx.clock.sleep(1000, signal);
      continue;
    }
    const openedAt = ctx.clock.monotonic();
    // A silent stream is reopened: the commands pushed meanwhile would otherwise wait for the poll.
    const idle = new IdleWatch(ctx.config.cloud.events_idle_timeout_ms);
    try {
      const body = await ctx.client.openStream(url, {
        accept: 'text/event-stream',
        signal: AbortSignal.any([signal, idle.signal]),
        connectTimeoutMs: ctx.config.cloud.request_timeout_ms,
      });
      ctx.logger.debug({ url }, 'command stream connected');
      deps.connected();
      idle.touch();
      for await (const data of serverSentEvents(chunksOf(body, () => idle.touch()))) {
        handleEvent(deps.inbox, ctx, data);
      }
      if (!signal.aborted) ctx.logger.debug({ url }, 'the cloud ended the command stream');
    } catch (error) {
      if (signal.aborted) return;
      ctx.logger.debug(
        { url, reason: idle.signal.aborted ? describeError(idle.signal.reason) : describeError(error) },
        'command stream dropped',
      );
    } finally {
      idle.stop();
    }
    if (idle.signal.aborted) {
      // A silent connection was open for the whole idle timeout: open it again at once.
      retryMs = FIRST_RETRY_MS;
      continue;
    }
    if (ctx.clock.monotonic() - openedAt > HEALTHY_AFTER_MS) retryMs = FIRST_RETRY_MS;
    await ctx.clock.sleep(retryMs, signal);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  }
}

function handleEvent(inbox: CommandInbox, ctx: SyncContext, data: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    ctx.logger.warn(
      { event: data.slice(0, 200) },
      'the command stream sent an event that is not JSON; ignored',
    );
    return;
  }
  const event = commandEvent.safeParse(parsed);
  if (!event.success || event.data.topic !== TOPIC) return;
  inbox.accept(event.data.payload, 'stream');
}

/** A web stream's chunks; leaving the loop cancels it (the connection closes). */
async function* chunksOf(
  stream: ReadableStream<Uint8Array>,
  received: () => void,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received();
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** `<events_url>commands`; the contract's default events_url is `<cloud.url>/events/`. */
export function commandStreamUrl(cloudUrl: string, eventsUrl: string | undefined): string {
  const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
  const events = eventsUrl ?? new URL('events/', withSlash(cloudUrl)).toString();
  return new URL('commands', withSlash(events)).toString();
}
