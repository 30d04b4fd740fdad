import type { INamespace as Namespace, UAObject } from 'node-opcua-address-space';
import { DataType, StatusCodes, Variant, VariantArrayType } from 'node-opcua-client';

/** An argument of a simulated method (its InputArguments / OutputArguments entry). */
export interface OpcuaMethodArgument {
  name: string;
  dataType: 'String' | 'LocalizedText' | 'UInt64';
  array?: boolean;
  description?: string;
}

/** What a simulated method answers: a status code by name, and its output values. */
export interface OpcuaMethodAnswer {
  status: 'Good' | 'BadInvalidState' | 'BadInvalidArgument' | 'BadNotFound' | 'BadUserAccessDenied';
  outputs?: unknown[];
}

export interface OpcuaMethod {
  browseName: string;
  /** `s=…` in the server's own namespace; a numeric one when not given. */
  nodeId?: string;
  inputArguments?: readonly OpcuaMethodArgument[];
  outputArguments?: readonly OpcuaMethodArgument[];
  call(inputs: unknown[]): OpcuaMethodAnswer;
}

/** A method call the server received, and what it answered. */
export interface OpcuaMethodCall {
  method: string;
  methodNodeId: string;
  objectNodeId: string;
  inputs: unknown[];
  status: string;
}

/**
 * Adds `methods` to `object` (NodeIds in `namespace`, BrowseNames in `browseNamespace`, the same
 * by default) and binds them: each call is answered by the method's `call` and handed to `record`.
 */
export function addSimulatedMethods(options: {
  namespace: Namespace;
  object: UAObject;
  methods: readonly OpcuaMethod[];
  browseNamespace?: Namespace;
  record: (call: OpcuaMethodCall) => void;
}): void {
  const { namespace, object } = options;
  const browseIndex = (options.browseNamespace ?? namespace).index;
  const argument = (a: OpcuaMethodArgument) => ({
    name: a.name,
    dataType: DataType[a.dataType],
    valueRank: a.array ? 1 : -1,
    ...(a.array ? { arrayDimensions: [0] } : {}),
    description: { text: a.description ?? a.name },
  });
  for (const spec of options.methods) {
    const method = namespace.addMethod(object, {
      browseName: { name: spec.browseName, namespaceIndex: browseIndex },
      ...(spec.nodeId ? { nodeId: spec.nodeId } : {}),
      inputArguments: (spec.inputArguments ?? []).map(argument),
      outputArguments: (spec.outputArguments ?? []).map(argument),
    });
    // Two parameters: node-opcua takes a two-parameter function as promise-returning.
    method.bindMethod(async (inputArguments: Variant[], _context: unknown) => {
      const inputs = inputArguments.map((v) => v.value as unknown);
      const answer = spec.call(inputs);
      options.record({
        method: spec.browseName,
        methodNodeId: method.nodeId.toString(),
        objectNodeId: object.nodeId.toString(),
        inputs,
        status: answer.status,
      });
      if (answer.status !== 'Good') return { statusCode: StatusCodes[answer.status] };
      return {
        statusCode: StatusCodes.Good,
        outputArguments: (spec.outputArguments ?? []).map(
          (a, i) =>
            new Variant({
              dataType: DataType[a.dataType],
              // A UInt64 scalar is a `[high, low]` pair: node-opcua needs to be told it is one.
              arrayType: a.array ? VariantArrayType.Array : VariantArrayType.Scalar,
              value: answer.outputs?.[i],
            }),
        ),
      };
    });
  }
}
