import { BuildModel } from '../../sdk/simulator/build-model.ts';
import { OpcuaMachineServer } from '../../sdk/simulator/opcua-machine-server.ts';

/**
 * An SLM 280 on a real OPC UA server (node-opcua): the machine, job and process nodes Echo reads,
 * a build that counts layers, pause, an alarm; restart and certificate replacement through the
 * server. Anonymous sessions over SignAndEncrypt/Basic256Sha256 (and None, for old firmware).
 */
export class SlmSimulator {
  private constructor(
    readonly server: OpcuaMachineServer,
    readonly build: BuildModel,
  ) {}

  static async start(options: { layersPerSecond?: number } = {}): Promise<SlmSimulator> {
    const build = new BuildModel(options.layersPerSecond ?? 50);
    const server = await OpcuaMachineServer.start({
      root: 'SLM',
      productName: 'SLM 280 (simulated)',
      manufacturerName: 'SLM Solutions',
      securityModes: ['None', 'SignAndEncrypt'],
      allowAnonymous: true,
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
    });
    return new SlmSimulator(server, build);
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
