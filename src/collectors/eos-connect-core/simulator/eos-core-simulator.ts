import { randomUUID } from 'node:crypto';
import { BuildModel } from '../../sdk/simulator/build-model.ts';
import {
  isa95JobOrderControl,
  type JobOrderMethodName,
} from '../../sdk/simulator/opcua-job-order-control.ts';
import {
  OpcuaMachineServer,
  type OpcuaMethod,
  type OpcuaMethodCall,
} from '../../sdk/simulator/opcua-machine-server.ts';
import { amMachineOfBuild } from '../../sdk/simulator/opcua-machinery-model.ts';

/**
 * The job order methods of the model machine's JobOrderControl by default: the mandatory ones of
 * the ISA-95 Job Order Receiver facet (`Cancel`, `Clear`) and the optional `Pause`/`Resume`, no
 * `Abort` or `Stop` (an EOS server's real set is not public: assumed).
 */
const MODEL_JOB_ORDER_METHODS: readonly JobOrderMethodName[] = ['Pause', 'Resume', 'Cancel', 'Clear'];

/** How long the machine takes to act on a method. */
const ACT_MS = 200;

/**
 * An EOS M 400 with EOSCONNECT Core on a real OPC UA server: SignAndEncrypt with Basic256Sha256
 * only, a user and password (no anonymous sessions), the machine and job nodes, and the machine's
 * messages as OPC UA events (a build starting, every hundred layers, finishing, failing).
 */
export class EosCoreSimulator {
  private constructor(
    readonly server: OpcuaMachineServer,
    readonly build: BuildModel,
    readonly username: string,
    readonly password: string,
    /** The NodeIds this run chose at random for the job control object and its methods. */
    readonly jobControl: { objectNodeId: string; methodNodeIds: Record<string, string> },
    /**
     * The same for the OPC 40001-3 JobOrderControl of the machine below `Machines` (with a model),
     * `MachineryBuildingBlocks/JobManagement/JobOrderControl`.
     */
    readonly modelJobControl: { objectNodeId: string; methodNodeIds: Record<string, string> } | undefined,
  ) {}

  /**
   * `model`: `'none'` (default) is Echo's `EOS.*` nodes only; `'both'` adds the OPC 40540 layout
   * below `Machines` (`sdk/simulator/opcua-machinery-model.ts`); `'only'` serves the layout and no
   * `EOS.*` nodes. `otherMachines` adds idle machines below `Machines` with these serials.
   * The vendor `JobControl` methods hang on the `EOS` object (not with `'only'`); with a model,
   * the machine below `Machines` has OPC 40001-3 Job Management with the ISA-95 job order methods
   * `jobOrderMethods` (default Pause, Resume, Cancel, Clear: no Abort or Stop).
   */
  static async start(
    options: {
      layersPerSecond?: number;
      model?: 'none' | 'both' | 'only';
      otherMachines?: string[];
      jobOrderMethods?: readonly JobOrderMethodName[];
    } = {},
  ): Promise<EosCoreSimulator> {
    const build = new BuildModel(options.layersPerSecond ?? 50);
    const model = options.model ?? 'none';
    const identification = (serial: string) => ({
      Manufacturer: 'EOS GmbH',
      Model: 'EOS M 400',
      SerialNumber: serial,
      SoftwareRevision: 'EOSPRINT 2.14 / Core 1.9',
      ProductInstanceUri: `urn:eos.info:M400:${serial}`,
    });
    const others = (options.otherMachines ?? []).map((serial) => {
      const idle = new BuildModel(1);
      idle.stop();
      return amMachineOfBuild(idle, `EOS M 400 ${serial}`, identification(serial));
    });
    const modelControl =
      model === 'none'
        ? undefined
        : isa95JobOrderControl(build, {
            actMs: ACT_MS,
            methods: options.jobOrderMethods ?? MODEL_JOB_ORDER_METHODS,
          });
    const machines = modelControl
      ? [
          ...others,
          {
            ...amMachineOfBuild(build, 'EOS M 400 SI4711', identification('SI4711')),
            jobOrderControl: modelControl,
          },
        ]
      : [];
    const user = { username: 'eosconnect', password: 'c0re-secret' };
    const control = jobControl(build);
    const ids = (c: { nodeId: string; methods: OpcuaMethod[] }) => ({
      objectNodeId: `ns=1;${c.nodeId}`,
      methodNodeIds: Object.fromEntries(c.methods.map((m) => [m.browseName, `ns=1;${m.nodeId}`])),
    });
    const server = await OpcuaMachineServer.start({
      root: 'EOS',
      productName: 'EOSCONNECT Core (simulated)',
      manufacturerName: 'EOS GmbH',
      securityModes: ['SignAndEncrypt'],
      allowAnonymous: false,
      user,
      machines,
      variables:
        model === 'only'
          ? []
          : [
              { path: 'Machine.State', dataType: 'String', get: () => build.state },
              { path: 'Machine.SerialNumber', dataType: 'String', get: () => 'SI4711' },
              { path: 'Machine.SoftwareVersion', dataType: 'String', get: () => 'EOSPRINT 2.14 / Core 1.9' },
              { path: 'Job.Name', dataType: 'String', get: () => build.job?.name ?? '' },
              { path: 'Job.CurrentLayer', dataType: 'UInt32', get: () => Math.floor(build.job?.layer ?? 0) },
              { path: 'Job.TotalLayers', dataType: 'UInt32', get: () => build.job?.layers ?? 0 },
              {
                path: 'Process.OxygenPercent',
                dataType: 'Double',
                get: () => (build.state === 'Building' ? 0.1 : 20.9),
              },
              { path: 'Alarm.Text', dataType: 'String', get: () => build.alarm },
            ],
      methodObjects:
        model === 'only' ? [] : [{ path: 'JobControl', nodeId: control.nodeId, methods: control.methods }],
    });
    build.onEvent = (message, severity) => server.raiseLog(message, severity);
    return new EosCoreSimulator(
      server,
      build,
      user.username,
      user.password,
      ids(control),
      modelControl && ids(modelControl),
    );
  }

  /** The job method calls the server received. */
  get calls(): readonly OpcuaMethodCall[] {
    return this.server.calls;
  }

  get endpointUrl(): string {
    return this.server.endpointUrl;
  }

  get fingerprint(): string {
    return this.server.fingerprint;
  }

  async close(): Promise<void> {
    this.build.stop();
    await this.server.close();
  }
}

/**
 * Vendor-style job methods on a `JobControl` object under the machine (EOS's real names are not
 * public: assumed): `PauseJob`, `ResumeJob`, `AbortJob`, without arguments, on the running build;
 * BadInvalidState when the machine's state does not allow them. Random string NodeIds each run.
 */
function jobControl(build: BuildModel): { nodeId: string; methods: OpcuaMethod[] } {
  const run = randomUUID();
  const method = (browseName: string, allowed: () => boolean, act: () => void): OpcuaMethod => ({
    browseName,
    nodeId: `s=${run}.${randomUUID()}`,
    call() {
      if (!allowed()) return { status: 'BadInvalidState' };
      setTimeout(act, ACT_MS).unref();
      return { status: 'Good' };
    },
  });
  return {
    nodeId: `s=${run}`,
    methods: [
      method(
        'PauseJob',
        () => build.state === 'Building',
        () => {
          build.pause();
          build.onEvent('Job paused by a remote client', 300);
        },
      ),
      method(
        'ResumeJob',
        () => build.state === 'Paused',
        () => {
          build.resume();
          build.onEvent('Job resumed by a remote client', 300);
        },
      ),
      method(
        'AbortJob',
        () => build.state === 'Building' || build.state === 'Paused',
        () => {
          const name = build.job?.name;
          build.job = undefined;
          build.state = 'Idle';
          build.onEvent(`Job "${name}" aborted by a remote client`, 400);
        },
      ),
    ],
  };
}
