import { z } from 'zod';
import { listSerialPorts } from '../../collectors/sdk/byte-link.ts';
import type { DiscoveredMachine } from '../../collectors/sdk/collector.ts';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import { describeError } from '../../shared/errors.ts';

/** What the add-machine wizard needs to know of each collector, its form included. */
export function describeCollectors(registry: CollectorRegistry) {
  return registry.list().map((d) => ({
    id: d.id,
    vendor: d.vendor,
    models: d.models,
    protocol: d.protocol,
    captureTypes: d.captureTypes,
    capabilities: d.capabilities,
    commands: ['check_configuration', ...(d.commands ?? [])],
    // The input side: fields with defaults may be left out of the form.
    connectionSchema: z.toJSONSchema(d.connectionSchema, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  }));
}

/**
 * Looks for machines on the local network for `seconds` (1–30) with every collector that can
 * (Bambu's UDP announcements, Ultimaker's DNS-SD). A collector that cannot listen (its port
 * taken) is reported, not fatal.
 */
export async function discoverMachines(
  registry: CollectorRegistry,
  seconds: number,
): Promise<{ machines: DiscoveredMachine[]; problems: string[] }> {
  const ms = Math.min(30, Math.max(1, seconds)) * 1000;
  const machines: DiscoveredMachine[] = [];
  const problems: string[] = [];
  await Promise.all(
    registry
      .list()
      .filter((d) => d.discover)
      .map(async (d) => {
        try {
          machines.push(...(await d.discover!(ms)));
        } catch (error) {
          problems.push(`${d.id}: ${describeError(error)}`);
        }
      }),
  );
  return { machines, problems };
}

/** The serial ports this PC has, for the wizard; where the OS cannot list them, why, in words. */
export async function serialPortsForWizard(): Promise<{
  ports: Array<{ path: string; manufacturer?: string }>;
  problem?: string;
}> {
  try {
    return { ports: await listSerialPorts() };
  } catch (error) {
    return { ports: [], problem: describeError(error) };
  }
}
