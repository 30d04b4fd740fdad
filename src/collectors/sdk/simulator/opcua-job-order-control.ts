import { randomUUID } from 'node:crypto';
import type { BuildModel } from './build-model.ts';
import type { OpcuaMethod, OpcuaMethodAnswer, OpcuaMethodArgument } from './opcua-sim-methods.ts';

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

/**
 * The job order methods of an ISA95JobOrderReceiverObjectType (OPC 10031-4 6.2.1) a simulator
 * can expose. `Cancel` and `Clear` are mandatory in the ISA-95 Job Order Receiver Server facet;
 * `Pause`/`Resume`, `Stop` and `Abort` optional.
 */
export type JobOrderMethodName = 'Pause' | 'Resume' | 'Abort' | 'Stop' | 'Cancel' | 'Clear';

export const ALL_JOB_ORDER_METHODS: readonly JobOrderMethodName[] = ['Pause', 'Resume', 'Abort', 'Cancel'];

/**
 * An ISA-95 JobOrderControl on a `BuildModel`, as a machine answers it: `Pause`, `Resume`,
 * `Abort`/`Stop` on the running build (its JobOrderID is the build's name here), acting after
 * `actMs`; BadInvalidState when the machine is not in a state that allows it; ReturnStatus
 * "Unknown Job Order ID" for another job; `Cancel`, which ISA-95 keeps for job orders not started
 * yet, answers "Invalid Job Order Status" for the running build; `Clear` (for ended job orders)
 * the same. `override` answers instead of acting when it returns something. Every NodeId is a
 * random string, new each run: a client has to browse to find them.
 */
export function isa95JobOrderControl(
  build: BuildModel,
  options: {
    methods?: readonly JobOrderMethodName[];
    actMs: number;
    override?: () => OpcuaMethodAnswer | undefined;
  },
): { nodeId: string; methods: OpcuaMethod[] } {
  const run = randomUUID();
  const override = options.override ?? (() => undefined);
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
      setTimeout(act, options.actMs).unref();
      return { status: 'Good', outputs: [NO_ERROR] };
    },
  });
  const hasJob = () => build.state === 'Building' || build.state === 'Paused';
  const end = (how: string) => () => {
    const name = build.job?.name;
    build.job = undefined;
    build.state = 'Idle';
    build.onEvent(`Job "${name}" ${how}`, 400);
  };
  const notStarted = (browseName: string): OpcuaMethod => ({
    ...method(
      browseName,
      () => false,
      () => undefined,
    ),
    call: ([jobOrderId]) =>
      build.job && jobOrderId === build.job.name
        ? { status: 'Good', outputs: [INVALID_JOB_ORDER_STATUS] }
        : { status: 'Good', outputs: [UNKNOWN_JOB_ORDER_ID] },
  });
  const all: Record<JobOrderMethodName, () => OpcuaMethod> = {
    Pause: () =>
      method(
        'Pause',
        () => build.state === 'Building',
        () => build.pause(),
      ),
    Resume: () =>
      method(
        'Resume',
        () => build.state === 'Paused',
        () => build.resume(),
      ),
    Abort: () => method('Abort', hasJob, end('aborted')),
    Stop: () => method('Stop', hasJob, end('stopped')),
    Cancel: () => notStarted('Cancel'),
    Clear: () => notStarted('Clear'),
  };
  return {
    nodeId: `s=${run}`,
    methods: (options.methods ?? ALL_JOB_ORDER_METHODS).map((name) => all[name]()),
  };
}
