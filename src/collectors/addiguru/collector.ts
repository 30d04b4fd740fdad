import type {
  Collector,
  CollectorContext,
  ConnectionTest,
  HistoricJob,
  HistoryPage,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { AddiguruApi } from './api.ts';
import { analysesPage, analysisDetail, hubStatus, PATHS } from './assumed-api.ts';
import type { AddiguruConnection } from './config.ts';
import { analysisMeta, analysisReference, parseReference, toPastJob, toSnapshot } from './map.ts';

/**
 * An Addiguru hub (assumed API, see README): its status each poll (the installation's health),
 * and, through the core's history runner, one `addiguru.build.analysis` capture per finished
 * analysis after the watermark, so that each analysis reaches the cloud once, across restarts.
 */
export class AddiguruCollector implements Collector {
  private readonly api: AddiguruApi;
  private readonly unknownLogged = new Set<string>();

  constructor(
    connection: AddiguruConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.api = new AddiguruApi(connection, ctx);
  }

  async connect(signal: AbortSignal): Promise<void> {
    await this.api.get(PATHS.status, hubStatus, signal);
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const status = (await this.api.get(PATHS.status, hubStatus, signal))!;
    const { snapshot, unknownState } = toSnapshot(status);
    if (unknownState !== undefined && !this.unknownLogged.has(unknownState)) {
      this.unknownLogged.add(unknownState);
      this.ctx.logger.warn(
        { state: unknownState.slice(0, 100) },
        `the Addiguru hub reports a state Echo does not know ("${unknownState.slice(0, 100)}"): shown as unknown`,
      );
    }
    return { snapshot, captures: [] };
  }

  async close(): Promise<void> {
    this.api.forget();
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      const status = (await this.api.get(PATHS.status, hubStatus, signal))!;
      return {
        ok: true,
        message: `Addiguru hub "${status.hub?.name ?? '?'}" answered (state ${status.state ?? '?'}, ${status.printers?.length ?? 0} printers, version ${status.hub?.version ?? '?'})`,
        details: {
          serial: status.hub?.serial ?? null,
          firmware: status.hub?.version ?? null,
          printers: (status.printers ?? []).map((p) => p.name ?? p.id),
        },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure } };
    }
  }

  async readHistory(after: string | undefined, limit: number, signal: AbortSignal): Promise<HistoryPage> {
    const mark = after ? parseReference(after) : undefined;
    if (after && !mark) {
      throw new CollectorError('protocol', `the watermark "${after}" is not an Addiguru analysis reference`);
    }
    const query = new URLSearchParams({ limit: String(limit) });
    if (mark) {
      query.set('since', mark.endTime);
      query.set('after_id', mark.id);
    }
    const page = (await this.api.get(`${PATHS.analyses}?${query}`, analysesPage, signal))!;
    const listed = page.analyses
      .map((summary) => ({ summary, reference: analysisReference(summary) }))
      .filter(({ reference }) => after === undefined || reference > after)
      .sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    const jobs: HistoricJob[] = [];
    for (const { summary, reference } of listed) {
      // An analysis removed between the list and its details still counts: its summary is sent.
      const detail = await this.api.get(PATHS.analysis(summary.id), analysisDetail, signal, [404]);
      const analysis = detail ?? summary;
      jobs.push({
        reference,
        captureTypeName: 'addiguru.build.analysis',
        content: JSON.stringify(analysis),
        contentType: 'application/json',
        meta: { ...analysisMeta(analysis), ...(detail ? {} : { detail: 'missing' }) },
        pastJobs: [toPastJob(analysis)],
      });
    }
    return { jobs, more: page.has_more && jobs.length > 0 };
  }
}
