import { join } from 'node:path';
import type { ResolvedConfig } from '../config/load.ts';
import { ECHO_VERSION } from '../version.ts';
import type { LoggerOptions } from './create-logger.ts';

/** The agent's logging from the `log` section of the config: `<data_dir>/logs/echo.log` and more. */
export function loggingOptionsFor(
  config: ResolvedConfig,
  options: { stdout: boolean; sentryDsn?: string; cloudLevel?: string },
): LoggerOptions {
  return {
    level: config.log.level,
    cloudLevel: options.cloudLevel ?? config.log.cloud_level,
    logDir: join(config.data_dir, 'logs'),
    fileMaxBytes: config.log.file_max_mb * 1024 * 1024,
    fileCount: config.log.file_count,
    stdout: options.stdout,
    ...(options.sentryDsn ? { sentryDsn: options.sentryDsn } : {}),
    release: ECHO_VERSION,
    serverName: config.workstation_name,
  };
}
