import { hasMorePages, MAX_PAGES } from '../cloud/paging.ts';
import { classifyError } from '../sync/classify-error.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { commandList } from './cloud-command.ts';
import type { CommandInbox, CommandTarget } from './command-inbox.ts';

const PAGE = 100;

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
    for (let offset = 0, pages = 0; pages < MAX_PAGES; pages++) {
      await ctx.gate.pass(signal);
      if (signal.aborted) return false;
      const query = new URLSearchParams({
        'filter[status]': 'new',
        'filter[modeler]': target.modeler,
        'page[offset]': String(offset),
        'page[limit]': String(PAGE),
      });
      let page: { resources: unknown[]; total_count?: number | undefined };
      try {
        page = await ctx.client.json({ method: 'GET', url: `/modeler-command/?${query}` }, commandList);
        ctx.gate.succeeded();
      } catch (error) {
        const outcome = classifyError(error, ctx);
        ctx.logger.debug({ machine: target.machine, reason: outcome.reason }, 'command poll failed');
        return false;
      }
      for (const item of page.resources) inbox.accept(item, 'poll');
      offset += page.resources.length;
      if (!hasMorePages(offset, page, PAGE)) break;
    }
  }
  return true;
}
