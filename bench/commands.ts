// `npm run bench -- commands`: issue 11's command latency. A command published in the cloud (the
// emulator, in this process) → the printer receives it (a simulated Bambu printer, in this
// process, time-stamped on arrival), through the agent as it ships (dist/echo-agent.mjs, its own
// process, the events stream). One command at a time, pause and resume in turn, each waited for
// until the cloud shows it complete. Baseline, same run: the same command published straight to
// the printer's MQTT broker by a client in this process (the transport's own floor).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { streamsFor } from '../src/cloud-emulator/routes-commands.ts';
import { startCloudEmulator } from '../src/cloud-emulator/server.ts';
import { BambuSimulator } from '../src/collectors/bambu/simulator/bambu-simulator.ts';
import { AGENT_NODE_FLAGS } from '../src/core/runtime-flags.ts';
import { BENCH_TOKEN, SCALE, stopChild, workDir } from './shared.ts';

export interface CommandLatencyFigure {
  commands: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rawP50Ms: number;
  rawP99Ms: number;
  failed: number;
}

const ROOT = join(import.meta.dirname, '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`commands bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function benchCommands(): Promise<CommandLatencyFigure> {
  const count = Math.max(20, Math.round(1000 * SCALE));
  const dir = workDir('commands');
  const emulator = await startCloudEmulator({ seedToken: BENCH_TOKEN });
  const sim = await BambuSimulator.start({ speed: 1 });
  sim.startJob('bench-job', 1e9);
  const modeler = emulator.state.addModeler({ name: 'bambu-1' }).uri;
  const secret = join(dir, 'access-code');
  writeFileSync(secret, sim.accessCode, { mode: 0o600 });
  const configFile = join(dir, 'echo.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      workstation_name: 'bench-commands',
      data_dir: join(dir, 'data'),
      cloud: { url: emulator.url, api_token: BENCH_TOKEN },
      log: { level: 'error', cloud_level: 'fatal' },
      machines: [
        {
          name: 'bambu-1',
          collector: 'bambu',
          modeler,
          connection: {
            host: sim.host,
            port: sim.port,
            serial: sim.serial,
            tls: { fingerprint: sim.fingerprint },
          },
          credentials: { password_ref: `file:${secret}` },
          poll_interval: 1,
        },
      ],
    }),
  );
  const agent: ChildProcess = spawn(
    process.execPath,
    [...AGENT_NODE_FLAGS, join(ROOT, 'dist', 'echo-agent.mjs'), 'run', '--config', configFile],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const latencies: number[] = [];
  const raw: number[] = [];
  let failed = 0;
  try {
    const apiFile = join(dir, 'data', 'api.json');
    await until(() => existsSync(apiFile), 60_000, 'the agent to start');
    const { url, token } = JSON.parse(readFileSync(apiFile, 'utf8')) as { url: string; token: string };
    const connected = async () => {
      const response = await fetch(`${url}/api/v1/machines`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const machines = (await response.json()) as Array<{ live?: { snapshot: { state: string } } }>;
      return ['printing', 'paused'].includes(machines[0]?.live?.snapshot.state ?? '');
    };
    await until(connected, 60_000, 'the printer connected');
    await until(() => streamsFor(emulator.state).size > 0, 60_000, 'the events stream');
    for (let i = 0; i < count; i++) {
      const before = sim.commandsReceived.length;
      const type = sim.gcode === 'PAUSE' ? 'resume_job' : 'pause_job';
      const sent = performance.now();
      const command = emulator.sendCommand({ type, modeler });
      await until(
        () => ['complete', 'error'].includes(emulator.state.commands.get(command.uuid)!.status),
        30_000,
        `command ${i} to end`,
      );
      const arrived = sim.commandsReceived[before];
      if (arrived) latencies.push(arrived.at - sent);
      if (!arrived || emulator.state.commands.get(command.uuid)!.status !== 'complete') {
        failed++;
        if (failed === 1)
          process.stderr.write(`commands bench: ${emulator.state.commands.get(command.uuid)!.response}\n`);
      }
    }
    // The floor: the same commands straight to the printer's broker.
    const client = await connectAsync(`mqtts://${sim.host}:${sim.port}`, {
      username: 'bblp',
      password: sim.accessCode,
      rejectUnauthorized: false,
      protocolVersion: 4,
    });
    for (let i = 0; i < count; i++) {
      const before = sim.commandsReceived.length;
      const sent = performance.now();
      const verb = sim.gcode === 'PAUSE' ? 'resume' : 'pause';
      client.publish(
        `device/${sim.serial}/request`,
        JSON.stringify({ print: { sequence_id: `raw-${i}`, command: verb, param: '' } }),
      );
      await until(() => sim.commandsReceived.length > before, 30_000, `raw command ${i}`);
      raw.push(sim.commandsReceived[before]!.at - sent);
      await until(
        () => sim.gcode === (verb === 'pause' ? 'PAUSE' : 'RUNNING'),
        30_000,
        `raw command ${i} applied`,
      );
    }
    await client.endAsync();
  } finally {
    await stopChild(agent);
    await sim.close();
    await emulator.close();
  }
  return {
    commands: count,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    rawP50Ms: percentile(raw, 50),
    rawP99Ms: percentile(raw, 99),
    failed,
  };
}
