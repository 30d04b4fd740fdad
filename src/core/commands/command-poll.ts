import { readPages } from '../cloud/paging.ts';
import { classifyError } from '../sync/classify-error.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { commandList } from './cloud-command.ts';
import type { CommandInbox, CommandTarget } from './command-inbox.ts';

/**
 * One round of the poll: `GET /modeler-command/?filter[status]=new&filter[modeler]=<uri>` for each
 * machine, every page, through the shared Retry-After gate. The stream misses what is sent while it
 * is disconnected; this finds it. False when the cloud could not be asked (tried next round).
 */
export async function pollCommands(
  ctx: SyncContext,
  targets: readonly CommandTarget[],
  inbox: CommandInbox,
  signal: AbortSignal,
): Promise<boolean> {
  for (const target of targets) {
    try {
      // A cut list (the page cap) is used as far as it was read: the rest comes on the stream or
      // in the next rounds, as the commands read are taken.
      await readPages(async ({ offset, limit }) => {
        await ctx.gate.pass(signal);
        signal.throwIfAborted();
        const query = new URLSearchParams({
          'filter[status]': 'new',
          'filter[modeler]': target.modeler,
          'page[offset]': String(offset),
          'page[limit]': String(limit),
        });
        const page = await ctx.client.json({ method: 'GET', url: `/modeler-command/?${query}` }, commandList);
        ctx.gate.succeeded();
        for (const item of page.resources) inbox.accept(item, 'poll');
        return page;
      });
    } catch (error) {
      if (signal.aborted) return false;
      const outcome = classifyError(error, ctx);
      ctx.logger.debug({ machine: target.machine, reason: outcome.reason }, 'command poll failed');
      return false;
    }
  }
  return true;
}
