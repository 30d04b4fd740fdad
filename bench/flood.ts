import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allCollectors } from '../src/collectors/all.ts';
import { Agent } from '../src/core/agent.ts';
import type { ConfigInput } from '../src/shared/config/schema.ts';
import { type Fleet, fleetConfig, SCALE, startChild, stopChild, workDir } from './shared.ts';

export interface FloodFigure {
  machines: number;
  /** p99 poll lag over every machine polled (the flooders included), ms: with the flood, and without it (same run). */
  floodP99LagMs: number;
  quietP99LagMs: number;
  floodPolls: number;
  quietPolls: number;
  /** The flooding machines' states at the end, as the agent saw them. */
  floodStates: string[];
}

const HEALTHY = 100;
const WARMUP_MS = 5000 * Math.max(SCALE, 0.25);
const WINDOW_MS = 20_000 * Math.max(SCALE, 0.25);

interface Flooders {
  httpPort: number;
  bambu: { port: number; serial: string; fingerprint: string };
  folder: string;
}

/** The three flooding machines, polled each second like the fleet. */
function floodMachines(flooders: Flooders, dataDir: string): NonNullable<ConfigInput['machines']> {
  const accessCode = join(dataDir, 'access-code');
  writeFileSync(accessCode, '12345678', { mode: 0o600 });
  const polled = { poll_interval: 1, timeout: 5 };
  return [
    {
      name: 'flood-http',
      collector: 'ultimaker',
      connection: { host: '127.0.0.1', port: flooders.httpPort },
      ...polled,
    },
    {
      name: 'flood-mqtt',
      collector: 'bambu',
      connection: {
        host: '127.0.0.1',
        port: flooders.bambu.port,
        serial: flooders.bambu.serial,
        tls: { fingerprint: flooders.bambu.fingerprint },
      },
      credentials: { password_ref: `file:${accessCode}` },
      ...polled,
    },
    {
      name: 'flood-log',
      collector: 'log-files',
      connection: { format: 'eos', folder: flooders.folder, start_at: 'end' },
      ...polled,
    },
  ];
}

/** Polls the fleet for a window and returns the p99 lag of the healthy machines' polls. */
async function measure(
  fleet: Fleet,
  name: string,
  flooders: Flooders | undefined,
): Promise<{ p99: number; polls: number; states: string[] }> {
  const dataDir = workDir(name);
  const agent = await Agent.start({
    config: fleetConfig(fleet, name, dataDir, flooders ? floodMachines(flooders, dataDir) : []),
    collectors: allCollectors(),
    api: false,
  });
  try {
    const healthy = new Set(fleet.machines.map((m) => m.name));
    const until = Date.now() + 120_000;
    while (
      Date.now() < until &&
      agent.machines().some((m) => healthy.has(m.name) && (m.live?.polls ?? 0) < 3)
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    agent.pollLag()!.reset();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const summary = agent.pollLag()!.summary();
    const states = agent
      .machines()
      .filter((m) => !healthy.has(m.name))
      .map(
        (m) =>
          `${m.name} ${m.live?.snapshot.state ?? '?'} (${m.live?.polls ?? 0} polls, ${m.live?.failures ?? 0} failures)`,
      );
    return { p99: summary.p99Ms, polls: summary.count, states };
  } finally {
    await agent.stop();
  }
}

/**
 * Issue 9's goal: one machine flooding (HTTP bodies past the cap at every poll, MQTT reports at
 * the socket's rate, a log growing 10 MB/s) costs the 100 healthy machines at most 2× their poll
 * lag without the flood, measured in the same run.
 */
export async function benchFlood(): Promise<FloodFigure> {
  const { child: fleetChild, first } = await startChild('fleet-process.ts', [String(HEALTHY)]);
  try {
    const fleet = JSON.parse(first) as Fleet;
    const quiet = await measure(fleet, 'flood-quiet', undefined);
    const { child: floodChild, first: floodLine } = await startChild('flood-process.ts', [
      join(import.meta.dirname, '.work', 'flood-logs'),
    ]);
    try {
      const flood = await measure(fleet, 'flood-loud', JSON.parse(floodLine) as Flooders);
      return {
        machines: HEALTHY,
        floodP99LagMs: flood.p99,
        quietP99LagMs: quiet.p99,
        floodPolls: flood.polls,
        quietPolls: quiet.polls,
        floodStates: flood.states,
      };
    } finally {
      await stopChild(floodChild);
    }
  } finally {
    await stopChild(fleetChild);
  }
}
