import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  type CloudEmulator,
  type EmulatorOptions,
  startCloudEmulator,
} from '../../src/cloud-emulator/server.ts';
import { allCollectors } from '../../src/collectors/all.ts';
import { Agent } from '../../src/core/agent.ts';
import { AgentHost } from '../../src/core/agent-host.ts';
import { type Clock, scaledClock } from '../../src/core/clock.ts';
import { type ResolvedConfig, resolveConfig } from '../../src/core/config/load.ts';
import { withLocalSettings } from '../../src/core/config/local-settings.ts';
import type { ConfigInput } from '../../src/shared/config/schema.ts';
import { tempDir } from './temp-dir.ts';

export const SEED_TOKEN = { uuid: '00000000-0000-4000-8000-000000000001', secret: 'test-secret' };

/**
 * What a test started against its emulator, stopped before the emulator closes: `after` hooks run
 * in the order they were added, so the emulator (started first) would close under an agent whose
 * request is still in flight, and node may end the file with that request never settled.
 */
const stopBeforeCloud = new WeakMap<TestContext, Array<() => Promise<void>>>();

function stopWithTest(t: TestContext, stop: () => Promise<void>): void {
  const stops = stopBeforeCloud.get(t) ?? [];
  stops.push(stop);
  stopBeforeCloud.set(t, stops);
  t.after(stop);
}

/** An emulator that knows the seed token and has one modeler per name given. */
export async function startEmulator(
  t: TestContext,
  machines: string[] = ['printer-1'],
  options: EmulatorOptions = {},
): Promise<{ emulator: CloudEmulator; modelers: Record<string, string> }> {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN, ...options });
  t.after(async () => {
    for (const stop of stopBeforeCloud.get(t) ?? []) await stop();
    await emulator.close();
  });
  const modelers: Record<string, string> = {};
  for (const name of machines) modelers[name] = emulator.state.addModeler({ name }).uri;
  return { emulator, modelers };
}

/** A validated config pointing at the emulator, with fast intervals for tests. */
export function testConfig(
  dataDir: string,
  cloudUrl: string,
  modelers: Record<string, string>,
  extra: Partial<ConfigInput> = {},
): ResolvedConfig {
  return resolveConfig(
    {
      workstation_name: 'test-station',
      data_dir: dataDir,
      cloud: { url: cloudUrl, api_token: SEED_TOKEN, request_timeout_ms: 5000 },
      intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5 },
      sync: { backoff_initial_ms: 200, backoff_max_ms: 10_000 },
      log: { level: 'warn' },
      machines: Object.entries(modelers).map(([name, modeler]) => ({ name, collector: 'test', modeler })),
      ...extra,
      // No 32 MB ballast per test agent unless a test asks (the host tests do: test/host/).
      store: { reserve_mb: 0, ...extra.store },
    },
    {},
  );
}

/** Starts an agent against `config`; it is stopped when the test ends. */
export async function startAgent(
  t: TestContext,
  config: ResolvedConfig,
  clock: Clock = scaledClock(1),
): Promise<Agent> {
  const agent = await Agent.start({ config, clock });
  stopWithTest(t, () => agent.stop());
  return agent;
}

/** Starts an agent that runs the machines of `config` with Echo's collectors. */
export async function startAgentWithCollectors(
  t: TestContext,
  config: ResolvedConfig,
  clock: Clock = scaledClock(1),
): Promise<Agent> {
  const agent = await Agent.start({ config, clock, collectors: allCollectors() });
  stopWithTest(t, () => agent.stop());
  return agent;
}

/**
 * The agent as the CLI runs it: in an AgentHost that restarts it when settings change in the
 * app (the config is read again with `settings.local.json` on top).
 */
export async function startAgentHost(t: TestContext, config: ResolvedConfig): Promise<AgentHost> {
  const host = await AgentHost.start(() => withLocalSettings(config, {}), {
    collectors: allCollectors(),
    onFailed: (error) => t.diagnostic(`the core did not start again: ${String(error)}`),
  });
  stopWithTest(t, () => host.stop());
  return host;
}

/**
 * Polls `check` (every 20 ms, or `everyMs`: a real agent asked over HTTP wants longer) until it is
 * true or `timeoutMs` of real time passes; a timeout says `what`, and what `describe` tells (the
 * agent's status and last log lines, say).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
  options: { everyMs?: number; describe?: () => string | Promise<string> } = {},
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) {
      const more = options.describe ? `; ${await options.describe()}` : '';
      throw new Error(`timed out waiting for ${what}${more}`);
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
}

export { tempDir };

/**
 * One machine of `collector` run by a real agent against the emulator: the shape of every vendor
 * test. `secret`, when given, is written owner-only to a file and referenced as the password.
 */
export async function startMachine(
  t: TestContext,
  machine: {
    collector: string;
    connection: Record<string, unknown>;
    secret?: string;
    username?: string;
    poll_interval?: number;
    timeout?: number;
    max_message_mb?: number;
  },
) {
  const { emulator, modelers } = await startEmulator(t, ['machine-1']);
  const dir = tempDir(t);
  let credentials: { username?: string; password_ref?: string } | undefined;
  if (machine.secret !== undefined) {
    const file = join(dir, 'machine-secret');
    writeFileSync(file, machine.secret, { mode: 0o600 });
    credentials = {
      password_ref: `file:${file}`,
      ...(machine.username ? { username: machine.username } : {}),
    };
  }
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: machine.collector,
      connection: machine.connection,
      ...(credentials ? { credentials } : {}),
      poll_interval: machine.poll_interval ?? 0.2,
      timeout: machine.timeout ?? 2,
      ...(machine.max_message_mb !== undefined ? { max_message_mb: machine.max_message_mb } : {}),
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const live = () => agent.machines()[0]!.live!;
  const modeler = () => [...emulator.state.modelers.values()][0]!;
  return { emulator, agent, live, modeler, config };
}
