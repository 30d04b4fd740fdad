import { BuildModel } from '../../sdk/simulator/build-model.ts';
import {
  isa95JobOrderControl,
  type JobOrderMethodName,
} from '../../sdk/simulator/opcua-job-order-control.ts';
import {
  OpcuaMachineServer,
  type OpcuaMethodAnswer,
  type OpcuaMethodCall,
} from '../../sdk/simulator/opcua-machine-server.ts';
import { amMachineOfBuild } from '../../sdk/simulator/opcua-machinery-model.ts';

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
   * the server exposes no job methods at all. Otherwise its `JobOrderControl` has the ISA-95 job
   * order methods `jobOrderMethods` (default `Pause`, `Resume`, `Abort`, `Cancel`): below the SLM
   * object (`SLM/JobManagement/JobOrderControl`, a vendor placement) without the model, and where
   * OPC 40001-3 puts it with the model: `MachineryBuildingBlocks/JobManagement/JobOrderControl`
   * of the machine below `Machines`.
   */
  static async start(
    options: {
      layersPerSecond?: number;
      jobManagement?: boolean;
      jobOrderMethods?: readonly JobOrderMethodName[];
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
    const jobControl =
      options.jobManagement === false
        ? undefined
        : isa95JobOrderControl(build, {
            actMs: ACT_MS,
            override,
            ...(options.jobOrderMethods ? { methods: options.jobOrderMethods } : {}),
          });
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
            {
              ...amMachineOfBuild(build, 'SLM 280 SLM280-21-0042', slmIdentification('SLM280-21-0042')),
              ...(jobControl ? { jobOrderControl: jobControl } : {}),
            },
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
      methodObjects:
        jobControl && !options.model
          ? [
              {
                path: 'JobManagement.JobOrderControl',
                nodeId: jobControl.nodeId,
                methods: jobControl.methods,
              },
            ]
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
