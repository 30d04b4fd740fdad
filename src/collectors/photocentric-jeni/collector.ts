import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  PollResult,
  PrintingPreset,
} from '../sdk/collector.ts';
import { JeniApi } from './api.ts';
import type { PhotocentricJeniConnection } from './config.ts';
import { JeniControl } from './control.ts';
import { jobsOf, toPreset, toSnapshot } from './map.ts';
import { clusterStatus, PATHS, presetDetails, presetList } from './protocol.ts';

/**
 * Polls a JENI cell (assumed API, see README): the cluster status each poll, one
 * `photocentric_jeni.modeler.status` capture per change; presets from the list and each preset's
 * details.
 */
export class PhotocentricJeniCollector implements Collector {
  private readonly api: JeniApi;
  private readonly commands: JeniControl;
  private readonly unknownLogged = new Set<string>();

  constructor(
    connection: PhotocentricJeniConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.api = new JeniApi(connection, ctx);
    this.commands = new JeniControl(this.api, ctx);
  }

  async connect(): Promise<void> {}

  async poll(signal: AbortSignal): Promise<PollResult> {
    const status = (await this.api.get(PATHS.status, clusterStatus, signal))!;
    const { snapshot, unknownStates } = toSnapshot(status);
    for (const word of unknownStates) {
      if (this.unknownLogged.has(word)) continue;
      this.unknownLogged.add(word);
      this.ctx.logger.warn(
        { state: word.slice(0, 100) },
        `the JENI cell reports a bay state Echo does not know ("${word.slice(0, 100)}")`,
      );
    }
    return {
      snapshot,
      captures: [
        {
          captureTypeName: 'photocentric_jeni.modeler.status',
          content: JSON.stringify(status),
          contentType: 'application/json',
          meta: { serial: status.cluster?.serial ?? null, source: 'jeni-rest-assumed' },
          dedupeKey: 'status',
          significant: JSON.stringify([
            status.bays.map((b) => [b.id, b.state, b.job?.id ?? null]),
            jobsOf(status).map((j) => [j.id, j.state, j.step, Math.floor(j.progress ?? -1)]),
          ]),
        },
      ],
    };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    const status = (await this.api.get(PATHS.status, clusterStatus, signal))!;
    return {
      ok: true,
      message: `JENI cell "${status.cluster?.name ?? '?'}" answered (${status.bays.length} bays, firmware ${status.cluster?.firmware ?? '?'})`,
      details: {
        serial: status.cluster?.serial ?? null,
        firmware: status.cluster?.firmware ?? null,
        bays: status.bays.map((b) => ({ id: b.id, kind: b.kind ?? null, state: b.state ?? null })),
      },
    };
  }

  /** Each preset of the list, with its details (one GET per preset). */
  async readPresets(signal: AbortSignal): Promise<PrintingPreset[]> {
    const list = (await this.api.get(PATHS.presets, presetList, signal)) ?? [];
    const presets: PrintingPreset[] = [];
    const seen = new Set<string>();
    for (const entry of list) {
      if (seen.has(entry.name)) continue;
      seen.add(entry.name);
      // A preset removed between the list and its details is left out, not a failure.
      const details = await this.api.get(PATHS.preset(entry.id), presetDetails, signal, [404]);
      if (details) presets.push(toPreset(details));
    }
    return presets;
  }

  control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    return this.commands.control(command, signal);
  }

  verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    return this.commands.verify(command, signal);
  }
}
