import { createHash } from 'node:crypto';
import { CLOUD_LOG_LEVELS } from '../../shared/model/capture-types.ts';
import type {
  Collector,
  CollectorCapture,
  CollectorContext,
  ConnectionTest,
  MachineLogLine,
  PollResult,
} from '../sdk/collector.ts';
import { LogTail, readFolder, type TailChunk, type TailNotice, wildcard } from '../sdk/log-tail.ts';
import { type PastJob, resultFromWord } from '../sdk/past-job.ts';
import type { LogFilesConnection } from './config.ts';
import { buildId, type FinishedBuild, LogBuildTracker } from './log-build-tracker.ts';
import { findEvent, levelOf } from './parsers/events.ts';
import type { LogFormat } from './parsers/format.ts';
import { logFormat } from './parsers/formats.ts';

const FILES_KEY = 'files';
const YIELD_EVERY_LINES = 200;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const JOB_KEY = 'job';

/**
 * A machine without an API, read through the log files its PC writes to a folder or share. Each
 * poll sends the new complete lines of each file as one capture (raw text, with the file and byte
 * range in `meta`, and an idempotency key from that range), forwards lines at `forward_level` and
 * above to `/logs/`, and follows the job markers to the machine's state. File positions and the
 * job in progress are saved once the poll's records are stored.
 */
export class LogFilesCollector implements Collector {
  private readonly format: LogFormat;
  private readonly tail: LogTail;

  constructor(
    private readonly connection: LogFilesConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.format = logFormat(connection.format)!;
    this.tail = new LogTail({
      folder: connection.folder,
      pattern: connection.pattern ?? this.format.defaultPattern,
      startAt: connection.start_at,
      maxChunkBytes: connection.max_read_bytes,
      maxLineBytes: connection.max_line_bytes,
      encoding: connection.encoding ?? this.format.defaultEncoding,
      identifyBy: connection.identify_files,
    });
  }

  async connect(): Promise<void> {
    await this.checkFolder();
  }

  async poll(): Promise<PollResult> {
    const { chunks, marks, notices } = await this.tail.read(this.ctx.state.get(FILES_KEY));
    for (const notice of notices) this.report(notice);
    const tracker = new LogBuildTracker(this.ctx.state.get(JOB_KEY));
    const captures: CollectorCapture[] = [];
    const logs: MachineLogLine[] = [];
    for (const chunk of chunks) {
      if (chunk.cutLines > 0) {
        this.ctx.logger.warn(
          { file: chunk.file, lines: chunk.cutLines, max_line_bytes: this.connection.max_line_bytes },
          'cut log lines longer than connection.max_line_bytes (the rest of each was skipped)',
        );
      }
      captures.push(this.capture(chunk));
      await this.parse(chunk, tracker, captures, logs);
    }
    this.ctx.state.set(FILES_KEY, marks);
    this.ctx.state.set(JOB_KEY, tracker.save());
    return { snapshot: tracker.snapshot(), captures, logs };
  }

  async close(): Promise<void> {}

  async testConnection(): Promise<ConnectionTest> {
    const names = await this.checkFolder();
    const pattern = this.connection.pattern ?? this.format.defaultPattern;
    const matcher = wildcard(pattern);
    const matching = names.filter((n) => matcher.test(n));
    return {
      ok: matching.length > 0,
      message:
        matching.length > 0
          ? `${this.format.vendor} log folder readable: ${matching.length} file(s) matching "${pattern}"`
          : `the folder is readable but holds no file matching "${pattern}": check the folder and the pattern`,
      details: { files: matching.slice(0, 20) },
    };
  }

  private checkFolder(): Promise<string[]> {
    return readFolder(this.connection.folder);
  }

  /** A followed file that cannot be finished: what may be missing, and what would prevent it. */
  private report(notice: TailNotice): void {
    const fields = { file: notice.file, offset: notice.offset, unread_bytes: notice.unreadBytes };
    const what =
      notice.kind === 'gone'
        ? 'a log file Echo follows was deleted'
        : 'a log file Echo follows was truncated, and no copy of it is in the folder';
    const fix =
      'lines written to it after the offset, if any, were not read (rotate by renaming, or with copytruncate and delaycompress)';
    if (notice.unreadBytes > 0) {
      this.ctx.logger.warn(fields, `${what}: ${notice.unreadBytes} bytes it had were not read; ${fix}`);
    } else if (notice.kind === 'truncated') this.ctx.logger.info(fields, `${what}; ${fix}`);
    // A rotated file deleted once read to its end is the rotation's last step: nothing to say.
    else this.ctx.logger.debug(fields, 'a log file Echo had read to its end was deleted');
  }

  private capture(chunk: TailChunk): CollectorCapture {
    return {
      captureTypeName: this.format.captureType,
      content: chunk.text,
      contentType: 'text/plain; charset=utf-8',
      meta: {
        source: 'log-files',
        format: this.format.id,
        file: chunk.file,
        offset_start: chunk.start,
        offset_end: chunk.end,
      },
      // Range and content: a re-read after a crash is the same capture; a truncated file's new
      // lines at the same offsets are not.
      idempotencyKey: `log:${chunk.identity}:${chunk.start}:${createHash('sha1').update(chunk.text).digest('hex')}`,
    };
  }

  private async parse(
    chunk: TailChunk,
    tracker: LogBuildTracker,
    captures: CollectorCapture[],
    logs: MachineLogLine[],
  ): Promise<void> {
    const forwardFrom = CLOUD_LOG_LEVELS.indexOf(this.connection.forward_level);
    // The position of a line in the decoded chunk: deterministic, so a re-read gives the same key.
    let position = chunk.start;
    let count = 0;
    for (const raw of chunk.text.split('\n')) {
      // A megabyte of lines is tens of milliseconds of parsing: let the other machines, the sync
      // and the local API run in between, so a log that floods delays nobody else's poll.
      if (++count % YIELD_EVERY_LINES === 0) await yieldToEventLoop();
      const linePosition = position;
      position += raw.length + 1;
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') continue;
      const parts = this.format.split(line);
      const message = parts?.message ?? line;
      const level = parts ? levelOf(parts.severity) : 'INFO';
      const timestamp = parts?.timestamp;
      if (CLOUD_LOG_LEVELS.indexOf(level) >= forwardFrom) {
        logs.push({
          level,
          timestamp: timestamp ?? new Date().toISOString(),
          message,
          context: { file: chunk.file, format: this.format.id },
        });
      }
      const event = findEvent(message);
      if (!event) continue;
      const finished = tracker.apply(event, timestamp, message);
      if (finished && this.format.historicCaptureType) {
        captures.push({
          captureTypeName: this.format.historicCaptureType,
          content: JSON.stringify(finished),
          contentType: 'application/json',
          meta: { source: 'log-files', format: this.format.id, file: chunk.file, build: finished.build },
          idempotencyKey: `build:${chunk.identity}:${linePosition}:${finished.build}:${finished.finished_at}`,
          ...(finished.finished_at ? { pastJobs: [toPastJob(finished, finished.finished_at)] } : {}),
        });
      }
    }
  }
}

/** A build the log says is over, for the machine screen's job history. */
function toPastJob(build: FinishedBuild, endedAt: string): PastJob {
  const result = resultFromWord(build.result);
  return {
    name: build.build,
    endedAt,
    ...(build.started_at ? { id: buildId(build.build, build.started_at), startedAt: build.started_at } : {}),
    ...(result ? { result } : {}),
  };
}
