import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  PollResult,
  PrintingPreset,
} from '../sdk/collector.ts';
import { PhotonicApi } from './api.ts';
import type { PhotocentricConnection } from './config.ts';
import { PhotocentricControl } from './control.ts';
import { currentJob, printerName, selectPrinter, toSnapshot } from './map.ts';
import { presetsOf, profileOf } from './presets.ts';
import { PATHS, type Printer, printers, printJobs, slicingProfiles } from './protocol.ts';

/**
 * Polls a Photocentric printer through Photonic3D: the printers list (its status) and the jobs
 * list (its current or last job) each poll, one `photocentric.modeler.status` capture per change.
 */
export class PhotocentricCollector implements Collector {
  private readonly api: PhotonicApi;
  private readonly commands: PhotocentricControl;
  /** Status words already logged as unknown: said once each, not every poll. */
  private readonly unknownLogged = new Set<string>();

  constructor(
    private readonly connection: PhotocentricConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.api = new PhotonicApi(connection, ctx);
    this.commands = new PhotocentricControl(this.api, connection, ctx);
  }

  async connect(): Promise<void> {}

  async poll(signal: AbortSignal): Promise<PollResult> {
    const printer = await this.readPrinter(signal);
    const name = printerName(printer);
    const jobs = (await this.api.get(PATHS.printJobs, printJobs, signal)) ?? [];
    const job = currentJob(jobs, name);
    const { snapshot, unknownStatus } = toSnapshot(printer, job);
    if (unknownStatus !== undefined && !this.unknownLogged.has(unknownStatus)) {
      this.unknownLogged.add(unknownStatus);
      this.ctx.logger.warn(
        { status: unknownStatus.slice(0, 100) },
        `Photonic3D reports a printer status Echo does not know ("${unknownStatus.slice(0, 100)}"): the state is unknown`,
      );
    }
    const document = { printer, print_job: job ?? null };
    return {
      snapshot,
      captures: [
        {
          captureTypeName: 'photocentric.modeler.status',
          content: JSON.stringify(document),
          contentType: 'application/json',
          meta: { printer: name, source: 'photonic3d-rest' },
          dedupeKey: 'status',
          significant: JSON.stringify([
            printer.started,
            printer.status,
            job?.id,
            job?.status,
            snapshot.job?.progress === undefined ? null : Math.floor(snapshot.job.progress),
          ]),
        },
      ],
    };
  }

  async close(): Promise<void> {}

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    const printer = await this.readPrinter(signal);
    return {
      ok: true,
      message: `Photonic3D answered: printer "${printerName(printer)}" is ${printer.started === false ? 'not started' : (printer.status ?? 'in an unknown state')}`,
      details: {
        printer: printerName(printer),
        started: printer.started ?? null,
        status: printer.status ?? null,
        slicing_profile: printer.configuration.SlicingProfileName ?? null,
        machine_configuration: printer.configuration.MachineConfigurationName ?? null,
      },
    };
  }

  /** The resin profiles of the printer's slicing profile (see presets.ts). */
  async readPresets(signal: AbortSignal): Promise<PrintingPreset[]> {
    const printer = await this.readPrinter(signal);
    const own = printer.configuration.slicingProfile;
    const profiles = own?.InkConfig
      ? undefined
      : await this.api.get(PATHS.slicingProfiles, slicingProfiles, signal);
    return presetsOf(profileOf(printer, profiles));
  }

  /** pause/resume (`togglePause`), cancel (`stopJob`), start_job (upload + `startJob`): control.ts. */
  control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    return this.commands.control(command, signal);
  }

  verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    return this.commands.verify(command, signal);
  }

  private async readPrinter(signal: AbortSignal): Promise<Printer> {
    const list = (await this.api.get(PATHS.printers, printers, signal)) ?? [];
    return selectPrinter(list, this.connection.printer, `${this.api.base}${PATHS.printers}`);
  }
}
