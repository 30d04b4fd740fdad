import { z } from 'zod';
import { CLOUD_LOG_LEVELS } from '../../shared/model/capture-types.ts';
import { LOG_FORMATS } from './parsers/formats.ts';

const FORMAT_IDS = LOG_FORMATS.map((f) => f.id) as [string, ...string[]];

/** `machines[].connection` of a machine Echo reads through its log files. */
export const logFilesConnection = z.strictObject({
  format: z
    .enum(FORMAT_IDS)
    .describe('Which vendor wrote the logs: arcam, eos, connex, projet660, renishaw.'),
  folder: z
    .string()
    .min(1)
    .describe(
      'Folder or mounted share holding the logs, e.g. "\\\\\\\\eos-m290\\\\logs" or "/mnt/arcam/logs".',
    ),
  pattern: z
    .string()
    .min(1)
    .optional()
    .describe('File-name wildcard; the format has a default (e.g. "*.log").'),
  encoding: z
    .enum(['utf8', 'latin1', 'utf16le'])
    .optional()
    .describe("The files' text encoding; the format has a default."),
  start_at: z
    .enum(['beginning', 'end'])
    .default('end')
    .describe(
      'For files already there the first time: send them whole, or only what is written from now on.',
    ),
  max_read_bytes: z
    .number()
    .int()
    .min(4096)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Bytes read per poll at most (a backlog is caught up over several polls).'),
  max_line_bytes: z
    .number()
    .int()
    .min(256)
    .max(16 * 1024 * 1024)
    .default(64 * 1024)
    .describe(
      'A longer line is cut there, marked and passed on (the rest skipped up to its newline); it never blocks its file.',
    ),
  identify_files: z
    .enum(['inode', 'content'])
    .default('inode')
    .describe(
      'How a file is recognised after a rotation renamed it: "inode" (checked against its content), or "content" on shares whose inode numbers are missing or change across remounts (SMB with noserverino).',
    ),
  forward_level: z
    .enum(CLOUD_LOG_LEVELS)
    .default('WARN')
    .describe('Lines at this level and above are also sent to /logs/ as machine log entries.'),
});

export type LogFilesConnection = z.output<typeof logFilesConnection>;
