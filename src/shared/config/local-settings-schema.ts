import { z } from 'zod';
import { cloudSchema, intervalsSchema, logSchema, storeSchema } from './schema.ts';

/** A config field without its default: absent in the overlay means "as the config file says". */
function field<T extends z.ZodType>(schema: z.ZodDefault<T> | T): T {
  const inner = (schema instanceof z.ZodDefault ? schema.unwrap() : schema) as T;
  return (schema.description ? inner.describe(schema.description) : inner) as T;
}

/**
 * The settings the operator UI may change (the list: cloud URL, intervals, store cap and
 * policy, log level). Bounds and descriptions come from the config schema itself, so the two can
 * never disagree. Everything else (credentials, machines, the API port) stays in the config file.
 */
export const localSettingsSchema = z.strictObject({
  cloud: z
    .strictObject({ url: field(cloudSchema.shape.url) })
    .partial()
    .optional(),
  intervals: z
    .strictObject({
      health: field(intervalsSchema.shape.health),
      logs_flush: field(intervalsSchema.shape.logs_flush),
      status_report: field(intervalsSchema.shape.status_report),
      machines_refresh: field(intervalsSchema.shape.machines_refresh),
    })
    .partial()
    .optional(),
  store: z
    .strictObject({
      max_size_mb: field(storeSchema.shape.max_size_mb),
      when_full: field(storeSchema.shape.when_full),
      retention_hours: field(storeSchema.shape.retention_hours),
    })
    .partial()
    .optional(),
  log: z
    .strictObject({ level: field(logSchema.shape.level) })
    .partial()
    .optional(),
});

export type LocalSettings = z.infer<typeof localSettingsSchema>;
type Section = keyof LocalSettings;

/**
 * A change from the UI: the same shape, where `null` removes the app's value so the config
 * file's (or the default) applies again.
 */
export const localSettingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(localSettingsSchema.shape).map(([section, schema]) => {
      const object = (schema as z.ZodOptional<z.ZodObject>).unwrap();
      const fields = Object.fromEntries(
        Object.entries(object.shape).map(([key, value]) => [key, (value as z.ZodType).nullable()]),
      );
      return [section, z.strictObject(fields).partial().optional()];
    }),
  ),
);
export type LocalSettingsPatch = Partial<Record<Section, Record<string, unknown>>>;
