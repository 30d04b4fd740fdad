import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type EchoConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { formatIssues } from './format-issues.ts';

/** A validated configuration with the paths and names that defaults and the environment decided. */
export interface ResolvedConfig extends EchoConfig {
  workstation_name: string;
  data_dir: string;
  /** Where it was read from, for messages; undefined when built in code. */
  source?: string;
  /**
   * Set when the app's settings point `cloud.url` at another origin than the config file's (or
   * `ECHO_CLOUD_URL`'s): the file's `cloud.api_token` was for that origin and is left out of this
   * config (docs/security.md, "Network"). Origins only, for the log and the status.
   */
  withheldApiToken?: { configuredFor: string; cloud: string };
}

/** The environment variables that override the file (documented in docs/configuration.md). */
export interface ConfigEnv {
  ECHO_CONFIG?: string;
  ECHO_DATA_DIR?: string;
  ECHO_CLOUD_URL?: string;
  ECHO_LOG_LEVEL?: string;
  /** `off`: no update check in the cloud (the desktop app sets it when its own update feed is configured). */
  ECHO_UPDATES_CHECK?: string;
}

/** The default data folder: per-user and per-OS, as desktop apps keep their state. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32')
    return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Echo');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Echo');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'echo');
}

/** Reads, overrides and validates a config file. Throws ConfigError naming every bad field. */
export function loadConfigFile(path: string, env: ConfigEnv = process.env): ResolvedConfig {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ConfigError('ECHO_ERR_CONFIG_NOT_FOUND', `Config file not found: ${absolute}`, [
      'pass --config <file>, set ECHO_CONFIG, or copy resources/echo.sample.yml',
    ]);
  }
  const text = readFileSync(absolute, 'utf8');
  let raw: unknown;
  try {
    raw = absolute.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError('ECHO_ERR_CONFIG_PARSE', `Config file ${absolute} is not valid YAML/JSON`, [
      error instanceof Error ? error.message.split('\n')[0]! : String(error),
    ]);
  }
  return resolveConfig(raw ?? {}, env, absolute);
}

/** Applies environment overrides and defaults to an already-parsed document, then validates it. */
export function resolveConfig(raw: unknown, env: ConfigEnv = process.env, source?: string): ResolvedConfig {
  const withEnv = applyEnv(raw, env);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) {
    throw new ConfigError(
      'ECHO_ERR_CONFIG_INVALID',
      `Invalid configuration${source ? ` in ${source}` : ''}`,
      formatIssues(parsed.error.issues, withEnv),
    );
  }
  const config = parsed.data;
  const duplicates = findDuplicates(config.machines.map((m) => m.name));
  if (duplicates.length > 0) {
    throw new ConfigError(
      'ECHO_ERR_CONFIG_INVALID',
      `Invalid configuration${source ? ` in ${source}` : ''}`,
      [
        `machines: duplicate name ${duplicates.map((d) => `"${d}"`).join(', ')}; each machine needs a unique name`,
      ],
    );
  }
  return {
    ...config,
    workstation_name: config.workstation_name ?? hostname(),
    data_dir: resolve(config.data_dir ?? defaultDataDir()),
    ...(source ? { source } : {}),
  };
}

function applyEnv(raw: unknown, env: ConfigEnv): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const doc = { ...(raw as Record<string, unknown>) };
  if (env.ECHO_DATA_DIR) doc.data_dir = env.ECHO_DATA_DIR;
  if (env.ECHO_CLOUD_URL) {
    const cloud = typeof doc.cloud === 'object' && doc.cloud !== null ? doc.cloud : {};
    doc.cloud = { ...cloud, url: env.ECHO_CLOUD_URL };
  }
  if (env.ECHO_LOG_LEVEL) {
    const log = typeof doc.log === 'object' && doc.log !== null ? doc.log : {};
    doc.log = { ...log, level: env.ECHO_LOG_LEVEL };
  }
  if (env.ECHO_UPDATES_CHECK) {
    const updates = typeof doc.updates === 'object' && doc.updates !== null ? doc.updates : {};
    doc.updates = { ...updates, check: env.ECHO_UPDATES_CHECK };
  }
  return doc;
}

function findDuplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const name of names) (seen.has(name) ? dups : seen).add(name);
  return [...dups];
}
