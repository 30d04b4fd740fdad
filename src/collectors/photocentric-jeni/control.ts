import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorContext, CommandResult, MachineCommand } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { multipartFile } from '../sdk/multipart.ts';
import type { JeniApi } from './api.ts';
import { jobsOf } from './map.ts';
import {
  clusterStatus,
  ENDED,
  type Job,
  job as jobSchema,
  PATHS,
  presetList,
  uploaded,
  WORKING,
} from './protocol.ts';

const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 200;

const ACTIONS = { pause_job: 'pause', resume_job: 'resume', cancel_job: 'cancel' } as const;

/**
 * Remote commands on a JENI cell (assumed API): pause, resume and cancel a job
 * (`POST /jobs/<id>/<action>`), and a new job from an uploaded file and a preset the cell has
 * (`POST /files`, then `POST /jobs`). Checked against the cell's state first, confirmed by reading
 * the job again.
 */
export class JeniControl {
  constructor(
    private readonly api: JeniApi,
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
          `a JENI cell cannot ${command.type} from Echo`,
          undefined,
          'unsupported_command',
        );
    }
  }

  /**
   * After a restart: the cell's jobs show whether a command took effect (the one job paused,
   * working again, gone or cancelled; a job of the start_job file's name). Reads only.
   */
  async verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    const status = await this.api.get(PATHS.status, clusterStatus, signal);
    if (!status) return undefined;
    const jobs = jobsOf(status);
    const running = jobs.filter((j) => !ENDED.includes(j.state ?? ''));
    const named = command.jobExternalId ? jobs.filter((j) => j.id === command.jobExternalId) : running;
    const job = named.length === 1 ? named[0] : undefined;
    const state = job?.state ?? 'no job';
    const fileName = command.file?.name;
    const shown =
      (command.type === 'pause_job' && state === 'paused') ||
      (command.type === 'resume_job' && WORKING.includes(state)) ||
      (command.type === 'cancel_job' && (named.length === 0 || state === 'cancelled')) ||
      (command.type === 'start_job' &&
        fileName !== undefined &&
        running.some((j) => j.name === fileName || j.name === fileName.replace(/\.[^.]+$/, '')));
    if (!shown) return undefined;
    return {
      message: `the cell shows ${job ? `job "${job.name ?? job.id}" ${state}` : 'its jobs'}: ${command.type} took effect (seen after Echo restarted)`,
      reply: { job_id: job?.id ?? null, state, verified_after_restart: true },
    };
  }

  private async jobCommand(
    type: keyof typeof ACTIONS,
    command: MachineCommand,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    const action = ACTIONS[type];
    const status = (await this.api.get(PATHS.status, clusterStatus, signal))!;
    const running = jobsOf(status).filter((j) => !ENDED.includes(j.state ?? ''));
    let target: Job | undefined;
    if (command.jobExternalId) {
      target = running.find((j) => j.id === command.jobExternalId);
      if (!target) {
        throw new CommandRefused(
          `the cell runs no job ${command.jobExternalId} (it runs ${running.length > 0 ? running.map((j) => j.id).join(', ') : 'none'}): nothing was sent`,
          running.length > 0 ? 'other_job' : 'idle',
        );
      }
    } else if (running.length === 1) target = running[0];
    else if (running.length === 0)
      throw new CommandRefused(`the cell runs no job: there is nothing to ${action}`, 'idle');
    else {
      throw new CommandRefused(
        `the cell runs ${running.length} jobs (${running.map((j) => j.id).join(', ')}): the command must name one (job_external_id)`,
        'several_jobs',
      );
    }
    const state = target!.state ?? 'unknown';
    const allowed =
      type === 'pause_job' ? WORKING.includes(state) : type === 'resume_job' ? state === 'paused' : true;
    if (!allowed) {
      throw new CommandRefused(
        `the job "${target!.name ?? target!.id}" is ${state}: there is nothing to ${action}`,
        state,
      );
    }
    const id = target!.id;
    await this.api.post(PATHS.jobAction(id, action), jobSchema, signal);
    const after = await this.confirm(signal, action, async () => {
      const now = (await this.api.get(PATHS.job(id), jobSchema, signal, [404]))?.state ?? 'gone';
      if (type === 'cancel_job') return { done: now === 'cancelled' || now === 'gone', state: now };
      if (type === 'pause_job') return { done: now === 'paused', state: now };
      return { done: now !== 'paused' && !ENDED.includes(now), state: now };
    });
    return {
      message: `the JENI cell confirmed ${action}: the job "${target!.name ?? id}" is ${after} (it was ${state})`,
      reply: { job_id: id, job_name: target!.name ?? null, state_before: state, state_after: after },
    };
  }

  private async startJob(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const preset = command.printingPreset;
    if (!preset) {
      throw new CommandRefused(
        'a JENI job runs a preset (print, wash, cure): the command names none',
        'no_preset',
      );
    }
    const file = command.file;
    if (!file) throw new Error('start_job reached the JENI collector without a downloaded job file');
    const presets = (await this.api.get(PATHS.presets, presetList, signal)) ?? [];
    const chosen = presets.find((p) => p.name === preset);
    if (!chosen) {
      throw new CommandRefused(
        `the cell has no preset "${preset}" (it has ${presets.length > 0 ? presets.map((p) => `"${p.name}"`).join(', ') : 'none'}): nothing was sent`,
        'unknown_preset',
      );
    }
    const status = (await this.api.get(PATHS.status, clusterStatus, signal))!;
    const printers = status.bays.filter((b) => b.kind === 'printer');
    if (!printers.some((b) => b.state === 'idle' && !b.job)) {
      throw new CommandRefused(
        `no printer bay of the cell is free (${printers.map((b) => `${b.id}: ${b.state ?? '?'}`).join(', ') || 'no printer bay'}): nothing was sent`,
        'busy',
      );
    }
    const body = await multipartFile('file', file);
    if (body.fileBytes === 0) throw new Error(`the job file ${file.name} is empty: nothing was sent`);
    const { file_id } = await this.api.post(PATHS.files, uploaded, signal, body);
    const name = body.fileName.replace(/\.[^.]+$/, '');
    const json = Buffer.from(JSON.stringify({ file_id, preset_id: chosen.id, name }), 'utf8');
    const created = await this.api.post(PATHS.jobs, jobSchema, signal, {
      contentType: 'application/json',
      data: json,
    });
    const state = await this.confirm(signal, 'the new job', async () => {
      const seen = await this.api.get(PATHS.job(created.id), jobSchema, signal, [404]);
      return { done: seen !== undefined, state: seen?.state ?? 'not_yet' };
    });
    return {
      message: `the JENI cell took "${name}" with the preset "${preset}" (${body.fileBytes} bytes sent): ${state}`,
      reply: {
        job_id: created.id,
        job_name: created.name ?? name,
        state,
        printing_preset: preset,
        preset_id: chosen.id,
        file_id,
        bytes_sent: body.fileBytes,
      },
    };
  }

  private async confirm(
    signal: AbortSignal,
    what: string,
    probe: () => Promise<{ done: boolean; state: string }>,
  ): Promise<string> {
    const deadline = performance.now() + CONFIRM_MS;
    while (true) {
      const seen = await probe();
      if (seen.done) return seen.state;
      if (performance.now() >= deadline || signal.aborted) {
        this.ctx.logger.warn({ state: seen.state }, `the JENI cell did not show ${what} in time`);
        throw new CollectorError(
          'timeout',
          `${this.api.base}: the cell took ${what} but did not show it within ${CONFIRM_MS / 1000} s (the job is ${seen.state})`,
        );
      }
      await sleep(CONFIRM_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
