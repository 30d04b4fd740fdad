import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorContext, CommandResult, MachineCommand } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { getJson, httpPools } from '../sdk/http-json.ts';
import { parseMachineJson } from '../sdk/machine-json.ts';
import { multipartFile } from '../sdk/multipart.ts';
import { type PrintJobDoc, printerDoc, printJobDoc } from './protocol.ts';
import { type ApplicationKey, type Reply, UltimakerWriteApi } from './write-api.ts';

/** How long the printer has to show what a command did (the job's state, a new job). */
const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 250;

/** `PUT /print_job/state` targets, by command. */
const TARGETS = { pause_job: 'pause', resume_job: 'print', cancel_job: 'abort' } as const;
type JobCommand = keyof typeof TARGETS;

/** Job states after the print itself: the job is over, waiting for its plate to be cleared. */
const ENDED: readonly string[] = ['post_print', 'wait_cleanup', 'none'];

/** The file extensions a job's name is shown without on the printer (assumed; see README). */
const JOB_EXTENSIONS = ['.gcode.gz', '.gcode', '.ufp'];

/**
 * Remote commands on an Ultimaker printer (local API v1): pause, resume and abort through
 * `PUT /print_job/state`, a new job through `POST /print_job`, each checked against the printer's
 * state first (read without credentials) and confirmed by reading it again. Writes are signed
 * with the application key the operator approved on the printer's screen (`UltimakerWriteApi`).
 */
export class UltimakerControl {
  private readonly api: UltimakerWriteApi;

  constructor(
    private readonly base: string,
    private readonly ctx: CollectorContext,
  ) {
    this.api = new UltimakerWriteApi(base, ctx);
  }

  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    switch (command.type) {
      case 'pause_job':
      case 'resume_job':
      case 'cancel_job':
        return this.jobState(command.type, command, signal);
      case 'start_job':
        return this.startJob(command, signal);
      default:
        throw new CommandRefused(
          `an Ultimaker printer cannot ${command.type} from Echo`,
          undefined,
          'unsupported_command',
        );
    }
  }

  private async jobState(type: JobCommand, command: MachineCommand, signal: AbortSignal) {
    const target = TARGETS[type];
    const verb = { pause_job: 'pause', resume_job: 'resume', cancel_job: 'cancel' }[type];
    const check = async (): Promise<PrintJobDoc> => {
      const job = await this.readJob(signal);
      if (!job)
        throw new CommandRefused(`the printer has no print job: there is nothing to ${verb}`, 'no_job');
      if (command.jobExternalId && command.jobExternalId !== job.uuid) {
        throw new CommandRefused(
          `the printer is running job ${job.uuid} ("${job.name}"), not ${command.jobExternalId}: nothing was sent`,
          job.state,
        );
      }
      const allowed =
        type === 'pause_job'
          ? job.state === 'printing'
          : type === 'resume_job'
            ? job.state === 'paused'
            : !ENDED.includes(job.state);
      if (!allowed) {
        throw new CommandRefused(
          type === 'cancel_job'
            ? `the job "${job.name}" already ended (${job.state}): there is nothing to cancel`
            : `the job "${job.name}" is ${job.state}: there is nothing to ${verb}`,
          job.state,
        );
      }
      return job;
    };
    let before = await check();
    const { reply, checked } = await this.withKey(signal, check, (key) =>
      this.api.signed('PUT', '/print_job/state', key, signal, {
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ target }), 'utf8'),
      }),
    );
    before = checked ?? before;
    this.expectOk(reply, `PUT /print_job/state {"target": "${target}"}`);
    const confirmed = await this.confirm(signal, verb, async () => {
      const job = await this.readJob(signal);
      const gone = !job || job.uuid !== before.uuid;
      if (type === 'cancel_job') {
        const done = gone || ENDED.includes(job.state);
        return { done, settling: false, state: gone ? 'no_job' : job.state };
      }
      if (gone) {
        throw new CollectorError('protocol', `${this.base}: the job ended while Echo waited for ${verb}`);
      }
      const [final, settling] = type === 'pause_job' ? ['paused', 'pausing'] : ['printing', 'resuming'];
      return { done: job.state === final, settling: job.state === settling, state: job.state };
    });
    return {
      message: `the printer confirmed ${verb}: the job "${before.name}" is ${confirmed} (it was ${before.state})`,
      reply: {
        target,
        job_uuid: before.uuid,
        job_name: before.name,
        state_before: before.state,
        state_after: confirmed,
        http_status: reply.status,
      },
    };
  }

  private async startJob(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const file = command.file;
    if (!file) throw new Error('start_job reached the Ultimaker collector without a downloaded job file');
    const body = await multipartFile('file', file);
    if (body.fileBytes === 0) throw new Error(`the job file ${file.name} is empty: nothing was sent`);
    const check = async (): Promise<undefined> => {
      const printer = await getJson(`${this.base}/printer`, printerDoc, this.readOptions(signal));
      const status = printer?.status ?? 'unknown';
      if (status !== 'idle') {
        throw new CommandRefused(`the printer is ${status}: a job can start on an idle printer only`, status);
      }
      const job = await this.readJob(signal);
      if (job) {
        throw new CommandRefused(
          `the job "${job.name}" (${job.state}) is still on the printer: clear it before starting another`,
          job.state,
        );
      }
      return undefined;
    };
    await check();
    const { reply } = await this.withKey(signal, check, async (key) => {
      // A cheap signed request first: a refused key or a new nonce costs a round trip, not the
      // whole file sent twice.
      const verified = await this.api.signed('GET', '/auth/verify', key, signal);
      if (verified.status === 401) return verified;
      return this.api.signed('POST', '/print_job', key, signal, body);
    });
    this.expectOk(reply, `POST /print_job (${body.fileName}, ${body.fileBytes} bytes)`);
    let started: PrintJobDoc | undefined;
    await this.confirm(signal, 'the start', async () => {
      const job = await this.readJob(signal);
      started = job && jobNameMatches(job.name, body.fileName) ? job : undefined;
      return { done: started !== undefined, settling: false, state: job?.state ?? 'no_job' };
    });
    const job = started!;
    return {
      message: `the printer started "${job.name}" from ${body.fileName} (${body.fileBytes} bytes sent)`,
      reply: {
        job_uuid: job.uuid,
        job_name: job.name,
        state: job.state,
        file_name: body.fileName,
        bytes_sent: body.fileBytes,
        http_status: reply.status,
      },
    };
  }

  /**
   * Runs `act` with an approved key. When the operator had to approve one first, the state is
   * checked again (time passed). A 401 with the stored key (revoked on the printer) forgets it and
   * asks for a new one, once.
   */
  private async withKey<T>(
    signal: AbortSignal,
    check: () => Promise<T>,
    act: (key: ApplicationKey) => Promise<Reply>,
  ): Promise<{ reply: Reply; checked: T | undefined }> {
    let checked: T | undefined;
    const first = await this.api.key(signal);
    if (first.asked) checked = await check();
    const reply = await act(first.key);
    if (reply.status !== 401) return { reply, checked };
    this.ctx.logger.warn(
      {},
      "the printer refused Echo's application key (revoked on the printer?): asking for a new one",
    );
    this.api.forget();
    const second = await this.api.key(signal);
    checked = await check();
    const again = await act(second.key);
    if (again.status === 401) {
      throw new CollectorError('auth', `${this.base}: the printer refused Echo's new application key too`);
    }
    return { reply: again, checked };
  }

  /** Reads the job state until `probe` says done (or settling at the deadline). */
  private async confirm(
    signal: AbortSignal,
    what: string,
    probe: () => Promise<{ done: boolean; settling: boolean; state: string }>,
  ): Promise<string> {
    const deadline = performance.now() + CONFIRM_MS;
    while (true) {
      const seen = await probe();
      if (seen.done) return seen.state;
      if (performance.now() >= deadline || signal.aborted) {
        if (seen.settling) return seen.state;
        throw new CollectorError(
          'timeout',
          `${this.base}: the printer took ${what} but did not show it within ${CONFIRM_MS / 1000} s (the job is ${seen.state})`,
        );
      }
      await sleep(CONFIRM_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  private expectOk(reply: Reply, what: string): void {
    if (reply.status >= 200 && reply.status < 300) return;
    throw new CollectorError(
      reply.status === 403 ? 'auth' : 'protocol',
      `${this.base}: the printer refused ${what}: answered ${reply.status}${printerMessage(reply.text)}`,
    );
  }

  /**
   * After a restart: the print job shows whether a command took effect (paused; printing; no job
   * or an ended one; a job of the start_job file's name). Reads only; undefined when it cannot tell.
   */
  async verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    const job = await this.readJob(signal);
    const state = job?.state ?? 'no job';
    const shown =
      (command.type === 'pause_job' && job?.state === 'paused') ||
      (command.type === 'resume_job' && job?.state === 'printing') ||
      (command.type === 'cancel_job' && (!job || ENDED.includes(job.state))) ||
      (command.type === 'start_job' &&
        job !== undefined &&
        command.file !== undefined &&
        jobNameMatches(job.name, command.file.name));
    if (!shown) return undefined;
    return {
      message: `the printer shows ${job ? `job "${job.name}" ${state}` : 'no job'}: ${command.type} took effect (seen after Echo restarted)`,
      reply: { job_uuid: job?.uuid ?? null, state, verified_after_restart: true },
    };
  }

  private readJob(signal: AbortSignal): Promise<PrintJobDoc | undefined> {
    return getJson(`${this.base}/print_job`, printJobDoc, { ...this.readOptions(signal), emptyOn: [404] });
  }

  private readOptions(signal: AbortSignal) {
    return { signal, pools: httpPools(this.ctx.shared), maxBodyBytes: this.ctx.limits.maxMessageBytes };
  }
}

/** The printer's own words in a refusal (`{"message": …}`), short, where it sent any. */
function printerMessage(text: string): string {
  try {
    const parsed = parseMachineJson(text, 'reply') as { message?: unknown } | null;
    if (parsed && typeof parsed === 'object' && typeof parsed.message === 'string') {
      return ` (${parsed.message.slice(0, 200)})`;
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

/** Whether the printer's job name is the uploaded file's (as sent, or without its extension). */
export function jobNameMatches(jobName: string, fileName: string): boolean {
  if (jobName === fileName) return true;
  const lower = fileName.toLowerCase();
  const extension = JOB_EXTENSIONS.find((e) => lower.endsWith(e));
  return extension !== undefined && jobName === fileName.slice(0, -extension.length);
}
