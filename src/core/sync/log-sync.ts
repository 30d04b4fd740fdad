import { CloudHttpError } from '../../shared/errors.ts';
import { Wakeup } from '../clock.ts';
import type { WireLog } from '../store/types.ts';
import { ECHO_VERSION } from '../version.ts';
import { classifyError } from './classify-error.ts';
import type { SyncContext } from './sync-context.ts';

/**
 * Sends log entries to `/logs/` in batches bounded by count and bytes, at the flush interval, or
 * back to back while a backlog drains. A 400 means one entry in the batch is bad: the batch is
 * halved until the bad entry is alone, and only that entry is dead-lettered, so one bad line never
 * costs a thousand good ones.
 */
export class LogSync {
  readonly wakeup = new Wakeup();
  sent = 0;

  constructor(private readonly ctx: SyncContext) {}

  async run(signal: AbortSignal, active: () => boolean): Promise<void> {
    const { clock, config, store, gate } = this.ctx;
    const { log_batch_max_entries: maxEntries, log_batch_max_kb: maxKb } = config.sync;
    while (!signal.aborted) {
      if (active()) {
        for (;;) {
          const batch = store.logs.nextBatch(maxEntries, maxKb * 1024, this.ctx.userUuid());
          if (batch.length === 0) break;
          await gate.pass(signal);
          if (signal.aborted || !active()) break;
          try {
            await this.send(batch);
            gate.succeeded();
          } catch (error) {
            classifyError(error, this.ctx);
            break;
          }
          // A full batch means a backlog: keep draining; a partial one waits for the interval.
          if (batch.length < maxEntries) break;
        }
      }
      await this.wakeup.wait(clock, config.intervals.logs_flush * 1000, signal);
    }
  }

  private async send(batch: WireLog[]): Promise<void> {
    try {
      // The entries are already JSON (serialized by the store); only the envelope is built here.
      const body = `{"echo_version":${JSON.stringify(ECHO_VERSION)},"workstation_name":${JSON.stringify(
        this.ctx.config.workstation_name,
      )},"logs":[${batch.map((entry) => entry.wire).join(',')}]}`;
      await this.ctx.client.send({ method: 'POST', url: 'logs/', body, contentType: 'application/json' });
      this.ctx.store.logs.markSent(batch.map((e) => e.id));
      this.sent += batch.length;
    } catch (error) {
      if (!(error instanceof CloudHttpError && error.status === 400)) throw error;
      if (batch.length === 1) {
        this.ctx.store.logs.markDead([batch[0]!.id], error.message);
        this.ctx.logger.warn(
          { log_id: batch[0]!.id, reason: error.message },
          'the cloud refused a log entry; it is dead-lettered',
        );
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.send(batch.slice(0, half));
      await this.send(batch.slice(half));
    }
  }
}
