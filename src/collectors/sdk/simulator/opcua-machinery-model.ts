import type { AddressSpace, INamespace as Namespace, UAObject } from 'node-opcua-address-space';
import { DataType, LocalizedText, Variant } from 'node-opcua-client';
import { NS } from '../opcua-model.ts';
import type { BuildModel } from './build-model.ts';
import { addSimulatedMethods, type OpcuaMethod, type OpcuaMethodCall } from './opcua-sim-methods.ts';

/** OPC 40001-3 Machinery Job Management. */
export const JOBS_NS = 'http://opcfoundation.org/UA/Machinery/Jobs/';
/** OPC 10031-4 ISA-95 Job Control (the ISA95JobOrderReceiverObjectType and its methods). */
export const ISA95_JOB_CONTROL_NS = 'http://opcfoundation.org/UA/ISA95-JOBCONTROL_V2/';

/** One machine of the companion-specification layout (OPC 40540 on OPC 40001-1 / 40501-1). */
export interface AmMachine {
  /** The machine object's BrowseName (the server's own namespace), e.g. `EOS M 400 SI4711`. */
  browseName: string;
  identification: {
    Manufacturer: string;
    Model: string;
    SerialNumber: string;
    SoftwareRevision: string;
    ProductInstanceUri: string;
  };
  /** OPC 40001-1 MachineryItemState. */
  itemState(): 'NotAvailable' | 'OutOfService' | 'Executing' | 'NotExecuting';
  /** OPC 40501-1 ProductionActiveProgram, with the OPC 40540 layer counts. */
  program(): {
    name: string;
    state: string;
    jobIdentifier: string;
    currentLayer: number;
    layersPlanned: number;
  };
  /**
   * OPC 40001-3 Job Management of the machine: `MachineryBuildingBlocks/JobManagement/
   * JobOrderControl` with these ISA-95 job order methods (`Pause`, `Resume`, `Abort`, ...); none
   * when absent. `nodeId`: `s=…` of the JobOrderControl object (a numeric one otherwise).
   */
  jobOrderControl?: { nodeId?: string; methods: readonly OpcuaMethod[] };
}

/** A machine of the layout that plays a `BuildModel`'s build. */
export function amMachineOfBuild(
  build: BuildModel,
  browseName: string,
  identification: AmMachine['identification'],
): AmMachine {
  return {
    browseName,
    identification,
    itemState: () =>
      build.state === 'Building' ? 'Executing' : build.state === 'Error' ? 'OutOfService' : 'NotExecuting',
    program: () => ({
      name: build.job?.name ?? '',
      state:
        build.state === 'Building'
          ? 'Running'
          : build.state === 'Paused'
            ? 'Interrupted'
            : build.state === 'Error'
              ? 'Aborted'
              : 'Ended',
      jobIdentifier: build.job?.name ?? '',
      currentLayer: Math.floor(build.job?.layer ?? 0),
      layersPlanned: build.job?.layers ?? 0,
    }),
  };
}

/**
 * Adds the companion-specification layout to a server's address space: the namespaces registered
 * by URI (in an order unlike the NodeSet files', so that a client has to read the NamespaceArray),
 * `Machines` (Machinery namespace) below Objects, and per machine an object in the server's own
 * namespace with `Identification` (DI), `MachineryBuildingBlocks/MachineryItemState/CurrentState`
 * (Machinery, 0), `Monitoring` and `Production/ActiveProgram` (MachineTool) with `Name`,
 * `State/CurrentState`, `NumberInList`, `JobIdentifier`, and the OPC 40540 `CurrentLayer` and
 * `LayersPlanned` (AdditiveManufacturing; Echo's assumed placement). Where a machine has
 * `jobOrderControl`: OPC 40001-3 `JobManagement` (Jobs namespace) as an AddIn (HasAddIn) of
 * `MachineryBuildingBlocks`, its `JobOrderControl` (Jobs namespace, an ISA95JobOrderReceiverObject)
 * with the job order methods (BrowseNames in the ISA-95 Job Control namespace), each call handed
 * to `record`. Built programmatically: the BrowseNames and namespaces of the NodeSet2 files, none
 * of their types.
 */
export function addMachineryModel(
  addressSpace: AddressSpace,
  machines: readonly AmMachine[],
  record: (call: OpcuaMethodCall) => void = () => undefined,
): void {
  const ns = (uri: string): Namespace => {
    const index = addressSpace.getNamespaceIndex(uri);
    return index >= 0 ? addressSpace.getNamespace(index) : addressSpace.registerNamespace(uri);
  };
  const am = ns(NS.AM);
  const machineTool = ns(NS.MACHINE_TOOL);
  const di = ns(NS.DI);
  const machinery = ns(NS.MACHINERY);
  const own = addressSpace.getOwnNamespace();
  const name = (space: Namespace | 0, text: string) => ({
    name: text,
    namespaceIndex: space === 0 ? 0 : space.index,
  });
  const machinesFolder = machinery.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: name(machinery, 'Machines'),
    nodeId: 'i=1001',
    typeDefinition: 'FolderType',
  });
  const object = (parent: UAObject, space: Namespace, text: string) =>
    own.addObject({ componentOf: parent, browseName: name(space, text) });
  const variable = (
    parent: UAObject,
    space: Namespace | 0,
    text: string,
    dataType: 'String' | 'UInt32' | 'UInt16' | 'LocalizedText',
    get: () => unknown,
  ) =>
    own.addVariable({
      componentOf: parent,
      browseName: name(space, text),
      dataType,
      minimumSamplingInterval: 50,
      value: {
        get: () =>
          new Variant({
            dataType: DataType[dataType],
            value: dataType === 'LocalizedText' ? new LocalizedText({ text: String(get()) }) : get(),
          }),
      },
    });

  for (const machine of machines) {
    const root = own.addObject({ organizedBy: machinesFolder, browseName: name(own, machine.browseName) });
    const identification = object(root, di, 'Identification');
    for (const [key, value] of Object.entries(machine.identification)) {
      variable(identification, di, key, 'String', () => value);
    }
    const blocks = object(root, machinery, 'MachineryBuildingBlocks');
    const itemState = object(blocks, machinery, 'MachineryItemState');
    variable(itemState, 0, 'CurrentState', 'LocalizedText', machine.itemState);
    if (machine.jobOrderControl) {
      const jobs = ns(JOBS_NS);
      const jobManagement = own.addObject({ addInOf: blocks, browseName: name(jobs, 'JobManagement') });
      const control = own.addObject({
        componentOf: jobManagement,
        browseName: name(jobs, 'JobOrderControl'),
        ...(machine.jobOrderControl.nodeId ? { nodeId: machine.jobOrderControl.nodeId } : {}),
      });
      addSimulatedMethods({
        namespace: own,
        object: control,
        methods: machine.jobOrderControl.methods,
        browseNamespace: ns(ISA95_JOB_CONTROL_NS),
        record,
      });
    }
    object(root, machineTool, 'Monitoring');
    const production = object(root, machineTool, 'Production');
    const program = object(production, machineTool, 'ActiveProgram');
    variable(program, machineTool, 'Name', 'String', () => machine.program().name);
    variable(program, 0, 'NumberInList', 'UInt16', () => 0);
    variable(program, machineTool, 'JobIdentifier', 'String', () => machine.program().jobIdentifier);
    const state = object(program, machineTool, 'State');
    variable(state, 0, 'CurrentState', 'LocalizedText', () => machine.program().state);
    variable(program, am, 'CurrentLayer', 'UInt32', () => machine.program().currentLayer);
    variable(program, am, 'LayersPlanned', 'UInt32', () => machine.program().layersPlanned);
  }
}
