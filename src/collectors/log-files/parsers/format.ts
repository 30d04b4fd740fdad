import type { CaptureTypeName, CloudLogLevel } from '../../../shared/model/capture-types.ts';

/** A job marker found in a log line. */
export interface JobEvent {
  kind: 'job_started' | 'layer' | 'job_finished' | 'job_aborted' | 'job_failed';
  job?: string;
  layer?: number;
  layers?: number;
}

export interface ParsedLine {
  /** ISO 8601, when the line carries a time Echo understood. */
  timestamp: string | undefined;
  level: CloudLogLevel;
  message: string;
  event: JobEvent | undefined;
}

/**
 * One vendor's log format: how a line is laid out (time, severity, text) and where its log files
 * live. Job markers are found by the shared rules in `events.ts`; a format may add its own.
 */
export interface LogFormat {
  id: string;
  vendor: string;
  machines: string;
  captureType: CaptureTypeName;
  /** A capture type for finished builds, sent one per build (Renishaw). */
  historicCaptureType?: CaptureTypeName;
  defaultPattern: string;
  defaultEncoding: BufferEncoding;
  /** Splits a line into time, severity and text; `undefined` for a continuation line. */
  split(line: string): { timestamp: string | undefined; severity: string; message: string } | undefined;
}
