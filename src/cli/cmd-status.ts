import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentStatus,
  type ApiEndpointFile,
  DATABASE_FILE,
  defaultDataDir,
  loadConfigFile,
  Store,
} from '../core/index.ts';
import { createApiClient } from '../shared/api/index.ts';
import { StoreError } from '../shared/errors.ts';
import { networkLines } from './network-lines.ts';
import { out } from './output.ts';

type OfflineStatus = Pick<AgentStatus, 'backlog' | 'counters' | 'alerts'> & {
  running: false;
  dataDir: string;
  machines: Array<{
    name: string;
    state: string;
    connected: boolean;
    error: string | null;
    observedAt: string;
  }>;
};

/** `echo-agent status [--json]`: asks the running agent, else reads the store of a stopped one. */
export async function statusCommand(flags: {
  json?: boolean;
  config?: string;
  'data-dir'?: string;
}): Promise<number> {
  const dataDir = resolveDataDir(flags);
  const live = await fetchLiveStatus(dataDir);
  if (live) {
    if (flags.json) out(JSON.stringify({ running: true, ...live }, null, 2));
    else printLive(live);
    return 0;
  }
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    out(`No Echo data in ${dataDir}: the agent has never run with this data_dir.`);
    return 3;
  }
  let offline: OfflineStatus;
  try {
    offline = readOfflineStatus(dataDir);
  } catch (error) {
    if (!(error instanceof StoreError && error.retryable)) throw error;
    // A data folder that cannot be read or written: api.json could not be written either, so a
    // running agent is not found here; it waits for its store and says so in its log.
    out(
      `Echo's store cannot be opened: ${error.message}. An agent running with this data_dir waits for it and says so in its log (and on its local API, which it could not announce in ${join(dataDir, 'api.json')}).`,
    );
    return 3;
  }
  if (flags.json) out(JSON.stringify(offline, null, 2));
  else printOffline(offline);
  return 3;
}

function resolveDataDir(flags: { config?: string; 'data-dir'?: string }): string {
  if (flags['data-dir']) return flags['data-dir'];
  const path = flags.config ?? process.env.ECHO_CONFIG;
  if (path) return loadConfigFile(path).data_dir;
  return process.env.ECHO_DATA_DIR ?? defaultDataDir();
}

async function fetchLiveStatus(dataDir: string): Promise<AgentStatus | undefined> {
  const file = join(dataDir, 'api.json');
  if (!existsSync(file)) return undefined;
  const endpoint = JSON.parse(readFileSync(file, 'utf8')) as ApiEndpointFile;
  // The typed client of the local API (src/shared/api), with a short timeout: a hung agent
  // must not hang `status`.
  const client = createApiClient({
    baseUrl: endpoint.url,
    token: endpoint.token,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(3000) }),
  });
  try {
    return await client.call('status');
  } catch {
    // Not running (connection refused): the caller falls back to reading the store.
    return undefined;
  }
}

function readOfflineStatus(dataDir: string): OfflineStatus {
  const store = Store.open({
    dataDir,
    maxSizeBytes: Number.MAX_SAFE_INTEGER,
    whenFull: 'stop_collecting',
    retentionMs: Number.MAX_SAFE_INTEGER,
    inlineMaxBytes: 0,
    startupCheckMaxBytes: 0,
    groupCommit: { maxRecords: 1, maxWaitMs: 0 },
  });
  try {
    return {
      running: false,
      dataDir,
      backlog: store.stats.counts(),
      counters: store.stats.counters(),
      alerts: store.stats.activeAlerts(),
      machines: store.status.latest().map((s) => ({
        name: s.machine,
        state: s.state,
        connected: s.connected,
        error: s.error,
        observedAt: new Date(s.observedAt).toISOString(),
      })),
    };
  } finally {
    store.close();
  }
}

function printLive(s: AgentStatus): void {
  const c = s.cloud;
  out(`Echo ${s.version} on ${s.workstationName}: running since ${s.startedAt} (collection ${s.collection})`);
  out(
    `Cloud ${c.url}: ${c.auth}${c.authError ? ` (${c.authError})` : ''}, ${c.registered ? 'registered' : 'not registered'}, ` +
      `${c.enabled ? 'enabled' : 'DISABLED by the cloud'}, ${c.reachable ? 'reachable' : 'unreachable'}; ` +
      `last sync ${c.lastSyncAt ?? 'never'}${c.lastError ? `; last error: ${c.lastError}` : ''}`,
  );
  out(`Health: ${c.health.health}${c.health.reasons.length > 0 ? ` (${c.health.reasons.join('; ')})` : ''}`);
  printQueues(s.backlog, s.counters);
  out(
    `Store: ${mb(s.store.usedBytes)} of ${mb(s.store.maxBytes)} in ${s.store.path}; secrets in ${s.store.secretStore}`,
  );
  printAlerts(s.alerts);
  const stall = s.eventLoop?.lastStall;
  if (stall) {
    out(
      `Event loop: ${s.eventLoop!.stalls} stall(s); the last ${stall.at}, ${stall.ms} ms${stall.machine ? `, caused by machine ${stall.machine}` : ''}`,
    );
  }
  if (c.waitingForModeler.length > 0) out(`Waiting for a modeler URI: ${c.waitingForModeler.join(', ')}`);
  for (const line of networkLines(s.network)) out(line);
  const update = updateLine(s.update);
  if (update) out(update);
  out('Machines:');
  if (s.machines.length === 0) out('  (none configured)');
  for (const m of s.machines) {
    const snapshot = m.live?.snapshot;
    const state = snapshot?.state ?? m.status?.state ?? 'unknown';
    const progress = snapshot?.job?.progress;
    const job = snapshot?.job
      ? `  ${snapshot.job.name}${progress === undefined ? '' : ` ${progress.toFixed(1)} %`}`
      : '';
    const error = m.live?.lastError ?? m.status?.error;
    out(
      `  ${m.name.padEnd(24)} ${state.padEnd(12)} ${m.live?.connected === false || m.status?.connected === false ? 'disconnected' : 'connected   '} backlog ${m.backlog}${job}${error ? `  ${error}` : ''}`,
    );
    const blocked = m.live?.loopBlocked;
    if (blocked) {
      out(
        `  ${''.padEnd(24)} held the event loop ${blocked.count} time(s), up to ${blocked.longestMs} ms (last ${blocked.lastAt})`,
      );
    }
  }
}

/** The status's update line: the version available and where its download stands (none when quiet). */
export function updateLine(u: AgentStatus['update']): string | undefined {
  if (!u) return undefined;
  if (u.available) {
    const what = `Update: Echo ${u.available.version} available (${u.available.platform} ${u.available.architecture} ${u.available.type}; running ${u.current})`;
    if (u.state === 'ready') return `${what}, downloaded to ${u.file} (verified by ${u.verifiedBy})`;
    if (u.state === 'downloading') return `${what}, downloading`;
    if (u.state === 'failed') return `${what}; ${u.error ?? 'failed'}`;
    return `${what}; POST /api/v1/update/download fetches it`;
  }
  if (u.state === 'failed') return `Update: ${u.error ?? 'the check failed'}`;
  return undefined;
}

function printOffline(s: OfflineStatus): void {
  out(`Echo is not running (data in ${s.dataDir}). What the store holds:`);
  printQueues(s.backlog, s.counters);
  printAlerts(s.alerts);
  for (const m of s.machines) out(`  ${m.name.padEnd(24)} ${m.state.padEnd(12)} last change ${m.observedAt}`);
}

function printQueues(b: AgentStatus['backlog'], counters: Record<string, number>): void {
  const cap = b.captures;
  out(
    `Backlog: captures ${cap.pending} pending, ${cap.created} created, ${cap.uploaded} uploaded, ${cap.dead} dead-lettered; ` +
      `logs ${b.logs.pending} pending, ${b.logs.dead} dead-lettered; ${b.machineStatus.pending} status reports`,
  );
  out(
    `Sent: ${counters.captures_acknowledged ?? 0} captures, ${counters.logs_sent ?? 0} log entries; ` +
      `dropped (store full): ${(counters.captures_dropped_store_full ?? 0) + (counters.logs_dropped_store_full ?? 0)}; ` +
      `refused (store full): ${counters.captures_rejected_store_full ?? 0}; quarantines: ${counters.store_quarantines ?? 0}`,
  );
}

function printAlerts(alerts: AgentStatus['alerts']): void {
  for (const alert of alerts) out(`ALERT ${alert.createdAt} ${alert.kind}: ${alert.message}`);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
