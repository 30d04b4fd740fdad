import type { Logger } from 'pino';
import { z } from 'zod';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import { type MachineConfig, machineSchema } from '../../shared/config/schema.ts';
import { CloudOriginError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { MAX_PAGES, readPages } from '../cloud/paging.ts';
import { listReply } from '../cloud/replies.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { backoffDelay } from '../sync/backoff.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { throughGate } from '../sync/through-gate.ts';

const cloudModeler = z.object({
  uri: z.string(),
  name: z.string().min(1),
  type: z.string().nullable().optional(),
  ip_address: z.string().nullable().optional(),
  serial_number: z.string().nullable().optional(),
  username: z.string().nullable().optional(),
  password: z.string().nullable().optional(),
  history_collection_frequency: z.string().nullable().optional(),
});
/** The seed shows `capture_types` as `[{"capture_type": "<name>"}]`; plain names are accepted too. */
const modelerType = z.object({
  uri: z.string(),
  capture_types: z
    .array(z.union([z.string(), z.object({ capture_type: z.string() }).transform((t) => t.capture_type)]))
    .default([]),
});

export type CloudModeler = z.infer<typeof cloudModeler>;

/** What a read of the cloud's machines gave: machines to run, and why others were left out. */
export interface CloudMachines {
  machines: MachineConfig[];
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Reads the cloud's machines (`GET /modeler/`) and turns each into a machine Echo can run: the
 * modeler-type's `capture_types` choose the collector (the first registered one that sends one of
 * them and can connect from the cloud's fields), `ip_address` and `serial_number` its connection,
 * the modeler's `username`/`password` its credentials (the password into the secret store, never
 * into a file). A machine the config file already has (same modeler URI, or same name) is left to
 * the config: one machine, not two.
 */
export async function readCloudMachines(
  ctx: SyncContext,
  registry: CollectorRegistry,
  secrets: SecretStore,
  configured: readonly MachineConfig[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<CloudMachines> {
  // Every request goes through the shared Retry-After gate.
  const client = ctx.client;
  const request = <T>(send: () => Promise<T>): Promise<T> => throughGate(ctx, send, signal);
  const modelers = await readAllModelers(client, request, logger);
  const types = new Map<string, string[]>();
  const result: CloudMachines = { machines: [], skipped: [] };
  const seen = new Set<string>();
  for (const modeler of modelers) {
    // A modeler added while the pages were read can shift one into the next page: read it once.
    if (seen.has(modeler.uri)) continue;
    seen.add(modeler.uri);
    if (configured.some((m) => m.modeler === modeler.uri || m.name === modeler.name)) continue;
    if (!modeler.type) {
      result.skipped.push({ name: modeler.name, reason: 'no modeler type' });
      continue;
    }
    let captureTypes = types.get(modeler.type);
    if (!captureTypes) {
      try {
        const typeUri = modeler.type;
        captureTypes = (await request(() => client.json({ method: 'GET', url: typeUri }, modelerType)))
          .capture_types;
      } catch (error) {
        // A type on another origin is not fetched (the credential stays home): this machine only.
        if (!(error instanceof CloudOriginError)) throw error;
        result.skipped.push({
          name: modeler.name,
          reason: `its modeler type is on ${error.origin}, not the cloud's origin`,
        });
        continue;
      }
      types.set(modeler.type, captureTypes);
    }
    const machine = toMachine(modeler, captureTypes, registry, secrets);
    if ('reason' in machine) result.skipped.push({ name: modeler.name, reason: machine.reason });
    else result.machines.push(machine);
  }
  for (const skip of result.skipped) {
    logger.info({ machine: skip.name, reason: skip.reason }, 'a cloud machine is not collected here');
  }
  return result;
}

/**
 * Every modeler, paged by the rule of every cloud list (`readPages`). A failed page fails the read:
 * a partial list would stop the machines missing from it. A list the page cap cuts is used as far
 * as it was read, with a warning: the machines read are collected, the rest are not.
 */
async function readAllModelers(
  client: CloudHttpClient,
  request: <T>(send: () => Promise<T>) => Promise<T>,
  logger: Logger,
): Promise<CloudModeler[]> {
  const list = await readPages(
    ({ offset, limit }) => {
      const url = `modeler/?page[offset]=${offset}&page[limit]=${limit}`;
      return request(() => client.json({ method: 'GET', url }, listReply(cloudModeler)));
    },
    { key: (modeler) => modeler.uri },
  );
  if (!list.complete) {
    logger.warn(
      { read: list.entries.length, pages: MAX_PAGES },
      'the cloud lists more modelers than Echo reads; the rest are not collected here',
    );
  }
  return list.entries;
}

function toMachine(
  modeler: CloudModeler,
  captureTypes: readonly string[],
  registry: CollectorRegistry,
  secrets: SecretStore,
): MachineConfig | { reason: string } {
  const candidates = registry.list().filter((d) => d.captureTypes.some((t) => captureTypes.includes(t)));
  if (candidates.length === 0) {
    return { reason: `no collector for its capture types (${captureTypes.join(', ') || 'none'})` };
  }
  if (!modeler.ip_address) return { reason: 'no ip_address in the cloud' };
  const [host, portText] = splitHostPort(modeler.ip_address);
  const fields = {
    host,
    port: portText ? Number(portText) : undefined,
    serialNumber: modeler.serial_number ?? undefined,
  };
  for (const definition of candidates) {
    const connection = definition.fromModeler?.(fields);
    if (!connection || !definition.connectionSchema.safeParse(connection).success) continue;
    let credentials: MachineConfig['credentials'];
    if (modeler.username || modeler.password) {
      const secretName = `modeler-${modeler.uri.replace(/\/+$/, '').split('/').pop()}`;
      if (modeler.password) secrets.set(secretName, modeler.password);
      credentials = {
        ...(modeler.username ? { username: modeler.username } : {}),
        ...(modeler.password ? { password_ref: `store:${secretName}` } : {}),
      };
    }
    const frequency = modeler.history_collection_frequency;
    return machineSchema.parse({
      name: modeler.name,
      collector: definition.id,
      connection,
      modeler: modeler.uri,
      ...(credentials ? { credentials } : {}),
      ...(frequency === 'daily' || frequency === 'monthly' || frequency === 'never'
        ? { history: { frequency } }
        : {}),
    });
  }
  return { reason: `${candidates.map((d) => d.id).join(', ')} cannot connect from the cloud's fields alone` };
}

function splitHostPort(address: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  const parts = address.split(':');
  return parts.length === 2 ? [parts[0]!, parts[1]] : [address, undefined];
}

/**
 * At start (once registered) and every `intervalMs`: reads the cloud's machine list and hands a
 * changed one to `apply`. A failed read keeps the last list and retries with backoff.
 */
export async function followCloudMachines(deps: {
  signal: AbortSignal;
  clock: Clock;
  intervalMs: number;
  registered: () => boolean;
  read: () => Promise<CloudMachines>;
  apply: (machines: MachineConfig[]) => Promise<void>;
  logger: Logger;
}): Promise<void> {
  let failures = 0;
  while (!deps.signal.aborted) {
    let wait = deps.intervalMs;
    if (!deps.registered()) {
      wait = 1000;
    } else {
      try {
        await deps.apply((await deps.read()).machines);
        failures = 0;
      } catch (error) {
        if (deps.signal.aborted) return;
        deps.logger.warn({ err: error }, 'could not read the machines from the cloud; keeping the last list');
        wait = Math.min(wait, backoffDelay(failures++, 5000, 300_000));
      }
    }
    await deps.clock.sleep(wait, deps.signal);
  }
}
