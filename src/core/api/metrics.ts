import type { AgentStatus } from './agent-port.ts';

/** Prometheus text exposition of the agent's status: queues, counters, store, cloud. */
export function renderMetrics(status: AgentStatus): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
        .join(',');
      lines.push(`${name}${text ? `{${text}}` : ''} ${value}`);
    }
  };
  gauge(
    'echo_captures',
    'Captures in the local store by state.',
    Object.entries(status.backlog.captures).map(([state, n]) => [{ state }, n]),
  );
  gauge(
    'echo_log_entries',
    'Log entries in the local store by state.',
    Object.entries(status.backlog.logs).map(([state, n]) => [{ state }, n]),
  );
  gauge(
    'echo_counter',
    'Lifetime counters (sent, dropped, dead-lettered, quarantines).',
    Object.entries(status.counters).map(([name, n]) => [{ name }, n]),
  );
  gauge('echo_store_used_bytes', 'Bytes used by the store.', [[{}, status.store.usedBytes]]);
  gauge('echo_store_max_bytes', 'The store size cap.', [[{}, status.store.maxBytes]]);
  gauge('echo_cloud_reachable', '1 when the last cloud request succeeded.', [
    [{}, status.cloud.reachable ? 1 : 0],
  ]);
  gauge('echo_cloud_signed_in', '1 when the agent holds a valid credential.', [
    [{}, status.cloud.auth === 'signed_in' ? 1 : 0],
  ]);
  gauge('echo_cloud_enabled', "The cloud's enabled switch.", [[{}, status.cloud.enabled ? 1 : 0]]);
  gauge('echo_health', 'Health as last assessed (1 for the current value).', [
    [{ health: status.cloud.health.health }, 1],
  ]);
  gauge('echo_alerts', 'Active alerts.', [[{}, status.alerts.length]]);
  gauge(
    'echo_machine_state',
    'Machines by their live state (1 for the current one).',
    status.machines.filter((m) => m.live).map((m) => [{ machine: m.name, state: m.live!.snapshot.state }, 1]),
  );
  const lag = status.pollLag;
  if (lag) {
    lines.push(
      '# HELP echo_machine_poll_lag_seconds How late machine polls start against their schedule.',
      '# TYPE echo_machine_poll_lag_seconds histogram',
      ...lag.buckets.map(
        (b) =>
          `echo_machine_poll_lag_seconds_bucket{le="${b.le === '+Inf' ? '+Inf' : b.le / 1000}"} ${b.count}`,
      ),
      `echo_machine_poll_lag_seconds_sum ${lag.sumMs / 1000}`,
      `echo_machine_poll_lag_seconds_count ${lag.count}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
