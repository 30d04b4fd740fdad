import type {
  Collector,
  CollectorContext,
  ConnectionTest,
  HistoryPage,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { httpGet, httpPools } from '../sdk/http-json.ts';
import type { StratasysConnection } from './config.ts';
import { readingsOf, toSnapshot } from './map.ts';
import { parseStreamReference, parseStreams, streamReference } from './protocol.ts';

/**
 * A Stratasys F-series printer through its MTConnect agent (HTTP/XML). `/current` each poll gives
 * the state and the status capture; the history is the agent's sample stream: `/sample?from=`
 * the sequence after the watermark, each window one `.historic` capture, the watermark being the
 * agent's instance id and the last sequence read. A restarted agent (new instance id) is read
 * from its first sequence; a window that fell out of the agent's buffer is reported as a gap.
 */
export class StratasysCollector implements Collector {
  private readonly base: string;

  constructor(
    private readonly connection: StratasysConnection,
    private readonly ctx: CollectorContext,
  ) {
    const url = connection.url.endsWith('/') ? connection.url : `${connection.url}/`;
    this.base = connection.device ? `${url}${encodeURIComponent(connection.device)}/` : url;
  }

  async connect(signal: AbortSignal): Promise<void> {
    await this.get('current', signal);
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const { xml, observations } = await this.get('current', signal);
    const snapshot = toSnapshot(observations);
    const r = readingsOf(observations);
    return {
      snapshot,
      captures: [
        {
          captureTypeName: 'stratasys.connectivity.modeler.status',
          content: xml,
          contentType: 'application/xml',
          meta: {
            source: 'mtconnect-current',
            serial: snapshot.serialNumber ?? null,
            controller_mode: r.controllerMode ?? null,
          },
          dedupeKey: 'status',
          significant: JSON.stringify([
            r.availability,
            r.execution,
            r.controllerMode,
            r.program,
            r.partCount,
            snapshot.errors,
          ]),
        },
      ],
    };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      const { observations, header } = await this.get('current', signal);
      const snapshot = toSnapshot(observations);
      return {
        ok: true,
        message: `MTConnect agent answered (instance ${header.instanceId}, ${observations.length} data items, state ${snapshot.state})`,
        details: { instanceId: header.instanceId, serial: snapshot.serialNumber },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure } };
    }
  }

  async readHistory(after: string | undefined, limit: number, signal: AbortSignal): Promise<HistoryPage> {
    const mark = after ? parseStreamReference(after) : undefined;
    const current = await this.get('current', signal);
    const { instanceId, firstSequence, nextSequence } = current.header;
    let from = mark && mark.instanceId === instanceId ? mark.sequence + 1 : firstSequence;
    let gap = false;
    if (from < firstSequence) {
      this.ctx.logger.warn(
        { missed: firstSequence - from },
        'the MTConnect agent no longer holds part of the history (its buffer moved on): collect history more often',
      );
      from = firstSequence;
      gap = true;
    }
    if (from >= nextSequence) return { jobs: [], more: false };
    const count = Math.min(limit, this.connection.sample_count);
    const window = await this.get(`sample?from=${from}&count=${count}`, signal);
    const last = window.header.nextSequence - 1;
    if (last < from) return { jobs: [], more: false };
    return {
      jobs: [
        {
          reference: streamReference(instanceId, last),
          captureTypeName: 'stratasys.connectivity.modeler.historic',
          content: window.xml,
          contentType: 'application/xml',
          jobCount: window.observations.length,
          meta: {
            source: 'mtconnect-sample',
            instance_id: instanceId,
            from_sequence: from,
            to_sequence: last,
            ...(gap ? { gap: true } : {}),
          },
        },
      ],
      more: window.header.nextSequence <= window.header.lastSequence,
    };
  }

  private async get(path: string, signal: AbortSignal) {
    const url = `${this.base}${path}`;
    const { status, text } = await httpGet(url, {
      signal,
      pools: httpPools(this.ctx.shared),
      headers: { accept: 'application/xml' },
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
    });
    if (status === 401 || status === 403) throw new CollectorError('auth', `${url}: refused (${status})`);
    // MTConnect agents answer errors (an out-of-range `from`) with an MTConnectError document.
    if (status >= 500 || (status >= 300 && !text.includes('MTConnectError'))) {
      throw new CollectorError('protocol', `${url}: answered ${status}`);
    }
    return { xml: text, ...parseStreams(text, url) };
  }
}
