/**
 * The agent as it ships, attacked from outside: `echo-agent run --config <file>` in a child
 * process, read only through what an operator sees (its local API, `/proc/<pid>/status`, its exit),
 * and the healthy machine's own view of when it was polled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import type { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import type { AgentStatus, MachineSummary } from '../../src/core/api/agent-port.ts';
import { SEED_TOKEN, tempDir, waitFor } from '../helpers/harness.ts';

const BIN = join(import.meta.dirname, '../../bin/echo-agent.js');
const OUTPUT_KEPT = 256 * 1024;

export interface MachineEntry {
  name: string;
  collector: string;
  connection: Record<string, unknown>;
  poll_interval?: number;
  timeout?: number;
  unchanged_capture_interval?: number;
  credentials?: { username?: string; password_ref?: string };
  history?: Record<string, unknown>;
}

/** An `echo-agent run` child process and what can be seen of it from outside. */
export class RealAgent {
  /** Set when the process ended, with how. */
  exited: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  /** The last `OUTPUT_KEPT` characters of its stdout and stderr, for the failure report. */
  output = '';
  /** Highest VmRSS seen (bytes) and every sample, as `[time, bytes]`. */
  maxRss = 0;
  readonly rss: Array<[number, number]> = [];
  private sampler: NodeJS.Timeout | undefined;
  private api: { url: string; token: string } | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly configFile: string,
  ) {
    child.on('exit', (code, signal) => {
      this.exited = { code, signal, at: Date.now() };
    });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-OUTPUT_KEPT);
    };
    // Always drained: an agent that logs into a full pipe would block on it.
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /**
   * Writes the config (the emulator as cloud, the seed token by reference, fast intervals) and
   * starts the agent; it is killed when the test ends.
   */
  static async start(
    t: TestContext,
    options: {
      cloudUrl: string;
      modelers: Record<string, string>;
      machines: MachineEntry[];
      /** Where the agent keeps its data (default: a temp folder's `data`). */
      dataDir?: string;
      /** Sections merged over the test config's (`store`, `sync`, `log` ...). */
      config?: Record<string, Record<string, unknown>>;
    },
  ): Promise<RealAgent> {
    const dir = tempDir(t, 'echo-hostile-');
    const dataDir = options.dataDir ?? join(dir, 'data');
    const extra = options.config ?? {};
    const configFile = join(dir, 'echo.yml');
    writeFileSync(
      configFile,
      stringify({
        workstation_name: 'hostile-test',
        data_dir: dataDir,
        cloud: {
          url: options.cloudUrl,
          api_token: { uuid: SEED_TOKEN.uuid, secret_ref: 'env:ECHO_HOSTILE_TOKEN_SECRET' },
          request_timeout_ms: 5000,
        },
        intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5, ...extra.intervals },
        sync: { backoff_initial_ms: 200, backoff_max_ms: 5000, ...extra.sync },
        log: { level: 'warn', ...extra.log },
        ...(extra.store ? { store: extra.store } : {}),
        machines: options.machines.map((m) => ({ ...m, modeler: options.modelers[m.name] })),
      }),
    );
    const child = spawn(process.execPath, [BIN, 'run', '--config', configFile], {
      env: { ...process.env, ECHO_HOSTILE_TOKEN_SECRET: SEED_TOKEN.secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const agent = new RealAgent(child, dataDir, configFile);
    t.after(() => agent.kill());
    // Its local API's address and token appear in `<data_dir>/api.json` once it runs.
    const file = join(dataDir, 'api.json');
    await waitFor(() => agent.exited !== undefined || existsSync(file), 60_000, 'the agent to start').catch(
      (error: Error) => {
        throw new Error(`${error.message}; its output:\n${agent.output}`);
      },
    );
    if (agent.exited)
      throw new Error(`the agent exited at start (${agent.describeExit()}):\n${agent.output}`);
    agent.api = JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string };
    agent.sampleRss();
    agent.sampler = setInterval(() => agent.sampleRss(), 250);
    return agent;
  }

  get pid(): number {
    return this.child.pid!;
  }

  describeExit(): string {
    return this.exited ? `code ${this.exited.code}, signal ${this.exited.signal}` : 'running';
  }

  /** Throws, with the agent's last output, if the process has ended. */
  assertAlive(when: string): void {
    if (this.exited) {
      throw new Error(
        `the agent process ended ${when} (${this.describeExit()}); its last output:\n${this.output.slice(-8000)}`,
      );
    }
  }

  /** `GET /api/v1/status` with the token from `<data_dir>/api.json`. */
  async status(timeoutMs = 10_000): Promise<AgentStatus> {
    const response = await fetch(`${this.api!.url}/api/v1/status`, {
      headers: { authorization: `Bearer ${this.api!.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`status answered ${response.status}`);
    return (await response.json()) as AgentStatus;
  }

  async machine(name: string): Promise<MachineSummary> {
    const found = (await this.status()).machines.find((m) => m.name === name);
    if (!found) throw new Error(`no machine "${name}" in the status`);
    return found;
  }

  /** How long `GET /healthz` takes to answer (ms); `Infinity` when it did not within `timeoutMs`. */
  async healthzLatency(timeoutMs = 20_000): Promise<number> {
    const started = performance.now();
    try {
      const response = await fetch(`${this.api!.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.status === 200 ? performance.now() - started : Number.POSITIVE_INFINITY;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  private sampleRss(): void {
    if (this.exited) return;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (!match) return;
      const bytes = Number(match[1]) * 1024;
      this.rss.push([Date.now(), bytes]);
      if (bytes > this.maxRss) this.maxRss = bytes;
    } catch {
      // the process just ended
    }
  }

  /** SIGTERM (the agent drains), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.exited) return;
    const ended = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await ended;
    clearTimeout(timer);
  }

  /** SIGKILL now (a crash, a power cut), and wait for the process to be gone. */
  async killNow(): Promise<void> {
    clearInterval(this.sampler);
    if (this.exited) return;
    const ended = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await ended;
  }

  private kill(): void {
    clearInterval(this.sampler);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/**
 * When the healthy machine was polled, seen from the machine: the time each `GET /api/v1/printer`
 * (the first request of every Ultimaker poll) reached its HTTP server.
 */
export class PollProbe {
  readonly polls: number[] = [];

  constructor(sim: UltimakerSimulator) {
    // The simulator keeps its server private; a second `request` listener only watches.
    const server = (sim as unknown as { server: Server }).server;
    server.on('request', (req) => {
      if ((req.url ?? '').startsWith('/api/v1/printer')) this.polls.push(performance.now());
    });
  }

  /** Gaps (ms) between consecutive polls that both fell within `[from, to)` (performance.now()). */
  gaps(from: number, to = Number.POSITIVE_INFINITY): number[] {
    const inside = this.polls.filter((p) => p >= from && p < to);
    return inside.slice(1).map((p, i) => p - inside[i]!);
  }
}

export function summarize(values: number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `n=${values.length} min=${sorted[0]!.toFixed(0)} p50=${at(0.5).toFixed(0)} p95=${at(0.95).toFixed(0)} max=${sorted.at(-1)!.toFixed(0)} ms`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
