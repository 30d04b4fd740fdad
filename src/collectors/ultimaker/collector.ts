import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  HistoryPage,
  MachineCommand,
  MachineLogLine,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { getJson, type HttpJsonOptions, httpPools } from '../sdk/http-json.ts';
import type { UltimakerConnection } from './config.ts';
import { UltimakerControl } from './control.ts';
import { historyReference, REFERENCE, toPastJob, toSnapshot } from './map.ts';
import { readAfter } from './paging.ts';
import { printerIso } from './printer-time.ts';
import {
  type HistoricJobDoc,
  historicJobsDoc,
  historyEventsDoc,
  printerDoc,
  printJobDoc,
  type SystemDoc,
  systemDoc,
} from './protocol.ts';

const EVENTS_KEY = 'last_event_time';
/** Entries asked for per request of a history list. */
const PAGE = 50;
/** New events turned into log lines per poll at most (the rest come with the next polls). */
const MAX_EVENTS_PER_POLL = 500;
/** Past jobs read per history call at most (a printer keeps far fewer). */
const MAX_JOBS_READ = 5000;

/**
 * Polls an Ultimaker printer's local API: printer and print job each poll, the system document once
 * per connection, and new history events as machine log lines (the time of the last one is kept in
 * the store, so a restart neither repeats nor skips events). Finished jobs come from
 * `/history/print_jobs` through the core's history runner (`readHistory`), one capture per job,
 * so that a job that ran while Echo was not watching still reaches the cloud, once.
 */
export class UltimakerCollector implements Collector {
  private system: SystemDoc | undefined;
  private readonly base: string;
  private readonly commands: UltimakerControl;
  /** Statuses and job states already logged as unknown (each once per collector). */
  private readonly unknownLogged = new Set<string>();
  /** Where the newest events were last found, for an oldest-first list (see paging.ts). */
  private eventsHint = 0;

  constructor(
    private readonly connection: UltimakerConnection,
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
    const logs = await this.newEvents(signal);
    const document = { printer, print_job: job ?? null, system: this.system ?? null };
    return {
      snapshot: toSnapshot(printer, job, this.system, {
        ...(this.connection.serial_number ? { serialNumber: this.connection.serial_number } : {}),
        onUnknown: (field, value) => this.logUnknown(field, value),
      }),
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
      logs,
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
      details: {
        ...system,
        ...(this.connection.serial_number ? { serial: this.connection.serial_number } : {}),
      },
    };
  }

  /**
   * Finished jobs after the watermark (`<end, UTC>#<uuid>`), oldest first, from
   * `/history/print_jobs`: each one capture (`ultimaker.modeler.log`, the printer's record as
   * sent), so that the store and the cloud see a re-read job as the same capture.
   */
  async readHistory(after: string | undefined, limit: number, signal: AbortSignal): Promise<HistoryPage> {
    if (after !== undefined && !REFERENCE.test(after)) {
      throw new CollectorError('protocol', `the watermark "${after}" is not an Ultimaker job reference`);
    }
    const read = await readAfter<HistoricJobDoc>({
      read: async (offset, count) =>
        (await getJson(`${this.base}/history/print_jobs?offset=${offset}&count=${count}`, historicJobsDoc, {
          ...this.options(signal),
          // Firmware without a job history: nothing to collect.
          emptyOn: [404],
        })) ?? [],
      key: historyReference,
      after,
      pageSize: PAGE,
      maxEntries: MAX_JOBS_READ,
    });
    if (read.truncated) {
      this.ctx.logger.warn(
        { read: MAX_JOBS_READ },
        'the printer lists more past jobs than Echo reads at once; the oldest of them are collected first',
      );
    }
    const page = read.entries.slice(0, limit);
    return {
      jobs: page.map((job) => {
        const reference = historyReference(job)!;
        const past = toPastJob(job);
        return {
          reference,
          captureTypeName: 'ultimaker.modeler.log' as const,
          content: JSON.stringify(job),
          contentType: 'application/json',
          meta: { source: 'ultimaker-history-print-jobs', uuid: job.uuid, result: job.result ?? null },
          ...(past ? { pastJobs: [past] } : {}),
        };
      }),
      more: read.entries.length > limit,
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

  private logUnknown(field: 'status' | 'job_state', value: string): void {
    const key = `${field}:${value}`;
    if (this.unknownLogged.has(key)) return;
    this.unknownLogged.add(key);
    this.ctx.logger.warn(
      { [field]: value },
      field === 'status'
        ? `the printer reports status "${value}", which Echo does not know: shown as unknown`
        : `the print job is in state "${value}", which Echo does not know: the printer's status decides`,
    );
  }

  /**
   * Events newer than the last one seen, as log lines, oldest first. Their time is the printer's
   * local time (printer-time.ts); the watermark is kept as UTC.
   */
  private async newEvents(signal: AbortSignal): Promise<MachineLogLine[]> {
    const stored = this.ctx.state.get(EVENTS_KEY);
    // A watermark an earlier version kept as the printer wrote it.
    const last = stored ? (printerIso(stored) ?? stored) : undefined;
    const read = await readAfter({
      read: async (offset, count) =>
        (await getJson(
          `${this.base}/history/events?offset=${offset}&count=${count}`,
          historyEventsDoc,
          this.options(signal),
        )) ?? [],
      key: (e) => printerIso(e.time),
      after: last,
      pageSize: PAGE,
      maxEntries: MAX_EVENTS_PER_POLL,
      hint: this.eventsHint,
    });
    this.eventsHint = read.hint;
    // Truncated: the oldest new ones first; the rest at the next polls.
    const fresh = read.entries.slice(0, MAX_EVENTS_PER_POLL);
    if (fresh.length > 0) this.ctx.state.set(EVENTS_KEY, printerIso(fresh[fresh.length - 1]!.time)!);
    return fresh.map((e) => ({
      // Event ids are grouped by their high digit: 0x1xxxx are errors, 0x2xxxx print-job events.
      level: e.type_id >= 0x10000 && e.type_id < 0x20000 ? 'ERROR' : 'INFO',
      timestamp: printerIso(e.time)!,
      message: e.message,
      context: { type_id: e.type_id, machine_time: e.time },
    }));
  }
}
