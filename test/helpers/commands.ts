import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import type { Agent } from '../../src/core/agent.ts';
import type { ResolvedConfig } from '../../src/core/config/load.ts';
import type { Store } from '../../src/core/store/store.ts';
import type { MachineConfig } from '../../src/shared/config/schema.ts';
import {
  SEED_TOKEN,
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from './harness.ts';

/** Every command type, for machines a test lets take them all. */
export const EVERY_COMMAND = [
  'start_job',
  'pause_job',
  'resume_job',
  'cancel_job',
  'check_configuration',
] as const satisfies MachineConfig['commands']['allow'];

/**
 * One machine run by a real agent against the emulator, set up to take remote commands: the
 * shape of every command test. `commands` defaults to every type, unattended (no confirmation);
 * the poll runs every second. Resolves once the machine shows `readyState` (default idle).
 */
export async function startCommandMachine(
  t: TestContext,
  machine: {
    name?: string;
    collector: string;
    connection: Record<string, unknown>;
    credentials?: MachineConfig['credentials'];
    commands?: Partial<MachineConfig['commands']>;
    dataDir?: string;
    scanWaitS?: number;
    /** `commands.timeout`: how long a command may take on its machine (s). */
    commandTimeoutS?: number;
    readyState?: string | null;
  },
): Promise<{
  emulator: CloudEmulator;
  agent: Agent;
  modeler: string;
  config: ResolvedConfig;
  live: () => NonNullable<ReturnType<Agent['machines']>[number]>['live'];
}> {
  const name = machine.name ?? 'machine-1';
  const { emulator, modelers } = await startEmulator(t, [name]);
  const base = testConfig(machine.dataDir ?? join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
    commands: {
      scan_wait: machine.scanWaitS ?? 2,
      ...(machine.commandTimeoutS ? { timeout: machine.commandTimeoutS } : {}),
    },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: machine.collector,
      connection: machine.connection,
      ...(machine.credentials ? { credentials: machine.credentials } : {}),
      poll_interval: 0.2,
      timeout: 2,
      commands: { ...m.commands, allow: [...EVERY_COMMAND], confirm_start_job: false, ...machine.commands },
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const live = () => agent.machines()[0]?.live;
  const ready = machine.readyState === undefined ? 'idle' : machine.readyState;
  if (ready !== null) await waitFor(() => live()?.snapshot.state === ready, 15_000, `the machine ${ready}`);
  return { emulator, agent, modeler: modelers[name]!, config, live };
}

/** Waits until the cloud shows a command ended; its status, its parsed response and every report. */
export async function commandEnded(
  emulator: CloudEmulator,
  uuid: string,
  what = 'the command to end',
  ms = 20_000,
) {
  await waitFor(() => ['complete', 'error'].includes(emulator.state.commands.get(uuid)!.status), ms, what);
  const command = emulator.state.commands.get(uuid)!;
  return {
    status: command.status,
    response: JSON.parse(command.response ?? '{}') as Record<string, unknown>,
    reports: emulator.state.commandReports.filter((r) => r.uuid === uuid).map((r) => r.status),
  };
}

/**
 * Leaves a cloud command as a process killed while the machine executed it does: stored, moved
 * to `processing`, that `processing` acknowledged by the cloud (a real PUT to the emulator) and
 * kept as acknowledged, never finished. `acknowledged: false` stops before the PUT: the process
 * died before the cloud heard of it, so the machine cannot have been touched. Returns its id.
 */
export async function leaveProcessing(
  store: Store,
  cloud: { uri: string; type: string; modeler: string },
  machine: string,
  options: { acknowledged?: boolean } = {},
): Promise<number> {
  store.commands.receive({
    uri: cloud.uri,
    type: cloud.type,
    machine,
    modeler: cloud.modeler,
    payload: JSON.stringify(cloud),
    via: 'poll',
  });
  const id = store.commands.recent({ limit: 1 })[0]!.id;
  if (!store.commands.transition(id, 'received', 'processing')) throw new Error('not received');
  if (options.acknowledged === false) return id;
  const basic = Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64');
  const put = await fetch(cloud.uri, {
    method: 'PUT',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'processing' }),
  });
  if (put.status !== 204) throw new Error(`the emulator answered ${put.status} to processing`);
  store.commands.markReported(id, 'processing');
  return id;
}
