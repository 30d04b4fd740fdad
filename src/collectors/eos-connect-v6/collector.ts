import type {
  Collector,
  CollectorContext,
  ConnectionTest,
  HistoryPage,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { type PastJob, resultFromWord } from '../sdk/past-job.ts';
import { getPinnedJson } from '../sdk/pinned-https.ts';
import type { EosConnectV6Connection } from './config.ts';
import { toSnapshot } from './map.ts';
import { type HistoricJobDoc, jobReference, jobsPage, machineDoc, parseReference } from './protocol.ts';

/**
 * An EOS machine through the EOSCONNECT v6 web API, HTTPS with the machine's certificate pinned and
 * Basic authentication (the modeler's `username`/`password`). The live status drives the machine's
 * state; the capture type `eosconnet_v6_http_modeler.jobs` carries the job history, a page of
 * finished jobs per capture, collected after the watermark by the core's history runner.
 */
export class EosConnectV6Collector implements Collector {
  constructor(
    private readonly connection: EosConnectV6Connection,
    private readonly ctx: CollectorContext,
  ) {}

  async connect(signal: AbortSignal): Promise<void> {
    await this.machine(signal);
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const doc = await this.machine(signal);
    return { snapshot: toSnapshot(doc, Date.now()), captures: [] };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      const doc = await this.machine(signal);
      return {
        ok: true,
        message: `${doc.machineType} ${doc.serialNumber} answered (EOSCONNECT ${doc.softwareVersion ?? 'v6'}, state ${doc.state})`,
        details: { serial: doc.serialNumber, type: doc.machineType },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure, ...error.details } };
    }
  }

  async readHistory(after: string | undefined, limit: number, signal: AbortSignal): Promise<HistoryPage> {
    const mark = after ? parseReference(after) : undefined;
    if (after && !mark) {
      throw new CollectorError('protocol', `the watermark "${after}" is not an EOSCONNECT job reference`);
    }
    const query = new URLSearchParams({ limit: String(limit) });
    if (mark) {
      query.set('finishedAfter', mark.endTime);
      query.set('afterId', mark.id);
    }
    const page = (await this.get(`/jobs?${query}`, jobsPage, signal))!;
    if (page.jobs.length === 0) return { jobs: [], more: false };
    const references = page.jobs.map(jobReference);
    const newest = [...references].sort().at(-1)!;
    return {
      jobs: [
        {
          reference: newest,
          captureTypeName: 'eosconnet_v6_http_modeler.jobs',
          content: JSON.stringify({ jobs: page.jobs }),
          contentType: 'application/json',
          jobCount: page.jobs.length,
          pastJobs: page.jobs.map(toPastJob),
          meta: {
            source: 'eosconnect-v6',
            jobs: page.jobs.length,
            first_reference: references[0],
            last_reference: newest,
          },
        },
      ],
      more: page.hasMore,
    };
  }

  private async machine(signal: AbortSignal) {
    return (await this.get('/machine', machineDoc, signal))!;
  }

  private get<T extends import('zod').ZodType>(path: string, schema: T, signal: AbortSignal) {
    const { username, password } = this.ctx.credentials;
    if (!username || !password) {
      throw new CollectorError(
        'auth',
        'EOSCONNECT needs a user: set credentials.username and credentials.password_ref (the modeler username/password)',
      );
    }
    return getPinnedJson(
      {
        host: this.connection.host,
        port: this.connection.port,
        path: `${this.connection.base_path}${path}`,
        trust: this.connection.tls,
        auth: { username, password },
        signal,
        maxBodyBytes: this.ctx.limits.maxMessageBytes,
      },
      schema,
    );
  }
}

/** A job of the history page, for the machine screen's job history. */
function toPastJob(job: HistoricJobDoc): PastJob {
  const result = resultFromWord(job.state);
  const started = job.startTime && !Number.isNaN(Date.parse(job.startTime)) ? job.startTime : undefined;
  return {
    id: job.id,
    name: job.name,
    endedAt: new Date(job.endTime).toISOString(),
    ...(started ? { startedAt: new Date(started).toISOString() } : {}),
    ...(result ? { result } : {}),
  };
}
