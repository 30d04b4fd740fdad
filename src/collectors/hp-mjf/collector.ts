import type { Collector, CollectorContext, ConnectionTest, PollResult } from '../sdk/collector.ts';
import { getJson, httpPools } from '../sdk/http-json.ts';
import { basicAuth } from '../sdk/http-send.ts';
import { PATHS, type PrinterStatus, printerStatus } from './assumed-api.ts';
import type { HpMjfConnection } from './config.ts';
import { toSnapshot } from './map.ts';

/**
 * Polls an HP Multi Jet Fusion printer (assumed API, see README): its status each poll, one
 * `hp.modeler.status` capture per change of state, job, whole-percent progress or alerts.
 */
export class HpMjfCollector implements Collector {
  private readonly base: string;
  private readonly unknownLogged = new Set<string>();

  constructor(
    connection: HpMjfConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.base = `http://${connection.host}:${connection.port}${connection.base_path}`;
  }

  async connect(): Promise<void> {}

  async poll(signal: AbortSignal): Promise<PollResult> {
    const status = await this.status(signal);
    const { snapshot, unknownState } = toSnapshot(status);
    if (unknownState !== undefined && !this.unknownLogged.has(unknownState)) {
      this.unknownLogged.add(unknownState);
      this.ctx.logger.warn(
        { state: unknownState.slice(0, 100) },
        `the HP printer reports a state Echo does not know ("${unknownState.slice(0, 100)}"): shown as unknown`,
      );
    }
    return {
      snapshot,
      captures: [
        {
          captureTypeName: 'hp.modeler.status',
          content: JSON.stringify(status),
          contentType: 'application/json',
          meta: { serial: status.printer?.serial ?? null, source: 'hp-mjf-rest-assumed' },
          dedupeKey: 'status',
          significant: JSON.stringify([
            status.state ?? null,
            status.job?.id ?? null,
            status.job?.state ?? null,
            Math.floor(status.job?.progress ?? -1),
            (status.alerts ?? []).map((a) => [a.code ?? null, a.severity ?? null]),
          ]),
        },
      ],
    };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    const status = await this.status(signal);
    const printer = status.printer;
    return {
      ok: true,
      message: `HP ${printer?.model ?? 'Jet Fusion'} "${printer?.name ?? '?'}" answered (state ${status.state ?? '?'}, firmware ${printer?.firmware ?? '?'})`,
      details: {
        serial: printer?.serial ?? null,
        firmware: printer?.firmware ?? null,
        model: printer?.model ?? null,
      },
    };
  }

  private async status(signal: AbortSignal): Promise<PrinterStatus> {
    return (await getJson(`${this.base}${PATHS.status}`, printerStatus, {
      signal,
      pools: httpPools(this.ctx.shared),
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
      headers: basicAuth(this.ctx.credentials),
    }))!;
  }
}
