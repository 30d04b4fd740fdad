/**
 * A job a machine reports as done (from its job history or its log), normalized for Echo's local
 * job history. The raw record still goes to the cloud in the capture.
 */
export interface PastJob {
  /** The machine's own id for the job, where it has one. */
  id?: string;
  name: string;
  /** ISO 8601. */
  startedAt?: string;
  endedAt: string;
  result?: 'finished' | 'failed' | 'cancelled';
}

/** A vendor's word for how a job ended (`completed`, `Aborted`, `FAILED`…), or undefined. */
export function resultFromWord(word: string | undefined): PastJob['result'] {
  const w = (word ?? '').toLowerCase();
  if (/complet|finish|success|done/.test(w)) return 'finished';
  if (/abort|cancel|stop/.test(w)) return 'cancelled';
  if (/fail|error/.test(w)) return 'failed';
  return undefined;
}
