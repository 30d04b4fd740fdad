import type { CloudLogLevel } from '../../../shared/model/capture-types.ts';
import type { JobEvent } from './format.ts';

const STARTED =
  /\b(?:build|job|print)\b\s*[:=]?\s*["'“]?([^"'”]+?)["'”]?\s+(?:started|begins|start)\b(?:.*?\b(\d+)\s+layers\b)?/i;
const LAYER = /\blayer\s+(\d+)\s*(?:of|\/)\s*(\d+)/i;
const FINISHED = /\b(?:build|job|print)\b.*\b(?:finished|completed|done)\b/i;
const ABORTED = /\b(?:build|job|print)\b.*\b(?:aborted|cancelled|canceled|stopped by (?:the )?operator)\b/i;
const FAILED = /\b(?:build|job|print)\b.*\bfailed\b/i;

/** The job markers shared by the log formats Echo reads (a build or job that starts, layers, ends). */
export function findEvent(message: string): JobEvent | undefined {
  const started = STARTED.exec(message);
  if (started) {
    return {
      kind: 'job_started',
      job: started[1]!.trim(),
      ...(started[2] ? { layers: Number(started[2]) } : {}),
    };
  }
  if (ABORTED.test(message)) return { kind: 'job_aborted' };
  if (FAILED.test(message)) return { kind: 'job_failed' };
  if (FINISHED.test(message)) return { kind: 'job_finished' };
  const layer = LAYER.exec(message);
  if (layer) return { kind: 'layer', layer: Number(layer[1]), layers: Number(layer[2]) };
  return undefined;
}

/** Vendor severity words → the cloud's log levels (unknown words are INFO). */
export function levelOf(severity: string): CloudLogLevel {
  const word = severity.toLowerCase();
  if (/^(crit|critical|fatal|emergency|alarm)/.test(word)) return 'CRITICAL';
  if (/^(err|error|fail|failure)/.test(word)) return 'ERROR';
  if (/^(warn|warning|caution)/.test(word)) return 'WARN';
  if (/^(debug|trace|verbose)/.test(word)) return 'DEBUG';
  return 'INFO';
}
