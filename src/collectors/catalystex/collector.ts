import type {
  Collector,
  CollectorContext,
  ConnectionTest,
  HistoryPage,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import type { CatalystexConnection } from './config.ts';
import { historicJobOf, jobsAfter, noteJob } from './jobs.ts';
import { jobOf, stateOf, statusWord, toSnapshot } from './map.ts';
import { getFile } from './protocol.ts';
import { parseStatusFile, type StatusFile } from './status-file.ts';

const STATUS_FILE = 'status.sts';

/**
 * A Stratasys printer of the CatalystEX era through its status port: each poll reads
 * `status.sts` with one `GetFile` exchange on a fresh TCP connection (as CatalystEX and the
 * reverse-engineered clients do). The file gives the state, the current job, the queue and the
 * previous job; the untouched file is the `catex.modeler.status` capture, and each previous job
 * seen becomes one `catex.modeler.jobs` capture through the history runner (see `jobs.ts`).
 */
export class CatalystexCollector implements Collector {
  private readonly where: string;
  private readonly unknownWords = new Set<string>();

  constructor(
    private readonly connection: CatalystexConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.where = `${connection.host}:${connection.port}`;
  }

  async connect(signal: AbortSignal): Promise<void> {
    await this.read(signal);
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const { text, file } = await this.read(signal);
    const snapshot = toSnapshot(file);
    const word = statusWord(file);
    if (snapshot.state === 'unknown' && this.unknownWords.size < 32 && !this.unknownWords.has(word ?? '')) {
      this.unknownWords.add(word ?? '');
      this.ctx.logger.warn(
        { status: word ?? null },
        word
          ? 'the printer reports a status Echo does not know: shown as unknown (please report it)'
          : 'status.sts has no modelerStatus: shown as unknown',
      );
    }
    noteJob(this.ctx.state, file, Date.now());
    const current = jobOf(file.sections.currentJob);
    return {
      snapshot,
      captures: [
        {
          captureTypeName: 'catex.modeler.status',
          content: text,
          contentType: 'text/plain',
          meta: {
            source: 'catalystex-status-sts',
            serial: snapshot.serialNumber ?? null,
            model: file.sections.general?.modelerType ?? null,
            status: word ?? null,
          },
          dedupeKey: 'status',
          significant: JSON.stringify([
            word,
            current?.jobName,
            current?.jobId,
            current?.completionStatus,
            file.queue.map((j) => j.jobId ?? j.jobName),
            jobOf(file.sections.previousJob)?.jobName,
            snapshot.errors,
          ]),
        },
      ],
    };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      const { file } = await this.read(signal);
      const snapshot = toSnapshot(file);
      const model = file.sections.general?.modelerType ?? 'Stratasys printer';
      const word = statusWord(file);
      return {
        ok: true,
        message: `${model} (serial ${snapshot.serialNumber ?? 'not reported'}, controller ${snapshot.firmware ?? 'not reported'}) answered: ${word ?? 'no status'} (${stateOf(word)}), ${file.queue.length} job(s) queued`,
        details: {
          serial: snapshot.serialNumber ?? null,
          firmware: snapshot.firmware ?? null,
          model,
          status: word ?? null,
        },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure } };
    }
  }

  /**
   * The previous jobs the polls noted, after the watermark. The printer keeps one past job only:
   * jobs that ended while Echo was not polling are not on it.
   */
  async readHistory(after: string | undefined, limit: number, _signal: AbortSignal): Promise<HistoryPage> {
    const { entries, more } = jobsAfter(this.ctx.state, after, limit);
    return { jobs: entries.map(historicJobOf), more };
  }

  private async read(signal: AbortSignal): Promise<{ text: string; file: StatusFile }> {
    const bytes = await getFile({
      host: this.connection.host,
      port: this.connection.port,
      file: STATUS_FILE,
      maxBytes: this.ctx.limits.maxMessageBytes,
      signal,
    });
    // Latin-1: one character per byte, never a decoding failure (CatalystEX runs on Windows code pages).
    const text = bytes.toString('latin1');
    const file = parseStatusFile(text);
    if (!file.records.general && !file.records.currentJob && !file.records.mariner) {
      throw new CollectorError(
        'protocol',
        `${this.where}: ${STATUS_FILE} (${bytes.length} bytes) holds no machineStatus section; is this a Stratasys printer?`,
      );
    }
    return { text, file };
  }
}
