import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { Store } from '../store/store.ts';
import type { CloudGate } from './cloud-gate.ts';

/** The field of `POST /capture/` that names who a capture belongs to, and that resource's URI. */
export interface CaptureOwner {
  field: 'modeler' | 'addiguru_installation';
  uri: string;
}

/** What every sync worker shares. */
export interface SyncContext {
  client: CloudHttpClient;
  store: Store;
  gate: CloudGate;
  clock: Clock;
  logger: Logger;
  config: ResolvedConfig;
  /** The `/modeler/<uuid>/` URI a machine reports as, when known. */
  modelerFor(machine: string): string | undefined;
  /**
   * Who a machine's captures belong to (contract: `modeler` or `addiguru_installation`): its
   * modeler, else its Addiguru installation; undefined while neither is known.
   */
  captureOwnerFor(machine: string): CaptureOwner | undefined;
  /** Every machine this installation runs (config file and cloud). */
  machineNames(): string[];
  /** Told when the cloud answers 401: the credential is no longer valid. */
  unauthenticated(reason: string): void;
  /** The user uuid of the token (for log entries), when known. */
  userUuid(): string | null;
}
