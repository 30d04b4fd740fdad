import { randomUUID } from 'node:crypto';
import { BuildModel } from '../../sdk/simulator/build-model.ts';
import {
  OpcuaMachineServer,
  type OpcuaMethod,
  type OpcuaMethodAnswer,
  type OpcuaMethodArgument,
  type OpcuaMethodCall,
} from '../../sdk/simulator/opcua-machine-server.ts';
import { amMachineOfBuild } from '../../sdk/simulator/opcua-machinery-model.ts';

/** OPC 10031-4 (ISA-95 Job Control) job order method signature, as OPC 40001-3 uses it. */
const JOB_ORDER_INPUTS: readonly OpcuaMethodArgument[] = [
  { name: 'JobOrderID', dataType: 'String', description: 'Identification of the job order' },
  { name: 'Comment', dataType: 'LocalizedText', array: true, description: 'Why the method was called' },
];
const RETURN_STATUS: readonly OpcuaMethodArgument[] = [{ name: 'ReturnStatus', dataType: 'UInt64' }];
/** ReturnStatus values (OPC 10031-4 B.2), as node-opcua's `[high, low]` UInt64 pairs. */
const NO_ERROR = [0, 1];
const UNKNOWN_JOB_ORDER_ID = [0, 1 << 1];
const INVALID_JOB_ORDER_STATUS = [0, 1 << 3];

const slmIdentification = (serial: string) => ({
  Manufacturer: 'SLM Solutions',
  Model: 'SLM 280',
  SerialNumber: serial,
  SoftwareRevision: 'MCS 3.4.1',
  ProductInstanceUri: `urn:slm-solutions.com:SLM280:${serial}`,
});

/** How long the machine takes to act on a method (it finishes the layer it is on). */
const ACT_MS = 300;

/**
 * An SLM 280 on a real OPC UA server (node-opcua): the machine, job and process nodes Echo reads,
 * a build that counts layers, pause, an alarm; restart and certificate replacement through the
 * server. Anonymous sessions over SignAndEncrypt/Basic256Sha256 (and None, for old firmware).
 */
export class SlmSimulator {
  /**
   * What the next job method call answers instead of acting (the machine switched to local
   * operation at its panel, say), once.
   */
  answerNext: OpcuaMethodAnswer | undefined;

  private constructor(
    readonly server: OpcuaMachineServer,
    readonly build: BuildModel,
    /** The NodeIds this run chose at random for the JobOrderControl object and its methods. */
    readonly jobControl: { objectNodeId: string; methodNodeIds: Record<string, string> } | undefined,
  ) {}

  /**
   * `jobManagement: false` is a control software release without OPC 40001-3 Job Management:
   * the server exposes no job methods at all.
   */
  static async start(
    options: {
      layersPerSecond?: number;
      jobManagement?: boolean;
      /** Also the OPC 40540 layout below `Machines` (`sdk/simulator/opcua-machinery-model.ts`). */
      model?: boolean;
      /** More machines below `Machines` (idle), by serial number. */
      otherMachines?: string[];
    } = {},
  ): Promise<SlmSimulator> {
    const build = new BuildModel(options.layersPerSecond ?? 50);
    let sim: SlmSimulator | undefined;
    const override = () => {
      const answer = sim?.answerNext;
      if (sim) sim.answerNext = undefined;
      return answer;
    };
    const jobControl = options.jobManagement === false ? undefined : jobOrderControl(build, override);
    const server = await OpcuaMachineServer.start({
      root: 'SLM',
      productName: 'SLM 280 (simulated)',
      manufacturerName: 'SLM Solutions',
      securityModes: ['None', 'SignAndEncrypt'],
      allowAnonymous: true,
      machines: options.model
        ? [
            ...(options.otherMachines ?? []).map((serial) => {
              const idle = new BuildModel(1);
              idle.stop();
              return amMachineOfBuild(idle, `SLM 280 ${serial}`, slmIdentification(serial));
            }),
            amMachineOfBuild(build, 'SLM 280 SLM280-21-0042', slmIdentification('SLM280-21-0042')),
          ]
        : [],
      variables: [
        { path: 'Machine.State', dataType: 'String', get: () => build.state },
        { path: 'Machine.SerialNumber', dataType: 'String', get: () => 'SLM280-21-0042' },
        { path: 'Machine.SoftwareVersion', dataType: 'String', get: () => 'MCS 3.4.1' },
        { path: 'Job.Name', dataType: 'String', get: () => build.job?.name ?? '' },
        { path: 'Job.CurrentLayer', dataType: 'UInt32', get: () => Math.floor(build.job?.layer ?? 0) },
        { path: 'Job.TotalLayers', dataType: 'UInt32', get: () => build.job?.layers ?? 0 },
        { path: 'Job.StartTime', dataType: 'DateTime', get: () => build.job?.startedAt ?? new Date(0) },
        { path: 'Job.RemainingSeconds', dataType: 'Double', get: () => build.remainingSeconds },
        {
          path: 'Process.OxygenPpm',
          dataType: 'Double',
          get: () => (build.state === 'Building' ? 450 : 209_000),
        },
        {
          path: 'Process.ChamberPressureMbar',
          dataType: 'Double',
          get: () => (build.state === 'Building' ? 12.5 : 0),
        },
        { path: 'Process.PlatformTemperature', dataType: 'Double', get: () => (build.job ? 200 : 25) },
        { path: 'Alarm.Text', dataType: 'String', get: () => build.alarm },
      ],
      methodObjects: jobControl
        ? [{ path: 'JobManagement.JobOrderControl', nodeId: jobControl.nodeId, methods: jobControl.methods }]
        : [],
    });
    sim = new SlmSimulator(
      server,
      build,
      jobControl && {
        objectNodeId: `ns=1;${jobControl.nodeId}`,
        methodNodeIds: Object.fromEntries(jobControl.methods.map((m) => [m.browseName, `ns=1;${m.nodeId}`])),
      },
    );
    return sim;
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
 * OPC 40001-3's `JobManagement/JobOrderControl` (an ISA95JobOrderReceiverObjectType) with the job
 * order methods an SLM build can take, as a real machine answers them: Pause, Resume, Abort on the
 * running build (its JobOrderID is the build's name here), BadInvalidState when the machine is not
 * in a state that allows it, and Cancel, which ISA-95 keeps for job orders not started yet.
 * Every NodeId is a random string, new each run: a client has to browse to find them.
 */
function jobOrderControl(
  build: BuildModel,
  override: () => OpcuaMethodAnswer | undefined,
): { nodeId: string; methods: OpcuaMethod[] } {
  const run = randomUUID();
  const method = (browseName: string, allowed: () => boolean, act: () => void): OpcuaMethod => ({
    browseName,
    nodeId: `s=${run}/${randomUUID()}`,
    inputArguments: JOB_ORDER_INPUTS,
    outputArguments: RETURN_STATUS,
    call([jobOrderId]): OpcuaMethodAnswer {
      const forced = override();
      if (forced) return forced;
      if (!allowed()) return { status: 'BadInvalidState' };
      if (jobOrderId !== build.job?.name) return { status: 'Good', outputs: [UNKNOWN_JOB_ORDER_ID] };
      setTimeout(act, ACT_MS).unref();
      return { status: 'Good', outputs: [NO_ERROR] };
    },
  });
  const hasJob = () => build.state === 'Building' || build.state === 'Paused';
  return {
    nodeId: `s=${run}`,
    methods: [
      method(
        'Pause',
        () => build.state === 'Building',
        () => build.pause(),
      ),
      method(
        'Resume',
        () => build.state === 'Paused',
        () => build.resume(),
      ),
      method('Abort', hasJob, () => {
        const name = build.job?.name;
        build.job = undefined;
        build.state = 'Idle';
        build.onEvent(`Job "${name}" aborted`, 400);
      }),
      {
        ...method(
          'Cancel',
          () => false,
          () => undefined,
        ),
        call: ([jobOrderId]) =>
          build.job && jobOrderId === build.job.name
            ? { status: 'Good', outputs: [INVALID_JOB_ORDER_STATUS] }
            : { status: 'Good', outputs: [UNKNOWN_JOB_ORDER_ID] },
      },
    ],
  };
}
