import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorContext, CommandResult, MachineCommand } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { multipartFile } from '../sdk/multipart.ts';
import type { PhotonicApi } from './api.ts';
import type { PhotocentricConnection } from './config.ts';
import { currentJob, inProgress, printerName, selectPrinter } from './map.ts';
import { presetsOf, profileOf } from './presets.ts';
import {
  PATHS,
  PAUSED,
  type Printer,
  type PrintJob,
  printers,
  printJobs,
  slicingProfiles,
} from './protocol.ts';

/** How long the host has to show what a command did. */
const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 200;

const VERBS = { pause_job: 'pause', resume_job: 'resume', cancel_job: 'cancel' } as const;

/**
 * Remote commands through Photonic3D: pause and resume are one toggle (`togglePause/<job id>`),
 * cancel is `stopJob/<job id>`, a new job is an upload (`uploadPrintableFile`) then
 * `startJob/<file>/<printer>`. Each is checked against the printer's and the job's status first
 * (a refusal sends nothing), then confirmed by reading the jobs list again.
 */
export class PhotocentricControl {
  constructor(
    private readonly api: PhotonicApi,
    private readonly connection: PhotocentricConnection,
    private readonly ctx: CollectorContext,
  ) {}

  control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    switch (command.type) {
      case 'pause_job':
      case 'resume_job':
      case 'cancel_job':
        return this.jobCommand(command.type, command, signal);
      case 'start_job':
        return this.startJob(command, signal);
      default:
        throw new CommandRefused(
          `a Photocentric printer cannot ${command.type} from Echo`,
          undefined,
          'unsupported_command',
        );
    }
  }

  private async jobCommand(
    type: keyof typeof VERBS,
    command: MachineCommand,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    const verb = VERBS[type];
    const { printer, job } = await this.read(signal);
    if (!job || !inProgress(job)) {
      throw new CommandRefused(
        `the printer "${printerName(printer)}" has no job in progress: there is nothing to ${verb}`,
        printer.status ?? 'unknown',
      );
    }
    if (command.jobExternalId && command.jobExternalId !== job.id) {
      throw new CommandRefused(
        `the printer is running job ${job.id} ("${job.jobName ?? '?'}"), not ${command.jobExternalId}: nothing was sent`,
        job.status ?? 'unknown',
      );
    }
    const status = job.status ?? 'unknown';
    const allowed =
      type === 'pause_job'
        ? status === 'Printing'
        : type === 'resume_job'
          ? PAUSED.includes(status)
          : status !== 'Cancelling';
    if (!allowed) {
      throw new CommandRefused(
        type === 'cancel_job'
          ? `the job "${job.jobName ?? job.id}" is already being cancelled`
          : `the job "${job.jobName ?? job.id}" is ${status}: there is nothing to ${verb}`,
        status,
      );
    }
    // Photonic3D has one toggle for pause and resume: the state was checked just before, and the
    // confirmation below catches a toggle that went the other way.
    const path = type === 'cancel_job' ? PATHS.stopJob(job.id) : PATHS.togglePause(job.id);
    const answer = await this.api.command(path, signal);
    const after = await this.confirm(signal, verb, async () => {
      const seen = (await this.readJobs(signal)).find((j) => j.id === job.id);
      const now = seen?.status ?? 'gone';
      if (type === 'cancel_job')
        return { done: !inProgress(seen), settling: now === 'Cancelling', state: now };
      if (type === 'pause_job') return { done: PAUSED.includes(now), settling: false, state: now };
      return { done: now === 'Printing', settling: false, state: now };
    });
    return {
      message: `Photonic3D confirmed ${verb}: the job "${job.jobName ?? job.id}" is ${after} (it was ${status})`,
      reply: {
        job_id: job.id,
        job_name: job.jobName ?? null,
        printer: printerName(printer),
        state_before: status,
        state_after: after,
        answer: answer.message ?? null,
      },
    };
  }

  private async startJob(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const file = command.file;
    if (!file) throw new Error('start_job reached the Photocentric collector without a downloaded job file');
    const { printer, job } = await this.read(signal);
    const name = printerName(printer);
    if (printer.started === false) {
      throw new CommandRefused(
        `Photonic3D has not started the printer "${name}": start it on the host first`,
        'not_started',
      );
    }
    if (inProgress(job)) {
      throw new CommandRefused(
        `the printer "${name}" is running "${job!.jobName ?? job!.id}" (${job!.status}): a job can start on a ready printer only`,
        job!.status ?? 'unknown',
      );
    }
    if (printer.status !== 'Ready') {
      throw new CommandRefused(
        `the printer "${name}" is ${printer.status ?? 'in an unknown state'}: a job can start on a Ready printer only`,
        printer.status ?? 'unknown',
      );
    }
    const preset = command.printingPreset;
    if (preset !== undefined) await this.checkPreset(printer, preset, signal);
    const body = await multipartFile('file', file);
    if (body.fileBytes === 0) throw new Error(`the job file ${file.name} is empty: nothing was sent`);
    const upload = await this.api.send('POST', PATHS.upload, signal, body);
    if (upload.status < 200 || upload.status >= 300) {
      throw new CollectorError(
        upload.status === 401 || upload.status === 403 ? 'auth' : 'protocol',
        `${upload.url}: Photonic3D refused the upload of ${body.fileName} (${body.fileBytes} bytes): answered ${upload.status} ${upload.text.slice(0, 200)}`,
      );
    }
    const answer = await this.api.command(PATHS.startJob(body.fileName, name), signal);
    const jobId = (answer.message ?? '').trim();
    let started: PrintJob | undefined;
    await this.confirm(signal, 'the start', async () => {
      started = (await this.readJobs(signal)).find((j) => j.id === jobId);
      return { done: started !== undefined, settling: false, state: started?.status ?? 'no_job' };
    });
    return {
      message: `Photonic3D started "${started!.jobName ?? body.fileName}" on "${name}" (${body.fileBytes} bytes sent)${preset ? ` with the resin profile "${preset}"` : ''}`,
      reply: {
        job_id: jobId,
        job_name: started!.jobName ?? null,
        state: started!.status ?? null,
        printer: name,
        file_name: body.fileName,
        bytes_sent: body.fileBytes,
        printing_preset: preset ?? null,
      },
    };
  }

  /**
   * A start_job's preset must be a resin profile of the printer's slicing profile, and the one it
   * has selected: Photonic3D's REST API cannot change the resin of a started printer
   * (`/printers/save` refuses a started printer; `/machine/slicingProfiles` only writes the file).
   */
  private async checkPreset(printer: Printer, preset: string, signal: AbortSignal): Promise<void> {
    const own = printer.configuration.slicingProfile;
    const profiles = own?.InkConfig
      ? undefined
      : await this.api.get(PATHS.slicingProfiles, slicingProfiles, signal);
    const profile = profileOf(printer, profiles);
    const names = presetsOf(profile).map((p) => p.name);
    if (!names.includes(preset)) {
      throw new CommandRefused(
        `the printer "${printerName(printer)}" has no resin profile "${preset}" (it has ${names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'none'}): nothing was sent`,
        'unknown_preset',
      );
    }
    if (profile?.SelectedInk !== preset) {
      throw new CommandRefused(
        `the printer "${printerName(printer)}" prints with the resin profile "${profile?.SelectedInk ?? '?'}", not "${preset}", and Photonic3D cannot change it remotely: select "${preset}" on the printer, then send the job again`,
        'preset_not_selected',
      );
    }
  }

  /**
   * After a restart: the printer's job shows whether a command took effect (paused; printing
   * again; none in progress; one of the start_job file's name in progress). Reads only.
   */
  async verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    const { job } = await this.read(signal);
    const status = job?.status ?? 'no job';
    const fileName = command.file?.name;
    const shown =
      (command.type === 'pause_job' && status.startsWith('Paused')) ||
      (command.type === 'resume_job' && status === 'Printing') ||
      (command.type === 'cancel_job' && !inProgress(job)) ||
      (command.type === 'start_job' &&
        inProgress(job) &&
        fileName !== undefined &&
        (job?.jobName === fileName || job?.jobName === fileName.replace(/\.[^.]+$/, '')));
    if (!shown) return undefined;
    return {
      message: `the printer shows ${job ? `job "${job.jobName ?? job.id}" ${status}` : 'no job'}: ${command.type} took effect (seen after Echo restarted)`,
      reply: { job_id: job?.id ?? null, status, verified_after_restart: true },
    };
  }

  private async read(signal: AbortSignal): Promise<{ printer: Printer; job: PrintJob | undefined }> {
    const list = (await this.api.get(PATHS.printers, printers, signal)) ?? [];
    const printer = selectPrinter(list, this.connection.printer, `${this.api.base}${PATHS.printers}`);
    return { printer, job: currentJob(await this.readJobs(signal), printerName(printer)) };
  }

  private async readJobs(signal: AbortSignal): Promise<PrintJob[]> {
    return (await this.api.get(PATHS.printJobs, printJobs, signal)) ?? [];
  }

  /** Reads until `probe` says done (or settling at the deadline). */
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
        this.ctx.logger.warn({ state: seen.state }, `Photonic3D did not show ${what} in time`);
        throw new CollectorError(
          'timeout',
          `${this.api.base}: Photonic3D took ${what} but did not show it within ${CONFIRM_MS / 1000} s (the job is ${seen.state})`,
        );
      }
      await sleep(CONFIRM_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
