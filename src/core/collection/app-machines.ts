import type { Logger } from 'pino';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { refuseForeignSecretRefs } from '../secrets/app-secret-refs.ts';
import { machineSecretName } from '../secrets/machine-secret-name.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { MachineOrigin, MachineSet } from './machine-set.ts';
import { validateMachines } from './validate-machines.ts';

export interface AppMachinesDeps {
  machineSet: MachineSet;
  collectors: CollectorRegistry;
  secrets: SecretStore;
  logger: Logger;
  /** Runs the machine list as it is now (the collection manager starts, restarts, stops runners). */
  apply(): Promise<void>;
  /** A machine left the installation (its open job ends). */
  removed(name: string): void;
}

/** A machine and the password typed with it (never written to a file). */
export interface MachineInput {
  machine: MachineConfig;
  password?: string;
}

/**
 * The machines an operator adds, edits and removes in the app (`machines.local.json`). Each is
 * validated like a config entry, with its collector's own schema; a password goes to the secret
 * store and the machine keeps a reference to it, the only one it may carry (app-secret-refs.ts).
 * Config-file machines are changed in their file and cloud machines in the cloud: they are
 * refused here, naming where.
 */
export class AppMachines {
  constructor(private readonly deps: AppMachinesDeps) {}

  /** The definition for the edit form (machines added in the app only; no secret values). */
  definition(name: string): { origin: MachineOrigin; machine?: MachineConfig } | undefined {
    const origin = this.deps.machineSet.origin(name);
    if (!origin) return undefined;
    return origin === 'ui' ? { origin, machine: this.deps.machineSet.get(name)! } : { origin };
  }

  async add(input: MachineInput): Promise<MachineConfig> {
    if (this.deps.machineSet.get(input.machine.name)) {
      throw invalid(`name: a machine named "${input.machine.name}" exists already; choose another name`);
    }
    this.validate(input.machine);
    const machine = this.withPassword(input.machine, input.password);
    this.deps.machineSet.addLocal(machine);
    this.deps.logger.info({ machine: machine.name, collector: machine.collector }, 'machine added');
    await this.deps.apply();
    return machine;
  }

  /** A new password replaces the stored one; no password keeps it. The machine restarts at once. */
  async update(input: MachineInput): Promise<MachineConfig> {
    const { name } = input.machine;
    const previous = this.deps.machineSet.get(name);
    if (!previous || this.deps.machineSet.origin(name) !== 'ui') {
      throw invalid(`name: "${name}" is not a machine added in the app; change it where it is defined`);
    }
    this.validate(input.machine);
    const machine = this.withPassword(input.machine, input.password, previous.credentials?.password_ref);
    this.deps.machineSet.replaceLocal(machine);
    this.deps.logger.info({ machine: name, collector: machine.collector }, 'machine changed');
    await this.deps.apply();
    return machine;
  }

  /** False for config-file and cloud machines. The password Echo stored for it goes too. */
  async remove(name: string): Promise<boolean> {
    const machine = this.deps.machineSet.get(name);
    if (!machine || !this.deps.machineSet.removeLocal(name)) return false;
    const stored = machine.credentials?.password_ref;
    if (stored === `store:${machineSecretName(name)}`) this.deps.secrets.delete(machineSecretName(name));
    this.deps.removed(name);
    this.deps.logger.info({ machine: name }, 'machine removed');
    await this.deps.apply();
    return true;
  }

  private validate(machine: MachineConfig): void {
    // Before anything runs: a machine from the app never reads env:, file: or another secret.
    refuseForeignSecretRefs(machine, 'machine');
    const problems = validateMachines([machine], this.deps.collectors);
    if (problems.length > 0) throw new ConfigError('ECHO_ERR_CONFIG_INVALID', 'Invalid machine', problems);
  }

  /** A password goes to the secret store, the machine keeps a reference (or its previous one). */
  private withPassword(machine: MachineConfig, password: string | undefined, keep?: string): MachineConfig {
    if (password) {
      this.deps.secrets.set(machineSecretName(machine.name), password);
      return {
        ...machine,
        credentials: { ...machine.credentials, password_ref: `store:${machineSecretName(machine.name)}` },
      };
    }
    if (keep && !machine.credentials?.password_ref) {
      return { ...machine, credentials: { ...machine.credentials, password_ref: keep } };
    }
    return machine;
  }
}

function invalid(problem: string): ConfigError {
  return new ConfigError('ECHO_ERR_CONFIG_INVALID', 'Invalid machine', [problem]);
}
