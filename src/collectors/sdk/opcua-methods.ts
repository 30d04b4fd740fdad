import {
  type Argument,
  AttributeIds,
  BrowseDirection,
  type BrowseResult,
  type ClientSession,
  DataType,
  NodeClass,
  type NodeId,
  ReferenceTypeIds,
  resolveNodeId,
  Variant,
  VariantArrayType,
} from 'node-opcua-client';

/** The job commands an OPC UA machine may offer as methods. */
export type JobVerb = 'pause' | 'resume' | 'cancel';

/**
 * The BrowseNames a vendor's server gives its job methods, per command, in order of preference
 * (the first name found wins). Names only: where they are is found by browsing, never assumed.
 */
export type OpcuaMethodNames = Readonly<Record<JobVerb, readonly string[]>>;

/** A job method found on the server, with the object it is called on. */
export interface FoundMethod {
  /** Its BrowseName, one of the vendor's names. */
  name: string;
  methodId: NodeId;
  /** The object the method is a component of: the `objectId` of the call. */
  objectId: NodeId;
  /** BrowseNames from the machine object down to the method, for messages (`JobManagement/…`). */
  path: string;
  inputArguments: Argument[];
  outputArguments: Argument[];
  /** False when the server says this session's user may not call it (UserExecutable). */
  userExecutable: boolean;
}

/** What one browse of a machine found; cached per connection. */
export interface MethodSearch {
  /** The machine object the browse started from. */
  start: NodeId;
  startName: string;
  /** How many references the browse looked at. */
  browsed: number;
  /** True when the node or depth limit stopped the browse before the whole subtree was seen. */
  truncated: boolean;
  found: Partial<Record<JobVerb, FoundMethod>>;
}

export const BROWSE_LIMITS = { depth: 4, nodes: 500 } as const;

/** At most this many steps up from a configured variable to the machine object. */
const MAX_ASCENT = 8;
const OBJECTS_FOLDER = 'ns=0;i=85';

/**
 * The machine's object: the ancestor of one of its configured variables that sits right below the
 * Objects folder, found by browsing the inverse hierarchical references up from the variable (so
 * the object's own NodeId, whatever the server chose, is never guessed).
 */
export async function machineObject(
  session: ClientSession,
  variable: string,
): Promise<{ nodeId: NodeId; name: string }> {
  let current = resolveNodeId(variable);
  let name = variable;
  for (let step = 0; step < MAX_ASCENT; step++) {
    const result = await session.browse({
      nodeId: current,
      referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
      browseDirection: BrowseDirection.Inverse,
      includeSubtypes: true,
      nodeClassMask: NodeClass.Object,
      resultMask: 0x3f,
    });
    if (!result.statusCode.isGood()) {
      throw new Error(`browsing up from ${current.toString()} answered ${result.statusCode.name}`);
    }
    const parent = result.references?.[0];
    if (!parent) throw new Error(`${current.toString()} has no parent object`);
    const parentId = parent.nodeId as unknown as NodeId;
    if (parentId.toString() === OBJECTS_FOLDER) {
      if (step === 0) throw new Error(`${variable} sits right under the Objects folder`);
      return { nodeId: current, name };
    }
    if (parentId.namespace === 0) {
      // The Server object, the Root, a type: the variable is not under a machine object.
      throw new Error(`${variable} is not under an object of the Objects folder`);
    }
    current = parentId;
    name = parent.browseName.name ?? parentId.toString();
  }
  throw new Error(`no object below the Objects folder within ${MAX_ASCENT} levels above ${variable}`);
}

/**
 * Browses the machine object and its children, breadth first, at most `depth` levels and `nodes`
 * references, for Method nodes whose BrowseName is one of the vendor's names. Only objects are
 * browsed further (methods hang on objects); every reference is followed once.
 */
export async function findJobMethods(
  session: ClientSession,
  start: { nodeId: NodeId; name: string },
  names: OpcuaMethodNames,
  limits: { depth: number; nodes: number } = BROWSE_LIMITS,
): Promise<MethodSearch> {
  const wanted = new Set(Object.values(names).flat());
  const candidates: Array<{ name: string; methodId: NodeId; objectId: NodeId; path: string; depth: number }> =
    [];
  const seen = new Set<string>([start.nodeId.toString()]);
  let level: Array<{ nodeId: NodeId; path: string }> = [{ nodeId: start.nodeId, path: start.name }];
  let browsed = 0;
  let truncated = false;
  for (let depth = 1; depth <= limits.depth && level.length > 0; depth++) {
    const results = await browseAll(
      session,
      level.map((n) => n.nodeId),
      limits.nodes - browsed,
    );
    const next: typeof level = [];
    for (const [i, result] of results.entries()) {
      const parent = level[i]!;
      for (const ref of result.references ?? []) {
        if (browsed >= limits.nodes) {
          truncated = true;
          break;
        }
        browsed++;
        const nodeId = ref.nodeId as unknown as NodeId;
        const key = nodeId.toString();
        const name = ref.browseName.name ?? '';
        if (ref.nodeClass === NodeClass.Method && wanted.has(name)) {
          candidates.push({
            name,
            methodId: nodeId,
            objectId: parent.nodeId,
            path: `${parent.path}/${name}`,
            depth,
          });
        }
        if (ref.nodeClass === NodeClass.Object && !seen.has(key)) {
          seen.add(key);
          next.push({ nodeId, path: `${parent.path}/${name}` });
        }
      }
      if (result.truncated) truncated = true;
    }
    level = next;
    if (depth === limits.depth && next.length > 0) truncated = true;
  }
  const found: MethodSearch['found'] = {};
  for (const verb of Object.keys(names) as JobVerb[]) {
    // The vendor's first name wins; among methods of that name, the one nearest the machine.
    for (const name of names[verb]) {
      const hit = candidates.filter((c) => c.name === name).sort((a, b) => a.depth - b.depth)[0];
      if (!hit) continue;
      const args = await session.getArgumentDefinition(hit.methodId).catch(() => undefined);
      const executable = await session.read({
        nodeId: hit.methodId,
        attributeId: AttributeIds.UserExecutable,
      });
      found[verb] = {
        name: hit.name,
        methodId: hit.methodId,
        objectId: hit.objectId,
        path: hit.path,
        inputArguments: args?.inputArguments ?? [],
        outputArguments: args?.outputArguments ?? [],
        userExecutable: !executable.statusCode.isGood() || executable.value.value !== false,
      };
      break;
    }
  }
  return { start: start.nodeId, startName: start.name, browsed, truncated, found };
}

/** Browses the forward hierarchical references of `nodes`, following continuation points up to `budget`. */
async function browseAll(
  session: ClientSession,
  nodes: NodeId[],
  budget: number,
): Promise<Array<Pick<BrowseResult, 'references'> & { truncated: boolean }>> {
  const results = await session.browse(
    nodes.map((nodeId) => ({
      nodeId,
      referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
      browseDirection: BrowseDirection.Forward,
      includeSubtypes: true,
      nodeClassMask: NodeClass.Object | NodeClass.Method,
      resultMask: 0x3f,
    })),
  );
  const out: Array<Pick<BrowseResult, 'references'> & { truncated: boolean }> = [];
  let seen = 0;
  for (const result of results) {
    if (!result.statusCode.isGood()) {
      out.push({ references: [], truncated: false });
      continue;
    }
    const references = [...(result.references ?? [])];
    let continuation: Buffer | null | undefined = result.continuationPoint;
    seen += references.length;
    while (continuation && continuation.length > 0 && seen < budget) {
      const more: BrowseResult = await session.browseNext(continuation, false);
      if (!more.statusCode.isGood()) {
        continuation = undefined;
        break;
      }
      references.push(...(more.references ?? []));
      seen += more.references?.length ?? 0;
      continuation = more.continuationPoint;
    }
    const truncated = continuation !== undefined && continuation !== null && continuation.length > 0;
    if (truncated) await session.browseNext(continuation!, true).catch(() => undefined);
    out.push({ references, truncated });
  }
  return out;
}

/** Argument names that ask for the job (ISA-95's `JobOrderID`, vendor `JobId`, `JobName`). */
const JOB_ARGUMENT = /job|order/i;

/**
 * The input arguments of a call, from the method's InputArguments: the job's id as a String where
 * an argument asks for the job, an empty array where an array is taken (ISA-95's `Comment`), an
 * empty String for other String arguments. Anything else cannot be filled in honestly: the
 * argument is named in the error.
 */
export function callArguments(method: FoundMethod, jobId: string | undefined): Variant[] {
  return method.inputArguments.map((arg) => {
    const type = arg.dataType.namespace === 0 ? Number(arg.dataType.value) : -1;
    const isArray = arg.valueRank >= 1 || arg.valueRank === 0;
    if (isArray && type > 0 && type in DataType) {
      return new Variant({ dataType: type as DataType, arrayType: VariantArrayType.Array, value: [] });
    }
    if (type === DataType.String) {
      if (JOB_ARGUMENT.test(arg.name ?? '')) {
        if (!jobId) throw new Error(`${method.path} asks for ${arg.name}, and the machine shows no job id`);
        return new Variant({ dataType: DataType.String, value: jobId });
      }
      return new Variant({ dataType: DataType.String, value: '' });
    }
    throw new Error(
      `${method.path} asks for ${arg.name ?? 'an argument'} (${arg.dataType.toString()}), which Echo cannot fill in`,
    );
  });
}

/** OPC 10031-4 Annex B.2: the bits of a job order method's ReturnStatus (bit 0: no error). */
const RETURN_STATUS_BITS: Record<number, string> = {
  1: 'Unknown Job Order ID',
  2: 'Invalid Job Order Command',
  3: 'Invalid Job Order Status',
  4: 'Unable to accept Job Order',
  32: 'Invalid request',
};

/**
 * The `ReturnStatus` output of an ISA-95 style method (a UInt64, which node-opcua gives as a
 * `[high, low]` pair), or undefined when the method has no such output.
 */
export function returnStatusOf(method: FoundMethod, outputs: readonly Variant[]): bigint | undefined {
  const index = method.outputArguments.findIndex((a) => a.name === 'ReturnStatus');
  const value: unknown = index >= 0 ? outputs[index]?.value : undefined;
  if (Array.isArray(value) && value.length === 2) {
    return (BigInt(Number(value[0])) << 32n) | BigInt(Number(value[1]));
  }
  if (typeof value === 'number' || typeof value === 'bigint') return BigInt(value);
  return undefined;
}

/** The errors a ReturnStatus reports (bit 0 alone, or 0, is none), named; undefined when none. */
export function returnStatusProblem(status: bigint): string | undefined {
  const errors = status & ~1n;
  if (errors === 0n) return undefined;
  const named: string[] = [];
  for (let bit = 1; bit < 64; bit++) {
    if ((errors >> BigInt(bit)) & 1n) named.push(RETURN_STATUS_BITS[bit] ?? `bit ${bit}`);
  }
  return `ReturnStatus ${status} (${named.join(', ')})`;
}
