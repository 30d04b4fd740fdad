// The OPC UA companion-specification model of a machine (OPC 40001-1 Machinery, OPC 40501-1
// Machine Tools, OPC 40540 Additive Manufacturing) as data: namespace URIs, browse paths and what
// their standard state values mean. No protocol code: a vendor's `map.ts` imports it.
import type { MachineSnapshot } from './machine-snapshot.ts';

/** Namespace URIs of the specifications (the `ModelUri` of their NodeSet2 files). */
export const NS = {
  UA: 'http://opcfoundation.org/UA/',
  DI: 'http://opcfoundation.org/UA/DI/',
  MACHINERY: 'http://opcfoundation.org/UA/Machinery/',
  MACHINE_TOOL: 'http://opcfoundation.org/UA/MachineTool/',
  AM: 'http://opcfoundation.org/UA/AdditiveManufacturing/',
} as const;

/** One step of a browse path: a BrowseName and the URI of its namespace (never an index). */
export interface BrowseStep {
  ns: string;
  name: string;
}

export type BrowsePath = readonly BrowseStep[];

/** `step(NS.DI, 'Identification')`. */
export const step = (ns: string, name: string): BrowseStep => ({ ns, name });

const di = (name: string) => step(NS.DI, name);
const mt = (name: string) => step(NS.MACHINE_TOOL, name);
const machinery = (name: string) => step(NS.MACHINERY, name);

/** The `Machines` folder below Objects (OPC 40001-1 9.2): every machine is referenced from it. */
export const MACHINES = step(NS.MACHINERY, 'Machines');

/** The machine's serial number, from the machine object (OPC 40001-1 MachineIdentificationType). */
export const SERIAL_PATH: BrowsePath = [di('Identification'), di('SerialNumber')];

const activeProgram = [mt('Production'), mt('ActiveProgram')];

/**
 * The values Echo reads from a machine of OPC 40540 (an AdditiveManufacturingType, a subtype of
 * OPC 40501-1 MachineToolType, below `Machines`), by browse path from the machine object. Keys
 * are the collector's variable names; `Machine.ItemState` and `Job.State` are the standard state
 * machines' `CurrentState` (LocalizedText), read as their text.
 */
export const AM_MACHINE_PATHS = {
  // OPC 40001-1 / OPC 10000-100 (DI) identification, a HasAddIn of the machine.
  'Machine.SerialNumber': SERIAL_PATH,
  'Machine.Manufacturer': [di('Identification'), di('Manufacturer')],
  'Machine.Model': [di('Identification'), di('Model')],
  'Machine.ProductInstanceUri': [di('Identification'), di('ProductInstanceUri')],
  'Machine.SoftwareVersion': [di('Identification'), di('SoftwareRevision')],
  // OPC 40001-1 MachineryItemState (NotAvailable, OutOfService, Executing, NotExecuting).
  'Machine.ItemState': [
    machinery('MachineryBuildingBlocks'),
    machinery('MachineryItemState'),
    step(NS.UA, 'CurrentState'),
  ],
  // OPC 40501-1 ProductionActiveProgramType (Initializing, Running, Ended, Interrupted, Aborted).
  'Job.Name': [...activeProgram, mt('Name')],
  'Job.State': [...activeProgram, mt('State'), step(NS.UA, 'CurrentState')],
  'Job.NumberInList': [...activeProgram, step(NS.UA, 'NumberInList')],
  'Job.Identifier': [...activeProgram, mt('JobIdentifier')],
  // OPC 40540 names (RunInfoDataType.CurrentLayer, the LayersPlanned job order parameter), as
  // variables of the active program: that placement is assumed, 40540 1.0 defines no such node.
  'Job.CurrentLayer': [...activeProgram, step(NS.AM, 'CurrentLayer')],
  'Job.TotalLayers': [...activeProgram, step(NS.AM, 'LayersPlanned')],
} as const satisfies Record<string, BrowsePath>;

/** The model's state variables: a change wakes the scheduler at once. */
export const MODEL_STATE_KEYS: readonly string[] = ['Machine.ItemState', 'Job.State'];

/**
 * The machine's state from the standard state machines: OPC 40001-1 MachineryItemState and
 * OPC 40501-1 ProductionProgramState of the active program; undefined when neither is known.
 */
export function standardState(
  itemState: unknown,
  programState: unknown,
): MachineSnapshot['state'] | undefined {
  if (programState === 'Interrupted') return 'paused';
  if (programState === 'Running') return 'printing';
  switch (itemState) {
    case 'Executing':
      return 'printing';
    case 'NotExecuting':
      return 'idle';
    case 'OutOfService':
      return 'error';
    case 'NotAvailable':
      return 'unknown';
    default:
      return undefined;
  }
}

/** Display form of a browse path, with namespace URIs: `[DI]Identification/[DI]SerialNumber`. */
export function pathText(path: BrowsePath): string {
  const short = Object.fromEntries(Object.entries(NS).map(([k, v]) => [v, k]));
  return path.map((s) => `[${short[s.ns] ?? s.ns}]${s.name}`).join('/');
}
