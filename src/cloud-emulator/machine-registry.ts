import { randomUUID } from 'node:crypto';
import type { EmulatorAddresses } from './addresses.ts';

export type ModelerResource = Record<string, unknown> & { uri: string; name: string };
export type ModelerTypeResource = Record<string, unknown> & { uri: string };
export type AddiguruInstallationResource = Record<string, unknown> & { uri: string; name: string };

/**
 * The machines the MES knows: `/modeler/` resources and their `/modeler-type/`s, and the Addiguru
 * hubs (`/addiguru-installation/`) with every health the agent reported of them.
 */
export class MachineRegistry {
  readonly modelers = new Map<string, ModelerResource>();
  readonly modelerTypes = new Map<string, ModelerTypeResource>();
  /** `/addiguru-installation/`: Addiguru hubs (seed 6.1), and every health the agent PUT. */
  readonly addiguruInstallations = new Map<string, AddiguruInstallationResource>();
  readonly addiguruHealthReports: Array<{ uri: string; health: string }> = [];

  constructor(private readonly addresses: EmulatorAddresses) {}

  addModelerType(name: string, captureTypes: string[], manufacturer = 'Emulated') {
    const uuid = randomUUID();
    const type = {
      uri: this.addresses.url(`/modeler-type/${uuid}/`),
      name,
      manufacturer,
      technology: 'NA',
      description: '',
      capture_types: captureTypes.map((capture_type) => ({ capture_type })),
    };
    this.modelerTypes.set(uuid, type);
    return type;
  }

  addModeler(fields: {
    name: string;
    type?: string;
    ip_address?: string;
    serial_number?: string;
    username?: string;
    password?: string;
    history_collection_frequency?: string;
  }) {
    const uuid = randomUUID();
    const modeler = {
      uri: this.addresses.url(`/modeler/${uuid}/`),
      name: fields.name,
      type: fields.type ?? null,
      ip_address: fields.ip_address ?? null,
      serial_number: fields.serial_number ?? null,
      username: fields.username ?? null,
      password: fields.password ?? null,
      watermark: null,
      history_collection_frequency: fields.history_collection_frequency ?? 'never',
      status: 'unknown',
      connected: true,
      error: null,
      latest_upload: null,
      updated: new Date().toISOString(),
    };
    this.modelers.set(uuid, modeler);
    return modeler;
  }

  /** An Addiguru hub as the MES keeps it; `health` starts `unknown` (the seed's default). */
  addAddiguruInstallation(fields: { name: string; ip_address?: string; username?: string }) {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const installation = {
      uri: this.addresses.url(`/addiguru-installation/${uuid}/`),
      name: fields.name,
      bureau: this.addresses.bureauUri,
      ecco: null,
      health: 'unknown',
      health_check_on: null,
      ip_address: fields.ip_address ?? null,
      username: fields.username ?? null,
      password: null,
      archived: null,
      created: now,
      updated: now,
    };
    this.addiguruInstallations.set(uuid, installation);
    return installation;
  }
}
