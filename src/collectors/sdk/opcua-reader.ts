import { AttributeIds, type ClientSession, type DataValue } from 'node-opcua-client';
import type { CollectorLogger } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import type { OpcuaConnectionConfig } from './opcua-config.ts';
import { planReads, type ReadPlan } from './opcua-machinery.ts';
import { configuredNodeId, type OpcuaMachineSpec } from './opcua-spec.ts';

/**
 * The machine's values on one connection: where each variable is read (the model's browse paths
 * or the configured NodeIds, `planReads`), the reads, and the latest value of each variable.
 */
export class OpcuaReader {
  readonly values: Record<string, unknown> = {};
  /** Where each variable is read on this connection (`planReads`). */
  plan: ReadPlan = { nodeIds: {}, active: [], optional: new Set() };

  constructor(
    private readonly config: OpcuaConnectionConfig,
    private readonly spec: OpcuaMachineSpec,
    private readonly logger: CollectorLogger,
  ) {}

  /** The configured NodeId of a variable: `ns=<namespace_index>;s=<root>.<path>`. */
  nodeId(path: string): string {
    return configuredNodeId(this.config.namespace_index, this.spec, path);
  }

  /** Forgets the values and plans the reads of a new connection. */
  async prepare(session: ClientSession): Promise<void> {
    for (const key of Object.keys(this.values)) delete this.values[key];
    this.plan = await planReads({
      session,
      variables: this.spec.variables,
      paths: this.spec.model,
      configured: (v) => this.nodeId(v),
      serial: this.config.serial_number,
      useModel: this.config.companion_model,
      logger: this.logger,
    });
  }

  /** Reads every active variable at once; an optional one the server lacks is dropped. */
  async readAll(session: ClientSession): Promise<void> {
    const { plan } = this;
    const paths = [...plan.active];
    const results = await session.read(
      paths.map((path) => ({ nodeId: plan.nodeIds[path]!, attributeId: AttributeIds.Value })),
    );
    for (const [i, result] of results.entries()) {
      const path = paths[i]!;
      if (!result.statusCode.isGood() && plan.optional.has(path)) {
        // The model was found and this vendor node is not there: left out, not an error.
        plan.active = plan.active.filter((p) => p !== path);
        this.logger.info({ variable: path, status: result.statusCode.name }, 'an optional node is absent');
        continue;
      }
      this.store(path, result);
    }
  }

  /** Keeps a variable's value; a Bad status is a `protocol` error naming the node. */
  store(path: string, value: DataValue): void {
    if (!value.statusCode.isGood()) {
      throw new CollectorError(
        'protocol',
        `${this.config.endpoint_url}: node ${this.plan.nodeIds[path]?.toString() ?? path} (${path}) answered ${value.statusCode.name}; check connection.namespace_index`,
      );
    }
    const raw = value.value.value as unknown;
    // The standard state machines' CurrentState is a LocalizedText: its text is the state.
    this.values[path] =
      raw instanceof Date
        ? raw.toISOString()
        : raw !== null && typeof raw === 'object' && 'text' in raw
          ? ((raw as { text?: string | null }).text ?? '')
          : raw;
  }
}
