import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/core/config/load.ts';
import { AGENT_NODE_FLAGS } from '../src/core/runtime-flags.ts';
import type { ConfigInput } from '../src/shared/config/schema.ts';

export const BENCH_TOKEN = { uuid: '00000000-0000-4000-8000-00000000be4c', secret: 'bench-secret' };

/** BENCH_SCALE=0.05 runs every benchmark on 5 % of the data, for a quick look. */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);

export function workDir(name: string): string {
  const dir = join(import.meta.dirname, '.work', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function benchConfig(dataDir: string, cloudUrl: string, modeler: string) {
  return resolveConfig(
    {
      workstation_name: 'bench',
      data_dir: dataDir,
      cloud: { url: cloudUrl, api_token: BENCH_TOKEN },
      store: { max_size_mb: 4096, startup_check_max_mb: 256 },
      log: { level: 'error', cloud_level: 'fatal' },
      machines: [{ name: 'bench-1', collector: 'bench', modeler }],
    },
    {},
  );
}

/**
 * Starts a child process and returns it with its first line of output: a TypeScript file of bench/
 * (through tsx), or a bundle in dist/ (`*.mjs`, plain node: what ships, with no loader overhead).
 */
/** The simulated printers of `fleet-process.ts` and the emulator they are registered in. */
export interface Fleet {
  url: string;
  machines: Array<{ name: string; port: number; modeler: string }>;
}

/**
 * An agent polling every printer of the fleet each second with the real Ultimaker collector, and
 * `others` beside them.
 */
export function fleetConfig(
  fleet: Fleet,
  name: string,
  dataDir: string,
  others: NonNullable<ConfigInput['machines']> = [],
) {
  return resolveConfig(
    {
      workstation_name: name,
      data_dir: dataDir,
      cloud: { url: fleet.url, api_token: BENCH_TOKEN },
      log: { level: 'error', cloud_level: 'fatal' },
      machines: [
        ...fleet.machines.map((m) => ({
          name: m.name,
          collector: 'ultimaker',
          connection: { host: '127.0.0.1', port: m.port },
          modeler: m.modeler,
          poll_interval: 1,
          timeout: 5,
        })),
        ...others,
      ],
    },
    {},
  );
}

export async function startChild(
  file: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; first: string }> {
  const bundled = file.endsWith('.mjs');
  const path = bundled ? join(import.meta.dirname, '..', 'dist', file) : join(import.meta.dirname, file);
  // Bundles run as Echo launches the agent (AGENT_NODE_FLAGS); BENCH_NODE_FLAGS replaces them to compare.
  const flags =
    process.env.BENCH_NODE_FLAGS !== undefined
      ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean)
      : AGENT_NODE_FLAGS;
  const execArgv = bundled ? ['--expose-gc', ...flags] : ['--import', 'tsx', '--expose-gc'];
  const child = fork(path, args, { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let buffer = '';
  for await (const chunk of child.stdout!) {
    buffer += String(chunk);
    if (buffer.includes('\n')) break;
  }
  return { child, first: buffer.split('\n')[0]! };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
