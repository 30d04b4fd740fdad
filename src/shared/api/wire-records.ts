import { z } from 'zod';
import { CLOUD_LOG_LEVELS } from '../model/capture-types.ts';
import { COMMAND_STATES } from '../model/commands.ts';

/** The store's records as the local API shows them: log entries, captures, jobs. */

/** A log entry of the agent or of a machine (`GET /api/v1/logs`). */
export const logEntrySchema = z.object({
  id: z.number(),
  source: z.enum(['agent', 'machine']),
  machine: z.string().optional(),
  level: z.enum(CLOUD_LOG_LEVELS),
  timestamp: z.string(),
  message: z.string(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const captureStateSchema = z.enum(['pending', 'created', 'uploaded', 'acknowledged', 'dead']);

/**
 * A capture without its content: a dead letter (`GET /api/v1/dead-letters`) or a machine's recent
 * capture (`GET /api/v1/machines/<name>/captures`).
 */
export const deadLetterSchema = z.object({
  id: z.number(),
  echoCaptureId: z.string(),
  machine: z.string(),
  captureTypeName: z.string(),
  contentType: z.string(),
  contentSize: z.number(),
  contentPath: z.string().optional(),
  meta: z.record(z.string(), z.unknown()),
  printerNames: z.array(z.string()),
  state: captureStateSchema,
  captureUri: z.string().optional(),
  uploadUrl: z.string().optional(),
  attempts: z.number(),
  lastError: z.string().optional(),
  nextAttemptAt: z.number(),
  capturedAt: z.number(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** How a job ended: the machine's own word, or what Echo inferred (docs/local-api.md). */
export const jobOutcomeSchema = z.enum(['finished', 'failed', 'cancelled', 'stopped', 'replaced']);
export type JobOutcome = z.infer<typeof jobOutcomeSchema>;

/** A job Echo saw on a machine or read from its history (`GET /api/v1/machines/<name>/jobs`). */
export const jobRecordSchema = z.object({
  id: z.number(),
  machine: z.string(),
  name: z.string(),
  source: z.enum(['seen', 'machine']),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  outcome: jobOutcomeSchema.optional(),
  progress: z.number().optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** A remote command and what became of it: the audit (`GET /api/v1/commands`, docs/commands.md). */
export const commandRecordSchema = z.object({
  id: z.number(),
  uri: z.string(),
  type: z.string(),
  machine: z.string(),
  via: z.enum(['stream', 'poll']),
  state: z.enum(COMMAND_STATES),
  /** Why it ended as it did, in words. */
  reason: z.string().optional(),
  /** The machine's reply as sent to the cloud (JSON text). */
  response: z.string().optional(),
  /** The last status the cloud acknowledged. */
  reported: z.enum(['processing', 'complete', 'error']).optional(),
  /** While it awaits confirmation at the workstation: when it times out. */
  confirmBy: z.string().optional(),
  receivedAt: z.string(),
  updatedAt: z.string(),
});
export type CommandRecord = z.infer<typeof commandRecordSchema>;
