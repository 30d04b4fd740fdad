import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  MachineLogLine,
  PollResult,
} from '../sdk/collector.ts';
import { getJson, type HttpJsonOptions, httpPools } from '../sdk/http-json.ts';
import type { UltimakerConnection } from './config.ts';
import { UltimakerControl } from './control.ts';
import { toSnapshot } from './map.ts';
import { historyEventsDoc, printerDoc, printJobDoc, type SystemDoc, systemDoc } from './protocol.ts';

const EVENTS_KEY = 'last_event_time';

/**
 * Polls an Ultimaker printer's local API: printer and print job each poll, the system document once
 * per connection, and new history events as machine log lines (the time of the last one is kept in
 * the store, so a restart neither repeats nor skips events).
 */
export class UltimakerCollector implements Collector {
  private system: SystemDoc | undefined;
  private readonly base: string;
  private readonly commands: UltimakerControl;

  constructor(
    connection: UltimakerConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.base = `${connection.scheme}://${connection.host}:${connection.port}/api/v1`;
    this.commands = new UltimakerControl(this.base, ctx);
  }

  async connect(signal: AbortSignal): Promise<void> {
    this.system = await getJson(`${this.base}/system`, systemDoc, this.options(signal));
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const printer = (await getJson(`${this.base}/printer`, printerDoc, this.options(signal)))!;
    const job = await getJson(`${this.base}/print_job`, printJobDoc, {
      ...this.options(signal),
      emptyOn: [404],
    });
    const events =
      (await getJson(`${this.base}/history/events?count=50`, historyEventsDoc, this.options(signal))) ?? [];
    const document = { printer, print_job: job ?? null, system: this.system ?? null };
    return {
      snapshot: toSnapshot(printer, job, this.system),
      captures: [
        {
          captureTypeName: 'ultimaker.modeler.log',
          content: JSON.stringify(document),
          contentType: 'application/json',
          meta: {
            firmware: this.system?.firmware,
            guid: this.system?.guid,
            source: 'ultimaker-local-api-v1',
          },
          dedupeKey: 'status',
          // Temperatures and seconds move every poll: a new capture when the state, the job or
          // its whole-percent progress changes, else after `unchanged_capture_interval`.
          significant: JSON.stringify([
            printer.status,
            job?.uuid,
            job?.state,
            job ? Math.floor(job.progress * 100) : null,
          ]),
        },
      ],
      logs: this.newEvents(events),
    };
  }

  async close(): Promise<void> {
    this.system = undefined;
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    const system = await getJson(`${this.base}/system`, systemDoc, this.options(signal));
    return {
      ok: true,
      message: `${system?.variant ?? 'Ultimaker'} "${system?.name ?? '?'}" answered (firmware ${system?.firmware ?? '?'})`,
      details: { ...system },
    };
  }

  /**
   * pause / resume / cancel (`PUT /print_job/state`) and start_job (`POST /print_job`), signed
   * with the application key the operator approved on the printer's screen: see control.ts.
   */
  control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    return this.commands.control(command, signal);
  }

  verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    return this.commands.verify(command, signal);
  }

  /** Every GET to the printer: aborted with the poll, its body bounded by the machine's limit. */
  private options(signal: AbortSignal): HttpJsonOptions {
    return { signal, pools: httpPools(this.ctx.shared), maxBodyBytes: this.ctx.limits.maxMessageBytes };
  }

  private newEvents(
    events: ReadonlyArray<{ time: string; type_id: number; message: string }>,
  ): MachineLogLine[] {
    const last = this.ctx.state.get(EVENTS_KEY) ?? '';
    const fresh = events.filter((e) => e.time > last).sort((a, b) => a.time.localeCompare(b.time));
    if (fresh.length > 0) this.ctx.state.set(EVENTS_KEY, fresh[fresh.length - 1]!.time);
    return fresh.map((e) => {
      // An event whose time the printer wrote in a way Echo cannot read keeps its text: it is
      // timed when Echo saw it, rather than failing the printer until it leaves the last 50.
      const at = new Date(e.time);
      const readable = !Number.isNaN(at.getTime());
      return {
        // Event ids are grouped by their high digit: 0x1xxxx are errors, 0x2xxxx print-job events.
        level: e.type_id >= 0x10000 && e.type_id < 0x20000 ? 'ERROR' : 'INFO',
        timestamp: (readable ? at : new Date()).toISOString(),
        message: e.message,
        context: readable ? { type_id: e.type_id } : { type_id: e.type_id, machine_time: e.time },
      };
    });
  }
}
