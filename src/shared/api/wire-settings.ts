import { z } from 'zod';
import { localSettingsPatchSchema } from '../config/local-settings-schema.ts';
import { apiSchema, intervalsSchema, logSchema, storeSchema } from '../config/schema.ts';

/** `GET /api/v1/settings`: the settings in effect (no secrets), and what the app may change. */
export const settingSourceSchema = z.enum(['app', 'environment', 'config']);
export type SettingSource = z.infer<typeof settingSourceSchema>;

/**
 * The settings in effect as the core shows them (core/api/diagnostics.ts). Strict objects: the
 * API tests refuse a key the core sends that is not here, so no secret (`cloud.api_token`,
 * `log.sentry_dsn_ref`, a proxy password) can slip into the answer unnoticed.
 */
export const settingsInEffectSchema = z.strictObject({
  /** The configuration file read; null for the built-in defaults. */
  configFile: z.string().nullable(),
  workstation_name: z.string(),
  data_dir: z.string(),
  cloud: z.strictObject({
    url: z.string(),
    /** The bureau URI from the file; null for the first one the cloud lists. */
    bureau: z.string().nullable(),
    machines_from_cloud: z.boolean(),
  }),
  /** Every interval of the configuration, in seconds (all of `intervals`, with its defaults). */
  intervals: intervalsSchema,
  store: z.strictObject({
    max_size_mb: z.number(),
    when_full: storeSchema.shape.when_full.unwrap(),
    retention_hours: z.number(),
  }),
  log: z.strictObject({
    level: logSchema.shape.level.unwrap(),
    cloud_level: logSchema.shape.cloud_level.unwrap(),
  }),
  api: z.strictObject({ host: apiSchema.shape.host.unwrap(), port: z.number() }),
  /** Where secrets are kept, in words (the OS keychain, an encrypted file…); never a secret. */
  secretStore: z.string(),
});
export type SettingsInEffect = z.infer<typeof settingsInEffectSchema>;

export const editableSettingsSchema = z.strictObject({
  /** The JSON Schema (as zod writes it) of what `PUT` may change. */
  schema: z.record(z.string(), z.unknown()),
  /** The values in effect, by section and key. */
  values: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** `section.key` → where its value comes from; `environment` cannot be changed in the app. */
  sources: z.record(z.string(), settingSourceSchema),
});
export type EditableSettings = z.infer<typeof editableSettingsSchema>;

export const settingsDocumentSchema = settingsInEffectSchema.extend({
  /** Whether a change applies now (a shell restarts the core) or at the next start. */
  restartable: z.boolean(),
  editable: editableSettingsSchema,
});
export type SettingsDocument = z.infer<typeof settingsDocumentSchema>;

/** `PUT /api/v1/settings`: the same sections; `null` gives a setting back to the config file. */
export const settingsPatchSchema = localSettingsPatchSchema;
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const settingsSavedSchema = z.object({ saved: z.literal(true), restarting: z.boolean() });
