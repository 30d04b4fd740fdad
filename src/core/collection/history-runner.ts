import type { Logger } from 'pino';
import type { Collector, HistoricJob } from '../../collectors/sdk/collector.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { describeError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import { historyKeys } from '../store/history-keys.ts';
import type { StoreStats } from '../store/store-stats.ts';
import { backoffDelay } from '../sync/backoff.ts';
import type { CollectionSink } from './collection-sink.ts';
import { withTimeout } from './with-timeout.ts';

const FREQUENCY_SECONDS = { hourly: 3600, daily: 86_400, monthly: 30 * 86_400 } as const;

/** What the local API shows of a machine's historic-job collection. */
export interface HistoryProgress {
  running: boolean;
  /** The newest job collected and stored (the local watermark). */
  watermark: string | undefined;
  /** The watermark the cloud was told (after every job up to it was acknowledged). */
  cloudWatermark: string | undefined;
  collectedThisRun: number;
  lastRunAt: string | undefined;
  lastError: string | undefined;
}

/**
 * Collects a machine's past jobs newer than its watermark, at the machine's history frequency:
 * page by page, each job stored as a capture with an idempotency key from its reference, the
 * watermark advanced only once a page is durable. Interrupted (stop, crash, machine offline), the
 * next run resumes from the last durable page and a re-read job is not stored twice. The cloud's
 * `watermark` is written by the sync engine once every collected job reached the cloud.
 */
export class HistoryRunner {
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  private progressState: Omit<HistoryProgress, 'watermark' | 'cloudWatermark'> = {
    running: false,
    collectedThisRun: 0,
    lastRunAt: undefined,
    lastError: undefined,
  };

  constructor(
    private readonly machine: MachineConfig,
    private readonly collector: Collector & Required<Pick<Collector, 'readHistory'>>,
    private readonly sink: CollectionSink,
    private readonly stats: StoreStats,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Seconds between runs, or undefined when history collection is off for this machine. */
  static intervalOf(machine: MachineConfig): number | undefined {
    const { history } = machine;
    if (history.interval !== undefined) return history.interval;
    return history.frequency === 'never' ? undefined : FREQUENCY_SECONDS[history.frequency];
  }

  start(): void {
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  progress(): HistoryProgress {
    const keys = historyKeys(this.machine.name);
    return {
      ...this.progressState,
      watermark: this.stats.getValue(keys.watermark),
      cloudWatermark: this.stats.getValue(keys.sent),
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    const intervalMs = (HistoryRunner.intervalOf(this.machine) ?? 0) * 1000;
    let failures = 0;
    while (!signal.aborted) {
      let wait = intervalMs;
      if (this.sink.collecting()) {
        try {
          await this.backfill(signal);
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          this.progressState = { ...this.progressState, running: false, lastError: describeError(error) };
          this.logger.warn({ err: error }, 'historic job collection failed; it resumes from the watermark');
          wait = Math.min(intervalMs, backoffDelay(failures++, 5000, 300_000));
        }
      }
      await this.clock.sleep(wait, signal);
    }
  }

  private async backfill(signal: AbortSignal): Promise<void> {
    const keys = historyKeys(this.machine.name);
    let after = this.stats.getValue(keys.watermark) ?? (await this.sink.cloudWatermark?.(this.machine.name));
    this.progressState = { running: true, collectedThisRun: 0, lastRunAt: undefined, lastError: undefined };
    for (;;) {
      const page = await withTimeout(
        (s) => this.collector.readHistory(after, this.machine.history.page_size, s),
        this.machine.timeout * 1000,
        `${this.machine.name} (history)`,
        this.clock,
        signal,
      );
      const jobs = page.jobs.filter((job) => after === undefined || job.reference > after);
      if (jobs.length > 0) {
        // One page goes through the group commit together: durable in a few transactions.
        await Promise.all(jobs.map((job) => this.store(job)));
        after = jobs[jobs.length - 1]!.reference;
        this.stats.setValue(keys.watermark, after);
        this.stats.setValue(keys.pending, after);
        this.sink.historyAdvanced?.();
        this.progressState = {
          ...this.progressState,
          collectedThisRun:
            this.progressState.collectedThisRun + jobs.reduce((n, job) => n + (job.jobCount ?? 1), 0),
        };
        this.logger.debug({ jobs: jobs.length, watermark: after }, 'historic jobs stored');
      }
      if (!page.more || jobs.length === 0 || signal.aborted) break;
    }
    this.progressState = {
      ...this.progressState,
      running: false,
      lastRunAt: new Date(this.clock.now()).toISOString(),
    };
    if (this.progressState.collectedThisRun > 0) {
      this.logger.info(
        { jobs: this.progressState.collectedThisRun, watermark: after },
        'historic jobs collected',
      );
    }
  }

  private async store(job: HistoricJob): Promise<void> {
    await this.sink.ingestCapture({
      machine: this.machine.name,
      captureTypeName: job.captureTypeName,
      content: job.content,
      contentType: job.contentType,
      meta: { ...job.meta, historic_reference: job.reference },
      idempotencyKey: `history:${job.reference}`,
    });
    if (job.pastJobs) this.sink.recordPastJobs?.(this.machine.name, job.pastJobs);
  }
}
