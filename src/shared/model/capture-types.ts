/**
 * The 23 `capture_type_name` values of the cloud contract, copied exactly from the seed (including
 * the typo `eosconnet_v6_http_modeler.jobs` and the capital D of `carbon3D`).
 */
export const CAPTURE_TYPE_NAMES = [
  'arcam.job.log',
  'catex.modeler.jobs',
  'catex.modeler.status',
  'connex.modeler.log',
  'eos_connect.modeler.log',
  'eos.modeler.log',
  'eosconnet_v6_http_modeler.jobs',
  'hp.modeler.status',
  'slm.modeler.status',
  'projet660.modeler.log',
  'ultimaker.modeler.log',
  'stratasys.connectivity.modeler.status',
  'stratasys.connectivity.modeler.historic',
  'carbon3D.modeler.status',
  'formlabs.modeler.status',
  'markforged.modeler.status',
  'renishaw.modeler.log',
  'renishaw.modeler.historic',
  'photocentric.modeler.status',
  'photocentric_jeni.modeler.status',
  'addiguru.build.analysis',
  'bambu.modeler.status',
  'haas.modeler.status',
] as const;

export type CaptureTypeName = (typeof CAPTURE_TYPE_NAMES)[number];

/** Log levels the cloud's `/logs/` accepts. */
export const CLOUD_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'] as const;
export type CloudLogLevel = (typeof CLOUD_LOG_LEVELS)[number];

/** Normalized machine states shown in the local API and sent as `connected`/`error` to `/modeler/`. */
export const MACHINE_STATES = [
  'idle',
  'printing',
  'paused',
  'error',
  'offline',
  'maintenance',
  'unknown',
] as const;
export type MachineState = (typeof MACHINE_STATES)[number];
