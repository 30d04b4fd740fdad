import { z } from 'zod';
import type { PrintingPreset } from '../../collectors/sdk/collector.ts';
import { describeError } from '../../shared/errors.ts';
import { MAX_PAGES, readPages } from '../cloud/paging.ts';
import { classifyError } from '../sync/classify-error.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { type CommandTarget, sameUri } from './command-inbox.ts';

/** A `/modeler-printing-preset/` resource, as far as the sync reads it. */
const cloudPreset = z.looseObject({
  uri: z.string().min(1),
  name: z.string(),
  modeler: z.string().nullish(),
  description: z.string().nullish(),
  active: z.boolean().nullish(),
  preset_list: z.array(z.record(z.string(), z.unknown())).nullish(),
});
type CloudPreset = z.infer<typeof cloudPreset>;
const presetList = z.object({ resources: z.array(cloudPreset), total_count: z.number().optional() });

/** What one round changed in the cloud, per machine (logged, and returned for tests). */
export interface PresetChanges {
  created: string[];
  updated: string[];
  deactivated: string[];
}

/**
 * Keeps the cloud's presets of one machine in step with what the machine offers (contract,
 * "Commands"; docs/commands.md "Printing presets"): a preset new on the machine is created
 * (`POST`), one whose description or details changed, or that comes back, is updated (`PUT`,
 * `active: true`), and one no longer on the machine is kept but marked `active: false`. The cloud
 * list is read for this modeler only, every page, through the shared Retry-After gate; a preset
 * of another modeler or of none (the bureau's) is never compared nor written.
 */
export async function syncMachinePresets(
  ctx: SyncContext,
  target: CommandTarget,
  onMachine: readonly PrintingPreset[],
  signal: AbortSignal,
): Promise<PresetChanges | undefined> {
  const cloud = await readCloudPresets(ctx, target.modeler, signal);
  if (!cloud) return undefined;
  const changes: PresetChanges = { created: [], updated: [], deactivated: [] };
  const byName = new Map(cloud.map((p) => [p.name, p]));
  const wanted = new Set<string>();
  // The contract lists `bureau`; sent when the configuration names it, else the cloud takes the
  // account's (the same default as the installation's registration).
  const bureau = ctx.config.cloud.bureau ? { bureau: ctx.config.cloud.bureau } : {};
  for (const preset of onMachine) {
    wanted.add(preset.name);
    const wire = { description: preset.description ?? '', preset_list: preset.details ?? [] };
    const existing = byName.get(preset.name);
    if (!existing) {
      const sent = await send(ctx, signal, {
        method: 'POST',
        url: '/modeler-printing-preset/',
        json: { name: preset.name, modeler: target.modeler, ...bureau, active: true, ...wire },
      });
      if (sent === 'later') return changes;
      if (sent === 'ok') changes.created.push(preset.name);
      continue;
    }
    const same =
      existing.active !== false &&
      (existing.description ?? '') === wire.description &&
      JSON.stringify(existing.preset_list ?? []) === JSON.stringify(wire.preset_list);
    if (same) continue;
    const sent = await send(ctx, signal, {
      method: 'PUT',
      url: existing.uri,
      json: { active: true, ...wire },
    });
    if (sent === 'later') return changes;
    if (sent === 'ok') changes.updated.push(preset.name);
  }
  for (const preset of cloud) {
    if (wanted.has(preset.name) || preset.active === false) continue;
    const sent = await send(ctx, signal, { method: 'PUT', url: preset.uri, json: { active: false } });
    if (sent === 'later') return changes;
    if (sent === 'ok') changes.deactivated.push(preset.name);
  }
  return changes;
}

async function readCloudPresets(
  ctx: SyncContext,
  modeler: string,
  signal: AbortSignal,
): Promise<CloudPreset[] | undefined> {
  let list: { entries: CloudPreset[]; complete: boolean };
  try {
    list = await readPages(
      async ({ offset, limit }) => {
        await ctx.gate.pass(signal);
        signal.throwIfAborted();
        const query = new URLSearchParams({
          'filter[modeler]': modeler,
          'page[offset]': String(offset),
          'page[limit]': String(limit),
        });
        const page = await ctx.client.json(
          { method: 'GET', url: `/modeler-printing-preset/?${query}` },
          presetList,
        );
        ctx.gate.succeeded();
        return page;
      },
      { key: (preset) => preset.uri },
    );
  } catch (error) {
    if (signal.aborted) return undefined;
    ctx.logger.debug(
      { modeler, reason: classifyError(error, ctx).reason },
      'printing presets could not be read',
    );
    return undefined;
  }
  if (!list.complete) {
    // A list that never ends is not this machine's presets: nothing is compared or deactivated.
    ctx.logger.warn({ modeler, pages: MAX_PAGES }, 'printing presets: the cloud list did not end');
    return undefined;
  }
  // Only this modeler's presets are compared (and may be deactivated): a preset of another
  // modeler, or one with no modeler (the bureau's, available on several machines: seed,
  // `/modeler-printing-preset/`), is not this machine's to switch off, even when a server ignores
  // the filter and lists it.
  return list.entries.filter((p) => !!p.modeler && sameUri(p.modeler, modeler));
}

/**
 * One write through the gate. `later`: the cloud is unreachable or asks to wait, so the round
 * stops and the next one tries again; `refused`: the cloud refused this write for good (a name
 * it holds elsewhere in the bureau, say), logged, and the round goes on with the next preset, so
 * that one refusal never holds the others back.
 */
async function send(
  ctx: SyncContext,
  signal: AbortSignal,
  request: { method: 'POST' | 'PUT'; url: string; json: unknown },
): Promise<'ok' | 'refused' | 'later'> {
  await ctx.gate.pass(signal);
  if (signal.aborted) return 'later';
  try {
    await ctx.client.send(request);
    ctx.gate.succeeded();
    return 'ok';
  } catch (error) {
    const outcome = classifyError(error, ctx);
    const refused = outcome.kind === 'dead' || outcome.kind === 'not_found';
    ctx.logger.warn(
      { url: request.url, reason: outcome.reason ?? describeError(error) },
      refused ? 'the cloud refused a printing preset: it is skipped' : 'a printing preset was not written',
    );
    return refused ? 'refused' : 'later';
  }
}
