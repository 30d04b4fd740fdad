import type { ConnectionTest } from '../../collectors/sdk/collector.ts';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import type { CommandType } from '../../shared/model/commands.ts';
import type { CollectionManager } from '../collection/collection-manager.ts';
import type { CommandExecutor } from './command-runner.ts';

/**
 * Commands carried out by the machines' collectors: what its collector declares (`commands`)
 * first, then the machine's allow-list (`machines[].commands.allow`), then its
 * running collector's `control`, or its connection test for `check_configuration`.
 */
export function collectionExecutor(deps: {
  collection: CollectionManager;
  registry: CollectorRegistry;
  machine(name: string): MachineConfig | undefined;
  /** The serial number the cloud has for a machine's modeler, where known. */
  cloudSerial?(name: string, signal: AbortSignal): Promise<string | undefined>;
}): CommandExecutor {
  return {
    refusal(name, type: CommandType) {
      const machine = deps.machine(name);
      if (!machine?.enabled || !deps.collection.isRunning(name)) {
        return {
          code: 'not_collected',
          message: `machine "${name}" is not collected by this agent now (disabled or stopped)`,
        };
      }
      // What the machine cannot do at all is said before what it may not do: the allow-list
      // cannot make a Haas start a job.
      const definition = deps.registry.get(machine.collector);
      if (type !== 'check_configuration' && !definition?.commands?.includes(type)) {
        return {
          code: 'unsupported_command',
          message: `machine "${name}" (${definition?.vendor ?? machine.collector}) cannot ${type} from Echo`,
        };
      }
      if (!machine.commands.allow.includes(type)) {
        return {
          code: 'not_allowed',
          message: `machine "${name}" does not accept ${type} from the cloud (machines[].commands.allow)`,
        };
      }
      return undefined;
    },
    confirmationTimeoutMs(name, type) {
      const machine = deps.machine(name);
      if (type !== 'start_job' || !machine?.commands.confirm_start_job) return undefined;
      return machine.commands.confirm_timeout * 1000;
    },
    async control(name, command, signal) {
      const running = deps.collection.control(name, command, signal);
      if (!running) throw new Error(`machine "${name}" stopped before the command reached it`);
      return running;
    },
    presets: (name, signal) => deps.collection.presets(name, signal),
    verify: (name, command, signal) => deps.collection.verify(name, command, signal),
    async checkConfiguration(name, signal) {
      const machine = deps.machine(name);
      if (!machine) throw new Error(`machine "${name}" is no longer configured`);
      const test =
        liveCheck(deps.collection, machine) ?? (await deps.collection.testConnection(machine, signal));
      const details = (test.details ?? {}) as Record<string, unknown>;
      const failure = typeof details.failure === 'string' ? details.failure : undefined;
      const serial = typeof details.serial === 'string' ? details.serial : undefined;
      const cloudSerial = await deps.cloudSerial?.(name, signal).catch(() => undefined);
      const serialMatches = serial && cloudSerial ? serial === cloudSerial : null;
      return {
        ok: test.ok && serialMatches !== false,
        message:
          serialMatches === false
            ? `${test.message}; but its serial number ${serial} is not the cloud's ${cloudSerial}`
            : test.message,
        reply: {
          reachable: test.ok || (failure !== undefined && failure !== 'unreachable' && failure !== 'timeout'),
          authenticated: test.ok ? true : failure === 'auth' ? false : null,
          firmware: typeof details.firmware === 'string' ? details.firmware : null,
          serial_number: serial ?? null,
          serial_matches_cloud: serialMatches,
          details,
        },
      };
    },
  };
}

/**
 * The running connection as the check, when it is up and was read within its last two polls: a
 * second connection would disturb the machine, and one that allows a single client (a serial
 * port, some controllers) would refuse it as busy. Its last poll proves the address, the
 * credentials and what the machine reported.
 */
function liveCheck(collection: CollectionManager, machine: MachineConfig): ConnectionTest | undefined {
  const live = collection.live(machine.name);
  if (!live?.connected || !live.lastSeenAt) return undefined;
  const age = Date.now() - Date.parse(live.lastSeenAt);
  if (!(age <= (2 * machine.poll_interval + machine.timeout) * 1000)) return undefined;
  const { serialNumber, firmware } = live.snapshot;
  return {
    ok: true,
    message: `connected and polled ${Math.round(age / 1000)} s ago (state ${live.snapshot.state}): the running connection was checked, not a second one`,
    details: {
      ...(serialNumber ? { serial: serialNumber } : {}),
      ...(firmware ? { firmware } : {}),
      via: 'running connection',
    },
  };
}
