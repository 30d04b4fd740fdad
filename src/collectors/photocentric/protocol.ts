import { z } from 'zod';

/**
 * The parts of Photonic3D's REST API (`http://<host>:9091/services/`, the JAX-RS services in
 * `host/src/main/java/org/area515/resinprinter/services/`) that Echo reads and calls. Photonic3D
 * serializes with Jackson and JAXB annotations, so some fields are named by their `@XmlElement`
 * (`SlicingProfileName`, `InkConfig`, `SelectedInk`, `Name`) and others by their getter
 * (`status`, `jobName`, `totalSlices`). Loose objects: the host sends much more than Echo needs,
 * and it all goes to the cloud in the capture. Every field Echo uses is optional or nullable
 * where Photonic3D can leave it out: a missing field is an unknown, never a failed poll.
 */

/** Every path Echo uses, under `/services`. */
export const PATHS = {
  /** PrinterService.getPrinters: every configured printer, started or not. */
  printers: '/printers/list',
  /** PrintJobService.getPrintJobs: every job the host still holds (active and ended). */
  printJobs: '/printJobs/list',
  /** PrintJobService.getById. */
  printJob: (id: string) => `/printJobs/get/${encodeURIComponent(id)}`,
  /** PrintJobService.togglePause: pauses a Printing job, resumes a paused one. */
  togglePause: (id: string) => `/printJobs/togglePause/${encodeURIComponent(id)}`,
  /** PrintJobService.stopJob: the printer goes to Cancelling, the job ends Cancelled. */
  stopJob: (id: string) => `/printJobs/stopJob/${encodeURIComponent(id)}`,
  /** PrintableService.uploadPrintableFile: multipart/form-data, field `file`. */
  upload: '/printables/uploadPrintableFile',
  /** PrinterService.print: a job of an uploaded printable on a started printer. */
  startJob: (file: string, printer: string) =>
    `/printers/startJob/${encodeURIComponent(file)}/${encodeURIComponent(printer)}`,
  /** MachineService.getSlicingProfiles: the profiles, each with its resin profiles (`InkConfig`). */
  slicingProfiles: '/machine/slicingProfiles/list',
} as const;

/** JobStatus.java: the printer's and the job's status. */
export const JOB_STATUSES = [
  'Ready',
  'Printing',
  'Failed',
  'Completed',
  'Cancelled',
  'Cancelling',
  'Deleted',
  'Paused',
  'PausedOutOfPrintMaterial',
  'PausedWithWarning',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A status word from the host: one of JobStatus, or a newer one Echo maps to `unknown`. */
const status = z.string().max(100).nullish();

/** SlicingProfile.InkConfig: a resin profile (exposure settings for one material). */
export const inkConfig = z.looseObject({
  Name: z.string().min(1).max(500),
  SliceHeight: z.number().nullish(),
  /** Exposure of a layer, ms. */
  LayerTime: z.number().nullish(),
  /** Exposure of each bottom layer, ms. */
  FirstLayerTime: z.number().nullish(),
  NumberofBottomLayers: z.number().nullish(),
  ResinPriceL: z.number().nullish(),
});

/** SlicingProfile (`SliceBuildConfig`): its `name`, its resin profiles and the selected one. */
export const slicingProfile = z.looseObject({
  name: z.string().max(500).nullish(),
  SelectedInk: z.string().max(500).nullish(),
  InkConfig: z.array(inkConfig).nullish(),
});

/** PrinterConfiguration, as nested in a Printer. */
const printerConfiguration = z.looseObject({
  name: z.string().min(1).max(500),
  MachineConfigurationName: z.string().max(500).nullish(),
  SlicingProfileName: z.string().max(500).nullish(),
  slicingProfile: slicingProfile.nullish(),
});

/** Printer.java: `started` (Photonic3D has the printer running) and its `status`. */
export const printer = z.looseObject({
  configuration: printerConfiguration,
  started: z.boolean().nullish(),
  status,
  printInProgress: z.boolean().nullish(),
  printPaused: z.boolean().nullish(),
  cachedBulbHours: z.number().nullish(),
});

export const printers = z.array(printer);

/** PrintJob.java. Times are milliseconds; `currentSlice` is the next slice, -1 before the first. */
export const printJob = z.looseObject({
  id: z.string().min(1).max(100),
  jobName: z.string().max(500).nullish(),
  status,
  totalSlices: z.number().nullish(),
  currentSlice: z.number().nullish(),
  startTime: z.number().nullish(),
  elapsedTime: z.number().nullish(),
  averageSliceTime: z.number().nullish(),
  errorDescription: z.string().max(10_000).nullish(),
  printer: z
    .looseObject({ configuration: z.looseObject({ name: z.string().nullish() }).nullish() })
    .nullish(),
});

export const printJobs = z.array(printJob);

/** MachineResponse.java: the answer of every command (`response` true: done). */
export const machineResponse = z.looseObject({
  command: z.string().max(200).nullish(),
  response: z.boolean(),
  message: z.string().max(10_000).nullish(),
});

export const slicingProfiles = z.array(slicingProfile);

export type Printer = z.infer<typeof printer>;
export type PrintJob = z.infer<typeof printJob>;
export type SlicingProfile = z.infer<typeof slicingProfile>;
export type MachineResponse = z.infer<typeof machineResponse>;

/** The statuses of a job still on the printer (JobStatus.isPrintInProgress). */
export const IN_PROGRESS: readonly string[] = [
  'Printing',
  'Paused',
  'PausedOutOfPrintMaterial',
  'PausedWithWarning',
  'Cancelling',
];
/** JobStatus.isPaused. */
export const PAUSED: readonly string[] = ['Paused', 'PausedOutOfPrintMaterial', 'PausedWithWarning'];
