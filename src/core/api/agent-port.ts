import type {
  AgentStatus,
  CollectorInfo,
  CommandRecord,
  ConnectionTest,
  DeadLetter,
  DiscoveryResult,
  JobRecord,
  LogEntry,
  MachinePlace,
  MachineSummary,
  SerialPorts,
  SettingsDocument,
  UpdateStatus,
} from '../../shared/api/index.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import type { LocalSettingsPatch } from '../config/local-settings.ts';

// The wire types are the contract's (src/shared/api); re-exported for the core's existing imports.
export type { AgentStatus, CommandRecord, DeadLetter, MachineSummary } from '../../shared/api/index.ts';

type UpdateVerification = 'sha256' | 'signature' | 'none';

/** What the local API needs from the agent: a narrow port, so the API holds no agent logic. */
export interface AgentPort {
  status(): AgentStatus;
  machines(): MachineSummary[];
  logs(filter: { limit: number; level?: string; machine?: string; search?: string }): LogEntry[];
  deadLetters(limit: number): DeadLetter[];
  /** Remote commands and their outcome, newest first (the audit). */
  commands(filter: { machine?: string; limit: number }): CommandRecord[];
  /** The operator's answer to a command awaiting confirmation; the command after it. */
  answerCommand(id: number, confirm: boolean): CommandRecord | 'not_found' | 'not_awaiting';
  retryDeadLetters(kind: 'captures' | 'logs', ids?: number[]): number;
  discardDeadLetters(ids: number[]): number;
  signIn(request: { username: string; password: string; ldap: boolean }): Promise<void>;
  useApiToken(token: { uuid: string; secret: string }): Promise<void>;
  signOut(): void;
  ready(): boolean;
  testMachine(machine: MachineConfig, password?: string): Promise<ConnectionTest>;
  collectorList(): CollectorInfo[];
  discover(seconds: number): Promise<DiscoveryResult>;
  setCollectionPaused(paused: boolean): void;
  /** The settings document (`GET /api/v1/settings`): the settings in effect, and what may change. */
  settings(): SettingsDocument;
  machineDefinition(name: string): MachinePlace | undefined;
  updateMachine(input: { machine: MachineConfig; password?: string }): Promise<MachineConfig>;
  /** Dismisses an alert (it stays in the store, cleared); false when none such is active. */
  clearAlert(id: number): boolean;
  /** The jobs Echo saw on a machine, newest first. */
  machineJobs(name: string, limit: number): JobRecord[];
  /** Settings changed in the app (`null` resets one); the core restarts to apply them. */
  updateSettings(patch: LocalSettingsPatch): { saved: true; restarting: boolean };
  machineCaptures(machine: string, limit: number): DeadLetter[];
  addMachine(input: { machine: MachineConfig; password?: string }): Promise<MachineConfig>;
  removeMachine(name: string): Promise<boolean>;
  diagnostics(): Buffer;
  /** Updates from the cloud's `/installer/` feed (docs/security.md, "Updates"). */
  updateStatus(): UpdateStatus;
  /** Asks the cloud now; `updates_off` when updates are off (config, desktop feed, platform). */
  checkUpdate(): Promise<UpdateStatus | 'updates_off'>;
  /** Downloads and verifies the offered update: the file, or the refusal's code and words. */
  downloadUpdate(): Promise<
    | {
        ok: true;
        path: string;
        version: string;
        sha256: string;
        size: number;
        verifiedBy: UpdateVerification;
      }
    | { ok: false; code: 'updates_off' | 'no_update' | 'update_refused' | 'update_failed'; message: string }
  >;
  serialPorts(): Promise<SerialPorts>;
}
