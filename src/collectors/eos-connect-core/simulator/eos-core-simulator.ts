import { BuildModel } from '../../sdk/simulator/build-model.ts';
import { OpcuaMachineServer } from '../../sdk/simulator/opcua-machine-server.ts';

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
  ) {}

  static async start(options: { layersPerSecond?: number } = {}): Promise<EosCoreSimulator> {
    const build = new BuildModel(options.layersPerSecond ?? 50);
    const user = { username: 'eosconnect', password: 'c0re-secret' };
    const server = await OpcuaMachineServer.start({
      root: 'EOS',
      productName: 'EOSCONNECT Core (simulated)',
      manufacturerName: 'EOS GmbH',
      securityModes: ['SignAndEncrypt'],
      allowAnonymous: false,
      user,
      variables: [
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
    });
    build.onEvent = (message, severity) => server.raiseLog(message, severity);
    return new EosCoreSimulator(server, build, user.username, user.password);
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
