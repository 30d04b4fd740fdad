import { randomUUID } from 'node:crypto';

/**
 * Sends CRITICAL (pino `fatal`) lines to Sentry's store endpoint, only when a DSN is configured:
 * the cloud's own guidance is "Sentry for critical errors only", since debug noise burns the quota.
 * A minimal client on purpose: one POST per critical event, no SDK instrumentation in the agent.
 */
export class SentrySink {
  private readonly endpoint: string;
  private readonly auth: string;
  sent = 0;
  failed = 0;

  constructor(
    dsn: string,
    private readonly release: string,
    private readonly serverName: string,
  ) {
    const url = new URL(dsn);
    const project = url.pathname.replace(/^\/+|\/+$/g, '');
    if (!url.username || !project)
      throw new Error('the Sentry DSN must look like https://<key>@<host>/<project>');
    this.endpoint = `${url.protocol}//${url.host}/api/${project}/store/`;
    this.auth = `Sentry sentry_version=7, sentry_key=${url.username}, sentry_client=echo-agent/${release}`;
  }

  write(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (Number(record.level) < 60) return;
    const event = {
      event_id: randomUUID().replaceAll('-', ''),
      timestamp: new Date(Number(record.time ?? Date.now())).toISOString(),
      level: 'fatal',
      logger: 'echo-agent',
      platform: 'node',
      release: this.release,
      server_name: this.serverName,
      message: String(record.msg ?? ''),
      extra: record,
    };
    fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sentry-auth': this.auth },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(10_000),
    }).then(
      () => this.sent++,
      () => this.failed++,
    );
  }
}
