import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  NodeClass,
  type NodeId,
  QualifiedName,
  ReferenceTypeIds,
  resolveNodeId,
} from 'node-opcua-client';
import type { CollectorLogger } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { type BrowsePath, MACHINES, SERIAL_PATH } from './opcua-model.ts';

/** At most this many machines below `Machines` are looked at. */
const MAX_MACHINES = 200;
const OBJECTS_FOLDER = 'ns=0;i=85';
const NAMESPACE_ARRAY = 'ns=0;i=2255';

/** The machine found through the companion-specification model, and its values' NodeIds. */
export interface ModelMachine {
  nodeId: NodeId;
  name: string;
  serialNumber: string | undefined;
  /** Variable → NodeId, for each browse path the server resolved. */
  nodeIds: Record<string, NodeId>;
  /** Variables whose browse path the server does not have. */
  missing: string[];
}

/** Why the model was not used: the collector then reads the configured NodeIds. */
export interface NoModel {
  reason: string;
}

/**
 * Finds the machine through OPC 40001-1: Objects → `Machines` (BrowseName in the Machinery
 * namespace) → the machine whose `Identification/SerialNumber` (DI namespace) is `serial`, or the
 * only one when no serial is given; then resolves `paths` from it with TranslateBrowsePaths. Every
 * namespace is looked up by URI in the server's NamespaceArray, never assumed by index.
 * A server without the model gives `NoModel`; a configured serial that no machine has is an error.
 */
export async function findModelMachine(
  session: ClientSession,
  paths: Readonly<Record<string, BrowsePath>>,
  serial: string | undefined,
): Promise<ModelMachine | NoModel> {
  const namespaces = await namespaceIndexes(session);
  const machinesNs = namespaces.get(MACHINES.ns);
  if (machinesNs === undefined) return { reason: `the server has no ${MACHINES.ns} namespace` };
  const machines = (await children(session, resolveNodeId(OBJECTS_FOLDER))).find(
    (c) => c.browseName.namespaceIndex === machinesNs && c.browseName.name === MACHINES.name,
  );
  if (!machines) return { reason: 'the Objects folder has no Machines object' };
  const candidates = (await children(session, machines.nodeId)).slice(0, MAX_MACHINES);
  if (candidates.length === 0) return { reason: 'the Machines folder is empty' };

  const serialIds = await translate(
    session,
    candidates.map((c) => ({ start: c.nodeId, path: SERIAL_PATH })),
    namespaces,
  );
  const readable = serialIds.flatMap((id, i) => (id ? [{ id, i }] : []));
  const values = readable.length
    ? await session.read(readable.map(({ id }) => ({ nodeId: id, attributeId: AttributeIds.Value })))
    : [];
  const serials: Array<string | undefined> = candidates.map(() => undefined);
  for (const [k, { i }] of readable.entries()) {
    const v = values[k]?.value.value as unknown;
    if (values[k]?.statusCode.isGood() && typeof v === 'string') serials[i] = v.trim();
  }

  let index: number;
  if (serial !== undefined && serial.trim() !== '') {
    index = serials.indexOf(serial.trim());
    if (index < 0) {
      const seen = candidates.map((c, i) => `${c.browseName.name} (${serials[i] ?? 'no serial'})`);
      throw new CollectorError(
        'protocol',
        `the Machines folder has no machine with the serial number ${serial}: it has ${seen.join(', ')}; check connection.serial_number`,
      );
    }
  } else if (candidates.length === 1) {
    index = 0;
  } else {
    return {
      reason: `the Machines folder has ${candidates.length} machines (${serials.map((s) => s ?? '?').join(', ')}); set connection.serial_number to choose one`,
    };
  }

  const machine = candidates[index]!;
  const names = Object.keys(paths);
  const nodeIds: Record<string, NodeId> = {};
  const missing: string[] = [];
  const ids = await translate(
    session,
    names.map((name) => ({ start: machine.nodeId, path: paths[name]! })),
    namespaces,
  );
  for (const [i, name] of names.entries()) {
    const id = ids[i];
    if (id) nodeIds[name] = id;
    else missing.push(name);
  }
  return {
    nodeId: machine.nodeId,
    name: machine.browseName.name ?? machine.nodeId.toString(),
    serialNumber: serials[index],
    nodeIds,
    missing,
  };
}

export function isModel(found: ModelMachine | NoModel): found is ModelMachine {
  return 'nodeId' in found;
}

async function namespaceIndexes(session: ClientSession): Promise<Map<string, number>> {
  const result = await session.read({ nodeId: NAMESPACE_ARRAY, attributeId: AttributeIds.Value });
  const uris = (result.statusCode.isGood() ? result.value.value : []) as unknown;
  const map = new Map<string, number>();
  if (Array.isArray(uris))
    for (const [i, uri] of uris.entries()) if (typeof uri === 'string') map.set(uri, i);
  return map;
}

/** The Object children (forward hierarchical references) of a node; continuation points followed. */
async function children(
  session: ClientSession,
  nodeId: NodeId,
): Promise<Array<{ nodeId: NodeId; browseName: QualifiedName }>> {
  const result = await session.browse({
    nodeId,
    referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
    browseDirection: BrowseDirection.Forward,
    includeSubtypes: true,
    nodeClassMask: NodeClass.Object,
    resultMask: 0x3f,
  });
  if (!result.statusCode.isGood()) return [];
  const references = [...(result.references ?? [])];
  let continuation = result.continuationPoint;
  while (continuation && continuation.length > 0 && references.length < MAX_MACHINES) {
    const more = await session.browseNext(continuation, false);
    if (!more.statusCode.isGood()) break;
    references.push(...(more.references ?? []));
    continuation = more.continuationPoint;
  }
  if (continuation && continuation.length > 0)
    await session.browseNext(continuation, true).catch(() => undefined);
  return references.map((r) => ({ nodeId: r.nodeId as unknown as NodeId, browseName: r.browseName }));
}

/** TranslateBrowsePathsToNodeIds in one request; undefined where the server has no such node. */
async function translate(
  session: ClientSession,
  requests: ReadonlyArray<{ start: NodeId; path: BrowsePath }>,
  namespaces: Map<string, number>,
): Promise<Array<NodeId | undefined>> {
  const relative = requests.map(({ path }) => {
    const elements = path.map((s) => {
      const namespaceIndex = namespaces.get(s.ns);
      if (namespaceIndex === undefined) return undefined;
      return {
        referenceTypeId: resolveNodeId(ReferenceTypeIds.HierarchicalReferences),
        isInverse: false,
        includeSubtypes: true,
        targetName: new QualifiedName({ namespaceIndex, name: s.name }),
      };
    });
    return elements.every((e) => e !== undefined) ? elements : undefined;
  });
  const sent = requests.flatMap((r, i) => {
    const elements = relative[i];
    return elements ? [{ i, startingNode: r.start, relativePath: { elements } }] : [];
  });
  const out: Array<NodeId | undefined> = requests.map(() => undefined);
  if (sent.length === 0) return out;
  const results = await session.translateBrowsePath(
    sent.map(({ startingNode, relativePath }) => ({ startingNode, relativePath })),
  );
  for (const [k, r] of results.entries()) {
    const target = r.statusCode.isGood() ? r.targets?.[0]?.targetId : undefined;
    if (target) out[sent[k]!.i] = target as unknown as NodeId;
  }
  return out;
}

/** Where the collector reads each variable on one connection. */
export interface ReadPlan {
  /** Variable → NodeId (from the model, or the configured `ns=<i>;s=<root>.<path>`). */
  nodeIds: Record<string, NodeId | string>;
  /** Variables read, in order; an optional one the server lacks is dropped on the first read. */
  active: string[];
  /** Variables at their configured NodeIds although the model was found: absent when Bad. */
  optional: Set<string>;
  /** The machine object found through the model. */
  machine?: { nodeId: NodeId; name: string };
}

/**
 * The read plan of a connection: through the model when the spec has browse paths, the connection
 * allows it and the server exposes the machine below `Machines`; each variable without a path the
 * server resolves falls back to its configured NodeId (optional then). Without the model, every
 * configured NodeId, as before.
 */
export async function planReads(options: {
  session: ClientSession;
  variables: readonly string[];
  paths: Readonly<Record<string, BrowsePath>> | undefined;
  configured: (variable: string) => string;
  serial: string | undefined;
  useModel: boolean;
  logger: CollectorLogger;
}): Promise<ReadPlan> {
  const { variables, paths, configured, logger } = options;
  const fallback = (): ReadPlan => ({
    nodeIds: Object.fromEntries(variables.map((v) => [v, configured(v)])),
    active: [...variables],
    optional: new Set(),
  });
  if (!paths || !options.useModel) return fallback();
  let found: ModelMachine | NoModel;
  try {
    found = await findModelMachine(options.session, paths, options.serial);
  } catch (error) {
    if (error instanceof CollectorError) throw error;
    found = { reason: `browsing for it failed: ${(error as Error).message}` };
  }
  if (!isModel(found)) {
    logger.info({ reason: found.reason }, 'no OPC 40001-1 machine model: reading the configured NodeIds');
    return fallback();
  }
  const plan: ReadPlan = {
    nodeIds: {},
    active: [],
    optional: new Set(),
    machine: { nodeId: found.nodeId, name: found.name },
  };
  for (const v of new Set([...Object.keys(paths), ...variables])) {
    const id = found.nodeIds[v];
    if (id) plan.nodeIds[v] = id;
    else if (variables.includes(v)) {
      plan.nodeIds[v] = configured(v);
      plan.optional.add(v);
    } else continue;
    plan.active.push(v);
  }
  logger.info(
    {
      machine: `${found.name} (${found.nodeId.toString()})`,
      serial: found.serialNumber,
      by_browse_path: Object.keys(found.nodeIds),
      at_configured_node_ids: [...plan.optional],
    },
    'found the machine through the OPC 40001-1 Machines folder',
  );
  return plan;
}
