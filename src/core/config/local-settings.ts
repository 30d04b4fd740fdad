import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type LocalSettings,
  type LocalSettingsPatch,
  localSettingsSchema,
} from '../../shared/config/local-settings-schema.ts';
import { configSchema } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';
import { formatIssues } from './format-issues.ts';
import type { ConfigEnv, ResolvedConfig } from './load.ts';

/** The file in `data_dir` that keeps the settings an operator changed in the app. */
export const LOCAL_SETTINGS_FILE = 'settings.local.json';

// The schemas are shared: the local API's route table (src/shared/api) validates PUT bodies with them.
export {
  type LocalSettings,
  type LocalSettingsPatch,
  localSettingsPatchSchema,
  localSettingsSchema,
} from '../../shared/config/local-settings-schema.ts';

type Section = keyof LocalSettings;

/** Which environment variable pins a setting (it wins over the app, as over the file). */
export const ENV_PINNED: Record<string, keyof ConfigEnv> = {
  'cloud.url': 'ECHO_CLOUD_URL',
  'log.level': 'ECHO_LOG_LEVEL',
};

/** Reads `data_dir/settings.local.json`; none yet is `{}`. A damaged file names itself and the fix. */
export function readLocalSettings(dataDir: string): LocalSettings {
  const file = join(dataDir, LOCAL_SETTINGS_FILE);
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('ECHO_ERR_CONFIG_PARSE', `${file} is not valid JSON`, [
      `${(error as Error).message}; fix or delete the file (the config file's settings then apply)`,
    ]);
  }
  const parsed = localSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      'ECHO_ERR_CONFIG_INVALID',
      `Invalid settings in ${file}`,
      formatIssues(parsed.error.issues, raw),
    );
  }
  return parsed.data;
}

/** Writes the settings atomically (a crash leaves the old file or the new one), owner-only. */
export function writeLocalSettings(dataDir: string, settings: LocalSettings): void {
  writeOwnerOnlyAtomic(join(dataDir, LOCAL_SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

/** The current settings with a patch applied (`null` removes a value; empty sections go). */
export function mergeLocalSettings(current: LocalSettings, patch: LocalSettingsPatch): LocalSettings {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(localSettingsSchema.shape) as Section[]) {
    const values: Record<string, unknown> = { ...(current[section] ?? {}) };
    for (const [key, value] of Object.entries(patch[section] ?? {})) {
      if (value === null) delete values[key];
      else if (value !== undefined) values[key] = value;
    }
    if (Object.keys(values).length > 0) merged[section] = values;
  }
  return localSettingsSchema.parse(merged);
}

/**
 * The config with the app's settings on top; the environment still wins for the keys it sets
 * (a service pinned to a cloud URL stays pinned). Validated again as a whole.
 *
 * A credential goes only to the origin it was configured for: when the app points `cloud.url` at
 * another origin than the file's (or `ECHO_CLOUD_URL`'s, which the administrator sets like the
 * file), the file's `cloud.api_token` is left out, and its `events_url` unless on the app cloud's
 * origin: Echo is signed out there and asks to sign in (`withheldApiToken` says why).
 */
export function applyLocalSettings(
  config: ResolvedConfig,
  settings: LocalSettings,
  env: ConfigEnv = process.env,
): ResolvedConfig {
  const { source, withheldApiToken: _previous, ...document } = config;
  const next: Record<string, unknown> = { ...document };
  let withheldApiToken: ResolvedConfig['withheldApiToken'];
  for (const section of Object.keys(settings) as Section[]) {
    const values = { ...settings[section] } as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      const variable = ENV_PINNED[`${section}.${key}`];
      if (variable && env[variable]) delete values[key];
    }
    const merged: Record<string, unknown> = { ...(document[section] as object), ...values };
    if (section === 'cloud' && typeof values.url === 'string') {
      withheldApiToken = withholdFileCredential(document.cloud, values.url, merged);
    }
    next[section] = merged;
  }
  const parsed = configSchema.safeParse(next);
  if (!parsed.success) {
    throw new ConfigError(
      'ECHO_ERR_CONFIG_INVALID',
      `Invalid settings in ${join(config.data_dir, LOCAL_SETTINGS_FILE)}`,
      formatIssues(parsed.error.issues, next),
    );
  }
  return {
    ...parsed.data,
    workstation_name: config.workstation_name,
    data_dir: config.data_dir,
    ...(source ? { source } : {}),
    ...(withheldApiToken ? { withheldApiToken } : {}),
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined; // not a URL: the schema refuses it, naming the field
  }
}

/**
 * The app's `cloud.url` on another origin than the file's: the file's token (and an `events_url`
 * on another origin than the app's cloud) is removed from `merged`. Returns what was withheld.
 */
function withholdFileCredential(
  file: ResolvedConfig['cloud'],
  appUrl: string,
  merged: Record<string, unknown>,
): ResolvedConfig['withheldApiToken'] {
  const configuredFor = originOf(file.url);
  const cloud = originOf(appUrl);
  if (configuredFor === undefined || cloud === undefined || configuredFor === cloud) return undefined;
  if (file.events_url !== undefined && originOf(file.events_url) !== cloud) delete merged.events_url;
  if (file.api_token === undefined) return undefined;
  delete merged.api_token;
  return { configuredFor, cloud };
}

/** The config file's config with what the operator changed in the app (the shells load this). */
export function withLocalSettings(config: ResolvedConfig, env: ConfigEnv = process.env): ResolvedConfig {
  return applyLocalSettings(config, readLocalSettings(config.data_dir), env);
}

/** Where a setting in effect comes from, for the settings screen. */
export type SettingSource = 'app' | 'environment' | 'config';

export interface EditableSettings {
  /** JSON Schema of what may be changed (the UI builds its form from it). */
  schema: unknown;
  /** The values in effect, by section. */
  values: Record<string, Record<string, unknown>>;
  /** `section.key` → where its value comes from; `environment` cannot be changed in the app. */
  sources: Record<string, SettingSource>;
}

/** What the settings screen may edit, with the values in effect and their sources. */
export function describeEditableSettings(
  config: ResolvedConfig,
  env: ConfigEnv = process.env,
): EditableSettings {
  const overlay = readLocalSettings(config.data_dir);
  const values: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, SettingSource> = {};
  for (const [section, schema] of Object.entries(localSettingsSchema.shape)) {
    const object = (schema as z.ZodOptional<z.ZodObject>).unwrap();
    const inEffect = config[section as Section] as Record<string, unknown>;
    values[section] = {};
    for (const key of Object.keys(object.shape)) {
      values[section][key] = inEffect[key];
      const variable = ENV_PINNED[`${section}.${key}`];
      sources[`${section}.${key}`] =
        variable && env[variable]
          ? 'environment'
          : (overlay[section as Section] as Record<string, unknown> | undefined)?.[key] !== undefined
            ? 'app'
            : 'config';
    }
  }
  return { schema: z.toJSONSchema(localSettingsSchema, { io: 'input' }), values, sources };
}
