import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import { type MachineConfig, machineSchema } from '../../shared/config/schema.ts';
import { CLOUD_MACHINES_KEY } from '../cloud/cloud-machine-list.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';
import { hasOnlyAppSecretRefs } from '../secrets/app-secret-refs.ts';
import type { StoreStats } from '../store/store-stats.ts';

export type MachineOrigin = 'config' | 'ui' | 'cloud';

/**
 * The machines an installation runs, from three places: the config file (wins on a name), the
 * operator UI (`data_dir/machines.local.json`, owner-only) and the cloud's `/modeler/` list (kept
 * in the store so an agent started offline still runs them). One index answers "which machine is
 * this" for the hot paths (every capture sent asks for its machine's modeler).
 */
export class MachineSet {
  private local: MachineConfig[];
  private cloud: MachineConfig[];
  private index = new Map<string, { machine: MachineConfig; origin: MachineOrigin }>();

  constructor(
    private readonly configured: readonly MachineConfig[],
    private readonly dataDir: string,
    private readonly stats: StoreStats,
    registry: CollectorRegistry | undefined,
    private readonly logger: Logger,
    withCloud: boolean,
  ) {
    const known = (m: MachineConfig) =>
      registry?.get(m.collector) !== undefined && !configured.some((c) => c.name === m.name);
    this.local = registry ? this.readLocal().filter(known) : [];
    this.cloud =
      registry && withCloud
        ? this.readList(stats.getValue(CLOUD_MACHINES_KEY), 'the saved cloud machine list').filter(known)
        : [];
    this.reindex();
  }

  /** Every machine: the config file's, the UI's, then the cloud's. */
  all(): MachineConfig[] {
    return [...this.configured, ...this.local, ...this.cloud];
  }

  /** The config file's and the UI's machines: what a cloud modeler must not duplicate. */
  managedHere(): MachineConfig[] {
    return [...this.configured, ...this.local];
  }

  get(name: string): MachineConfig | undefined {
    return this.index.get(name)?.machine;
  }

  origin(name: string): MachineOrigin | undefined {
    return this.index.get(name)?.origin;
  }

  addLocal(machine: MachineConfig): void {
    this.local = [...this.local, machine];
    this.saveLocal();
  }

  /** Replaces a machine added in the UI (same name); false for config-file and cloud machines. */
  replaceLocal(machine: MachineConfig): boolean {
    const at = this.local.findIndex((m) => m.name === machine.name);
    if (at < 0) return false;
    this.local = this.local.map((m, i) => (i === at ? machine : m));
    this.saveLocal();
    return true;
  }

  /** Removes a machine added in the UI; false for config-file and cloud machines. */
  removeLocal(name: string): boolean {
    if (!this.local.some((m) => m.name === name)) return false;
    this.local = this.local.filter((m) => m.name !== name);
    this.saveLocal();
    return true;
  }

  /** Replaces the cloud's machines; true when the list changed (and was saved). */
  setCloud(machines: MachineConfig[]): boolean {
    if (JSON.stringify(machines) === JSON.stringify(this.cloud)) return false;
    this.cloud = machines;
    this.stats.setValue(CLOUD_MACHINES_KEY, JSON.stringify(machines));
    this.reindex();
    return true;
  }

  private localFile(): string {
    return localMachinesFile(this.dataDir);
  }

  private saveLocal(): void {
    writeLocalList(this.localFile(), this.local);
    this.reindex();
  }

  /**
   * The machines of `machines.local.json`, each without a foreign secret reference. When one was
   * dropped the file is saved so, once: the warning is not repeated at every start, and the
   * reference is never read. The whole list is saved, machines of a collector this build lacks
   * and names the config file took included: they stay in the file as they were.
   */
  private readLocal(): MachineConfig[] {
    const saved = this.readList(readLocalFile(this.localFile()), 'machines added in the UI');
    const kept = saved.map((m) => this.withoutForeignRef(m));
    if (kept.some((m, i) => m !== saved[i])) writeLocalList(this.localFile(), kept);
    return kept;
  }

  private reindex(): void {
    const index = new Map<string, { machine: MachineConfig; origin: MachineOrigin }>();
    for (const [list, origin] of [
      [this.cloud, 'cloud'],
      [this.local, 'ui'],
      [this.configured, 'config'],
    ] as const) {
      for (const machine of list) index.set(machine.name, { machine, origin });
    }
    this.index = index;
  }

  /**
   * A machine from the app refers only to its own secret-store entry; one saved with another
   * reference (through the local API of an older Echo) loses it rather than have Echo read that
   * file or variable for whoever saved it. The operator types the password again.
   */
  private withoutForeignRef(machine: MachineConfig): MachineConfig {
    if (hasOnlyAppSecretRefs(machine)) return machine;
    this.logger.warn(
      { machine: machine.name, password_ref: machine.credentials?.password_ref },
      'a machine added in the app referred to a secret outside its own store entry; the reference is ignored: type its password again in the app',
    );
    const { password_ref: _ignored, ...credentials } = machine.credentials ?? {};
    return { ...machine, credentials };
  }

  private readList(text: string | undefined, what: string): MachineConfig[] {
    if (!text) return [];
    const parsed = z.array(machineSchema).safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    this.logger.warn({ what }, `${what} could not be read; it is ignored`);
    return [];
  }
}

/** Where the machines added in the app are kept (owner-only). */
export function localMachinesFile(dataDir: string): string {
  return join(dataDir, 'machines.local.json');
}

/** Atomic and owner-only: a crash while saving leaves the old list or the new one, never a part. */
function writeLocalList(path: string, machines: readonly MachineConfig[]): void {
  writeOwnerOnlyAtomic(path, JSON.stringify(machines, null, 2));
}

function readLocalFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
