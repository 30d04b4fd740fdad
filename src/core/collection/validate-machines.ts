import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { formatIssues } from '../config/format-issues.ts';

/**
 * Checks each machine against its collector: the id must exist and `connection` must match the
 * collector's schema. Returns one line per problem, naming the machine's path; no network calls.
 */
export function validateMachines(machines: readonly MachineConfig[], registry: CollectorRegistry): string[] {
  const problems: string[] = [];
  machines.forEach((machine, index) => {
    // The contract: a capture belongs to a modeler or to an Addiguru installation, never both.
    if (machine.modeler !== undefined && machine.addiguru_installation !== undefined) {
      problems.push(
        `machines.${index}.addiguru_installation: give modeler or addiguru_installation, not both (${machine.name})`,
      );
    }
    const definition = registry.get(machine.collector);
    if (!definition) {
      const known = registry
        .list()
        .map((d) => `"${d.id}"`)
        .join(', ');
      problems.push(
        `machines.${index}.collector: unknown collector "${machine.collector}" (${machine.name}); known: ${known}`,
      );
      return;
    }
    const parsed = definition.connectionSchema.safeParse(machine.connection);
    if (!parsed.success) {
      for (const line of formatIssues(parsed.error.issues, machine.connection)) {
        problems.push(`machines.${index}.connection.${line} (${machine.name}, collector ${definition.id})`);
      }
    }
  });
  return problems;
}

/** Refuses to start with machines their collectors would not accept (ConfigError naming each). */
export function assertValidMachines(
  machines: readonly MachineConfig[],
  registry: CollectorRegistry,
  source: string | undefined,
): void {
  const problems = validateMachines(machines, registry);
  if (problems.length === 0) return;
  throw new ConfigError(
    'ECHO_ERR_CONFIG_INVALID',
    `Invalid machines${source ? ` in ${source}` : ''}`,
    problems,
  );
}
