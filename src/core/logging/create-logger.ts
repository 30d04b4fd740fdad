import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { RotatingFile } from './rotating-file.ts';
import { SentrySink } from './sentry-sink.ts';
import { StoreLogSink } from './store-sink.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  cloudLevel: string;
  /** Folder of the rotating file; undefined: no file (tests). */
  logDir?: string;
  fileMaxBytes: number;
  fileCount: number;
  /** Also write JSON lines to stdout (the CLI does). */
  stdout: boolean;
  sentryDsn?: string;
  release: string;
  serverName: string;
}

export interface AgentLogging {
  logger: Logger;
  storeSink: StoreLogSink;
  close(): void;
}

/**
 * Paths whose values never reach a log line. Secrets are kept out of log calls in the first place;
 * this is the net under that rule.
 */
export const REDACT_PATHS = [
  'secret',
  'password',
  'authorization',
  'cookie',
  'api_token.secret',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
];

/** The agent's one pino root: rotating file, optional stdout, the store (for /logs/), Sentry. */
export function createLogging(options: LoggerOptions): AgentLogging {
  const storeSink = new StoreLogSink();
  const file = options.logDir
    ? new RotatingFile(join(options.logDir, 'echo.log'), options.fileMaxBytes, options.fileCount)
    : undefined;
  const streams: pino.StreamEntry[] = [{ level: options.cloudLevel as pino.Level, stream: storeSink }];
  if (file) streams.push({ level: options.level as pino.Level, stream: file });
  if (options.stdout) streams.push({ level: options.level as pino.Level, stream: process.stdout });
  if (options.sentryDsn) {
    streams.push({
      level: 'fatal',
      stream: new SentrySink(options.sentryDsn, options.release, options.serverName),
    });
  }
  const lowest = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].find(
    (l) => l === options.level || l === options.cloudLevel,
  );
  const logger = pino(
    {
      level: lowest ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.epochTime,
    },
    pino.multistream(streams),
  );
  return {
    logger,
    storeSink,
    close() {
      storeSink.detach();
      file?.close();
    },
  };
}
