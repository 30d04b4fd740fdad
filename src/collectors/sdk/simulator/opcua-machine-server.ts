import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { DataType, MessageSecurityMode, SecurityPolicy, Variant } from 'node-opcua-client';
import { OPCUAServer } from 'node-opcua-server';
import { fingerprintOf } from '../opcua-session.ts';
import { type AmMachine, addMachineryModel } from './opcua-machinery-model.ts';
import { addSimulatedMethods, type OpcuaMethod, type OpcuaMethodCall } from './opcua-sim-methods.ts';

export type {
  OpcuaMethod,
  OpcuaMethodAnswer,
  OpcuaMethodArgument,
  OpcuaMethodCall,
} from './opcua-sim-methods.ts';

export interface OpcuaVariable {
  /** Dotted path under the machine object, e.g. `Job.CurrentLayer`; node id `ns=1;s=<root>.<path>`. */
  path: string;
  dataType: 'String' | 'Double' | 'UInt32' | 'Boolean' | 'DateTime';
  get(): unknown;
}

/** Methods on an object under the machine object (e.g. OPC 40001-3's `JobManagement`). */
export interface OpcuaMethodObject {
  /** Dotted path of objects under the machine object, e.g. `JobManagement.JobOrderControl`. */
  path: string;
  /** `s=…` for the last object of the path; numeric ones otherwise. */
  nodeId?: string;
  methods: readonly OpcuaMethod[];
}

export interface OpcuaMachineServerOptions {
  /** Root object name and node id prefix, e.g. `SLM`. */
  root: string;
  productName: string;
  manufacturerName: string;
  variables: readonly OpcuaVariable[];
  securityModes: ReadonlyArray<'None' | 'Sign' | 'SignAndEncrypt'>;
  user?: { username: string; password: string };
  allowAnonymous: boolean;
  /** Methods the server exposes (none by default). */
  methodObjects?: readonly OpcuaMethodObject[];
  /** The OPC 40001-1 / 40540 machines to add (`opcua-machinery-model.ts`), none by default. */
  machines?: readonly AmMachine[];
}

/**
 * A machine's OPC UA server on a real node-opcua server: the machine's variables under one object
 * (values read on demand, so subscriptions see changes at their sampling rate), machine log
 * messages as events on the Server object, security modes and a user as the machine is set up,
 * its own certificate (kept across restarts, replaceable), and a restart on the same port.
 * Echo's client certificate is accepted automatically, as after the operator trusted it once.
 */
export class OpcuaMachineServer {
  private server: OPCUAServer | undefined;
  private pki: string;
  private port = 0;
  /** Every method call received, in order. */
  readonly calls: OpcuaMethodCall[] = [];

  private constructor(private readonly options: OpcuaMachineServerOptions) {
    this.pki = mkdtempSync(join(tmpdir(), 'echo-opcua-sim-'));
  }

  static async start(options: OpcuaMachineServerOptions): Promise<OpcuaMachineServer> {
    const sim = new OpcuaMachineServer(options);
    await sim.listen();
    return sim;
  }

  get endpointUrl(): string {
    return `opc.tcp://127.0.0.1:${this.port}/UA/${this.options.root}`;
  }

  get fingerprint(): string {
    return fingerprintOf(Buffer.from(this.server!.getCertificate()));
  }

  /** A machine log message, raised as an event (BaseEventType) on the Server object. */
  raiseLog(message: string, severity: number): void {
    const addressSpace = this.server?.engine.addressSpace;
    if (!addressSpace) return;
    const eventType = addressSpace.findEventType('BaseEventType')!;
    addressSpace.rootFolder.objects.server.raiseEvent(eventType, {
      message: { dataType: DataType.LocalizedText, value: { text: message } },
      severity: { dataType: DataType.UInt16, value: severity },
      sourceName: { dataType: DataType.String, value: this.options.root },
    });
  }

  /** The server goes away for `ms` and comes back on the same port with the same certificate. */
  async restart(ms: number): Promise<void> {
    await this.shutdown();
    await new Promise((r) => setTimeout(r, ms));
    await this.listen();
  }

  /** A reinstall: the server comes back with a new certificate. */
  async replaceCertificate(): Promise<void> {
    await this.shutdown();
    rmSync(this.pki, { recursive: true, force: true });
    this.pki = mkdtempSync(join(tmpdir(), 'echo-opcua-sim-'));
    await this.listen();
  }

  async close(): Promise<void> {
    await this.shutdown();
    rmSync(this.pki, { recursive: true, force: true });
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await server.shutdown(0);
  }

  private async listen(): Promise<void> {
    const { options } = this;
    const serverCertificateManager = new OPCUACertificateManager({
      rootFolder: join(this.pki, 'server'),
      automaticallyAcceptUnknownCertificate: true,
    });
    await serverCertificateManager.initialize();
    const server = new OPCUAServer({
      port: this.port,
      hostname: '127.0.0.1',
      resourcePath: `/UA/${options.root}`,
      serverCertificateManager,
      securityModes: options.securityModes.map((m) => MessageSecurityMode[m]),
      securityPolicies: options.securityModes.includes('None')
        ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256]
        : [SecurityPolicy.Basic256Sha256],
      allowAnonymous: options.allowAnonymous,
      userManager: {
        isValidUser: (username: string, password: string) =>
          options.user !== undefined &&
          username === options.user.username &&
          password === options.user.password,
      },
      buildInfo: { productName: options.productName, manufacturerName: options.manufacturerName },
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace!;
    const namespace = addressSpace.getOwnNamespace();
    const root = namespace.addObject({
      organizedBy: addressSpace.rootFolder.objects,
      browseName: options.root,
    });
    const folders = new Map<string, ReturnType<typeof namespace.addObject>>();
    for (const variable of options.variables) {
      const parts = variable.path.split('.');
      let parent = root;
      for (let i = 0; i < parts.length - 1; i++) {
        const key = parts.slice(0, i + 1).join('.');
        let folder = folders.get(key);
        if (!folder) {
          folder = namespace.addObject({ componentOf: parent, browseName: parts[i]! });
          folders.set(key, folder);
        }
        parent = folder;
      }
      const dataType = DataType[variable.dataType];
      namespace.addVariable({
        componentOf: parent,
        browseName: parts[parts.length - 1]!,
        nodeId: `s=${options.root}.${variable.path}`,
        dataType: variable.dataType,
        // Values come from a getter: the server samples it at most this often for subscriptions.
        minimumSamplingInterval: 50,
        value: { get: () => new Variant({ dataType, value: variable.get() }) },
      });
    }
    for (const group of options.methodObjects ?? []) {
      const parts = group.path.split('.');
      let parent = root;
      for (const [i, part] of parts.entries()) {
        const key = parts.slice(0, i + 1).join('.');
        let folder = folders.get(key);
        if (!folder) {
          const last = i === parts.length - 1;
          folder = namespace.addObject({
            componentOf: parent,
            browseName: part,
            ...(last && group.nodeId ? { nodeId: group.nodeId } : {}),
          });
          folders.set(key, folder);
        }
        parent = folder;
      }
      addSimulatedMethods({
        namespace,
        object: parent,
        methods: group.methods,
        record: (call) => this.calls.push(call),
      });
    }
    if (options.machines?.length) {
      addMachineryModel(addressSpace, options.machines, (call) => this.calls.push(call));
    }
    await server.start();
    this.port = server.endpoints[0]!.port;
    this.server = server;
    this.raiseLog(`${options.productName} started`, 100);
  }
}
