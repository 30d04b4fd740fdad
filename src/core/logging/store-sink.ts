import type { CloudLogLevel } from '../../shared/model/capture-types.ts';
import type { LogInput } from '../store/types.ts';

/** pino's numeric levels mapped onto the cloud's names. */
export function cloudLevel(pinoLevel: number): CloudLogLevel {
  if (pinoLevel >= 60) return 'CRITICAL';
  if (pinoLevel >= 50) return 'ERROR';
  if (pinoLevel >= 40) return 'WARN';
  if (pinoLevel >= 30) return 'INFO';
  return 'DEBUG';
}

const BUFFER_LIMIT = 1000;
const DROPPED_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/**
 * Queues the agent's own log lines (at or above the configured level) into the store, whence the
 * sync engine sends them to `/logs/`. Lines logged before the store is open wait in a bounded
 * buffer. A line that cannot be stored is counted (it is still in the local file), never logged,
 * which would loop.
 */
export class StoreLogSink {
  private ingest: ((entry: LogInput) => Promise<void>) | undefined;
  private buffer: LogInput[] = [];
  lost = 0;

  write(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.lost++;
      return;
    }
    const context: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!DROPPED_KEYS.has(key)) context[key] = value;
    const entry: LogInput = {
      source: 'agent',
      level: cloudLevel(Number(record.level)),
      timestamp: new Date(Number(record.time ?? Date.now())).toISOString(),
      message: String(record.msg ?? ''),
      ...(Object.keys(context).length > 0 ? { context } : {}),
    };
    if (!this.ingest) {
      if (this.buffer.length < BUFFER_LIMIT) this.buffer.push(entry);
      else this.lost++;
      return;
    }
    this.ingest(entry).catch(() => {
      this.lost++;
    });
  }

  attach(ingest: (entry: LogInput) => Promise<void>): void {
    this.ingest = ingest;
    const buffered = this.buffer;
    this.buffer = [];
    for (const entry of buffered) this.ingest(entry).catch(() => this.lost++);
  }

  detach(): void {
    this.ingest = undefined;
  }
}
