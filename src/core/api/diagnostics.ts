import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsInEffect } from '../../shared/api/index.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { AgentPort } from './agent-port.ts';
import { zipFiles } from './zip.ts';

const LOG_TAIL_BYTES = 2 * 1024 * 1024;

/** What a support bundle reads from the running core. */
type DiagnosedAgent = Pick<AgentPort, 'status' | 'machines' | 'logs' | 'machineJobs' | 'commands'>;

/**
 * A zip for support: status, machines, recent logs and jobs, the end of the log file, the
 * installation identity, the config without secrets.
 */
export function diagnosticsZip(input: {
  version: string;
  now: number;
  config: ResolvedConfig;
  agent: DiagnosedAgent;
  /** What the operator changed in the app (`settings.local.json`; no secrets in it). */
  changedInApp: unknown;
}): Buffer {
  const { agent } = input;
  const machines = agent.machines();
  const jobs = Object.fromEntries(machines.map((m) => [m.name, agent.machineJobs(m.name, 50)]));
  const config = JSON.parse(JSON.stringify(input.config)) as { cloud: { api_token?: { secret?: string } } };
  if (config.cloud.api_token?.secret) config.cloud.api_token.secret = '[redacted]';
  const logFile = join(input.config.data_dir, 'logs', 'echo.log');
  const logTail = existsSync(logFile) ? readFileSync(logFile).subarray(-LOG_TAIL_BYTES) : Buffer.alloc(0);
  // Which installation this PC is in the cloud (no secret in it; docs/store.md).
  const identityFile = join(input.config.data_dir, 'installation.json');
  const identity = existsSync(identityFile) ? readFileSync(identityFile) : Buffer.from('(none)\n');
  return zipFiles([
    {
      name: 'README.txt',
      content: `Echo ${input.version} diagnostics, ${new Date(input.now).toISOString()}.\nstatus.json: what \`echo-agent status --json\` shows; machines.json: each machine's live state; logs.jsonl: recent log entries from the store; echo.log: the end of the log file; config.json: the configuration in effect with secrets redacted (secret references only); settings.local.json: what was changed in the app; jobs.json: each machine's recent jobs; commands.json: the audit of remote commands (the newest 500) and what became of each; installation.json: the installation this PC is in the cloud.\n`,
    },
    { name: 'status.json', content: JSON.stringify(agent.status(), null, 2) },
    { name: 'machines.json', content: JSON.stringify(machines, null, 2) },
    { name: 'config.json', content: JSON.stringify(config, null, 2) },
    { name: 'settings.local.json', content: JSON.stringify(input.changedInApp, null, 2) },
    { name: 'jobs.json', content: JSON.stringify(jobs, null, 2) },
    { name: 'commands.json', content: JSON.stringify(agent.commands({ limit: 500 }), null, 2) },
    {
      name: 'logs.jsonl',
      content: agent
        .logs({ limit: 5000 })
        .map((l) => JSON.stringify(l))
        .join('\n'),
    },
    { name: 'echo.log', content: logTail },
    { name: 'installation.json', content: identity },
  ]);
}

/**
 * The settings in effect, without secrets (the settings screen): each field picked by name, so a
 * secret added to a section of the config never reaches the answer.
 */
export function settingsInEffect(config: ResolvedConfig, secretStore: string): SettingsInEffect {
  const { cloud, intervals, store, log, api } = config;
  return {
    configFile: config.source ?? null,
    workstation_name: config.workstation_name,
    data_dir: config.data_dir,
    cloud: { url: cloud.url, bureau: cloud.bureau ?? null, machines_from_cloud: cloud.machines_from_cloud },
    intervals,
    store: {
      max_size_mb: store.max_size_mb,
      when_full: store.when_full,
      retention_hours: store.retention_hours,
    },
    log: { level: log.level, cloud_level: log.cloud_level },
    api: { host: api.host, port: api.port },
    secretStore,
  };
}
