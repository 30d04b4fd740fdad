import { randomUUID } from 'node:crypto';
import type { EmulatorAddresses } from './addresses.ts';

export interface CommandRecord {
  uuid: string;
  uri: string;
  type: string;
  modeler: string;
  status: 'new' | 'processing' | 'complete' | 'error';
  response: string | null;
  created: string;
  updated: string;
  [field: string]: unknown;
}

export interface PresetRecord {
  uuid: string;
  uri: string;
  name: string;
  description: string;
  modeler: string;
  bureau: string;
  active: boolean;
  preset_list: Array<Record<string, unknown>>;
  created: string;
  updated: string;
  [field: string]: unknown;
}

/**
 * What the MES asks of machines: `/modeler-command/` resources with every status report the agent
 * made of them, and the `/modeler-printing-preset/` resources the agent syncs.
 */
export class CommandStore {
  readonly commands = new Map<string, CommandRecord>();
  /** Every accepted status report of a command, in order (tests: reported once, processing first). */
  readonly commandReports: Array<{ uuid: string; status: string }> = [];
  /** `/modeler-printing-preset/` resources, by uuid. */
  readonly presets = new Map<string, PresetRecord>();

  constructor(private readonly addresses: EmulatorAddresses) {}

  addCommand(fields: Record<string, unknown> & { type: string; modeler: string }): CommandRecord {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const command: CommandRecord = {
      ...fields,
      uuid,
      uri: this.addresses.url(`/modeler-command/${uuid}/`),
      bureau: this.addresses.bureauUri,
      status: 'new',
      response: null,
      created: now,
      updated: now,
    };
    this.commands.set(uuid, command);
    return command;
  }
}
