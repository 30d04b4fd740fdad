import { z } from 'zod';
import { CloudHttpError, CloudReplyError, describeError } from '../../shared/errors.ts';
import type { CloudHttpClient } from './http-client.ts';
import { readPages } from './paging.ts';
import { type EccoReply, eccoReply, listReply } from './replies.ts';

/**
 * An entry of `GET /ecco/` as the lookup reads it: the contract's fields, and `workstation_name`,
 * which Echo sends with `POST /ecco/` although the contract does not list it (a cloud that drops it
 * never matches: `namesDropped` says so).
 */
const listedEcco = eccoReply.extend({
  bureau: z.string().optional(),
  workstation_name: z.string().nullable().optional(),
});

/**
 * What the bureau's list says about this workstation's installation. `cut`: the list did not end
 * within the page cap, and the answer is from the part read.
 */
export type InstallationLookup =
  | { kind: 'found'; uri: string; ecco: EccoReply; cut?: true }
  | {
      kind: 'none';
      foreign: string[];
      /**
       * How many of the bureau's installations were listed, none of them with a `workstation_name`:
       * a cloud that drops the field, where no installation is ever found by name. Absent when
       * none was listed, or some carry a name.
       */
      namesDropped?: number;
      cut?: true;
    }
  | { kind: 'several'; uris: string[]; foreign: string[]; cut?: true }
  /** The cloud cannot list installations so (a refusal that will not change by itself). */
  | { kind: 'unavailable'; reason: string };

export interface WantedInstallation {
  bureau: string;
  workstationName: string;
}

/**
 * Statuses that mean "this cloud does not list or filter installations for this account", not
 * "try later": Echo then registers as it did before the lookup existed. Anything else (a network
 * failure, 401, 429, 5xx) is thrown, and registration waits, since a new installation made
 * because of an outage would be the duplicate the lookup is there to prevent.
 */
const UNSUPPORTED = new Set([400, 403, 404, 405]);

/**
 * Finds this workstation's installation in the bureau's `GET /ecco/`: exactly one entry of the
 * same bureau whose `workstation_name` equals this one, on the cloud's own origin. A disabled one
 * counts (adopting it keeps the cloud's switch in force; a new one would bypass it). The list is
 * asked with `filter[bureau]` and `filter[workstation_name]` and checked here as well, entry by
 * entry, for a cloud that ignores the filters; an entry that does not match the contract is skipped.
 */
export async function findOwnInstallation(
  client: CloudHttpClient,
  wanted: WantedInstallation,
): Promise<InstallationLookup> {
  let list: Awaited<ReturnType<typeof listInstallations>>;
  try {
    list = await listInstallations(client, wanted);
  } catch (error) {
    const unsupported =
      error instanceof CloudReplyError || (error instanceof CloudHttpError && UNSUPPORTED.has(error.status));
    if (unsupported) return { kind: 'unavailable', reason: describeError(error) };
    throw error;
  }
  const { entries } = list;
  const cut = list.cut ? ({ cut: true } as const) : {};
  const bureau = client.resolve(wanted.bureau);
  const ofBureau = [...entries.values()].filter(
    (entry) => entry.bureau !== undefined && client.resolve(entry.bureau) === bureau,
  );
  const named = ofBureau.filter((entry) => entry.workstation_name === wanted.workstationName);
  // The contract's URIs are the cloud's own; one elsewhere is never adopted (nor fetched).
  const foreign = named.filter((entry) => !client.trusts(entry.uri)).map((entry) => entry.uri);
  const mine = named.filter((entry) => client.trusts(entry.uri));
  const [only] = mine;
  if (only && mine.length === 1) return { kind: 'found', uri: only.uri, ecco: only, ...cut };
  if (mine.length === 0) {
    // A cloud that keeps the name lists an Echo's with it; one that drops it lists none with it.
    const dropped = ofBureau.length > 0 && ofBureau.every((entry) => !entry.workstation_name);
    return dropped
      ? { kind: 'none', foreign, namesDropped: ofBureau.length, ...cut }
      : { kind: 'none', foreign, ...cut };
  }
  return { kind: 'several', uris: mine.map((entry) => entry.uri), foreign, ...cut };
}

/**
 * Every entry of the filtered list, by URI, paged by the rule of every cloud list (`readPages`).
 * A page that brings no new entry ends it too: a cloud that ignores the offset answers the same
 * page again. A list the cap cuts (10,000 installations of one name: a cloud that ignores the
 * filters) is used as far as it was read, and said (`cut`): registering a new installation
 * because of it would make the duplicate the lookup is there to prevent.
 */
async function listInstallations(
  client: CloudHttpClient,
  wanted: WantedInstallation,
): Promise<{ entries: Map<string, z.infer<typeof listedEcco>>; cut: boolean }> {
  const entries = new Map<string, z.infer<typeof listedEcco>>();
  let added = 0;
  const list = await readPages(
    async ({ offset, limit }) => {
      const query = new URLSearchParams({
        'filter[bureau]': wanted.bureau,
        'filter[workstation_name]': wanted.workstationName,
        'page[offset]': String(offset),
        'page[limit]': String(limit),
      });
      const page = await client.json({ method: 'GET', url: `ecco/?${query}` }, listReply(z.unknown()));
      const before = entries.size;
      for (const item of page.resources) {
        const entry = listedEcco.safeParse(item);
        if (entry.success) entries.set(client.resolve(entry.data.uri), entry.data);
      }
      added = entries.size - before;
      return page;
    },
    { stop: () => added === 0 },
  );
  return { entries, cut: !list.complete };
}
