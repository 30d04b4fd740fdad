import { z } from 'zod';
import { localSettingsPatchSchema } from '../config/local-settings-schema.ts';

/** `GET /api/v1/settings`: the settings in effect (no secrets), and what the app may change. */
export const settingSourceSchema = z.enum(['app', 'environment', 'config']);
export type SettingSource = z.infer<typeof settingSourceSchema>;

export const settingsDocumentSchema = z.looseObject({
  configFile: z.string().nullable(),
  restartable: z.boolean(),
  editable: z.object({
    /** The JSON Schema (as zod writes it) of what `PUT` may change. */
    schema: z.record(z.string(), z.unknown()),
    values: z.record(z.string(), z.record(z.string(), z.unknown())),
    sources: z.record(z.string(), settingSourceSchema),
  }),
});
export type SettingsDocument = z.infer<typeof settingsDocumentSchema>;

/** `PUT /api/v1/settings`: the same sections; `null` gives a setting back to the config file. */
export const settingsPatchSchema = localSettingsPatchSchema;
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const settingsSavedSchema = z.object({ saved: z.literal(true), restarting: z.boolean() });
