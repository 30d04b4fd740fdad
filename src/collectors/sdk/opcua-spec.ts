import type { CollectorCapture, MachineLogLine } from './collector.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import type { OpcuaMethodNames } from './opcua-methods.ts';
import type { BrowsePath } from './opcua-model.ts';

/** A machine log message received as an OPC UA event. */
export interface OpcuaEvent {
  time: string;
  message: string;
  severity: number;
}

/** What a vendor adds to the shared OPC UA collector: its nodes and how they map. */
export interface OpcuaMachineSpec {
  vendor: string;
  /** Node id prefix under the namespace: `ns=<i>;s=<root>.<path>`. */
  root: string;
  variables: readonly string[];
  /** A change of this variable wakes the scheduler at once. */
  stateVariable: string;
  /**
   * Browse paths from the machine object of the OPC 40001-1 `Machines` folder, per variable
   * (`opcua-model.ts`): where the server has the model, these are read instead of the configured
   * NodeIds, and variables without a path the server resolves stay at their configured NodeIds.
   */
  model?: Readonly<Record<string, BrowsePath>>;
  /** Subscribe to the Server object's events (machine log messages). */
  events: boolean;
  /** Whether the machine needs a user (credentials) or takes anonymous sessions. */
  requiresUser: boolean;
  toSnapshot(values: Readonly<Record<string, unknown>>): MachineSnapshot;
  captures(values: Readonly<Record<string, unknown>>, events: readonly OpcuaEvent[]): CollectorCapture[];
  logs?(events: readonly OpcuaEvent[]): MachineLogLine[];
  /**
   * The BrowseNames of the machine's job methods, per command, in order of preference. They are
   * looked for by browsing the machine's object (`opcua-methods.ts`); a command whose method the
   * server does not expose is refused as unsupported. Without it, `control` refuses everything.
   */
  methods?: OpcuaMethodNames;
  /** The current job's id as the methods take it (ISA-95 `JobOrderID`); default the job's name. */
  jobId?(values: Readonly<Record<string, unknown>>): string | undefined;
}

/** The configured NodeId of a spec's variable: `ns=<namespace_index>;s=<root>.<path>`. */
export function configuredNodeId(
  namespaceIndex: number,
  spec: Pick<OpcuaMachineSpec, 'root'>,
  path: string,
): string {
  return `ns=${namespaceIndex};s=${spec.root}.${path}`;
}
