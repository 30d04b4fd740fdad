import { join } from 'node:path';
import { allCollectors } from '../collectors/all.ts';
import {
  CloudNetwork,
  checkNetwork,
  cloudTrust,
  LOCAL_SETTINGS_FILE,
  loadConfigFile,
  openSecretStore,
  type ResolvedConfig,
  readLocalSettings,
  validateMachines,
  withheldTokenReason,
  withLocalSettings,
} from '../core/index.ts';
import { ConfigError } from '../shared/errors.ts';
import { networkLines } from './network-lines.ts';
import { out } from './output.ts';

/**
 * `echo-agent validate-config F`: checks a file without connecting anywhere; with
 * `--check-network`, also whether the cloud answers the way the agent would reach it (proxy, CA).
 */
export async function validateCommand(
  path: string | undefined,
  flags: { 'check-network'?: boolean } = {},
): Promise<number> {
  if (!path) throw new Error('usage: echo-agent validate-config <file> [--check-network]');
  const config = loadConfigFile(path);
  const problems = validateMachines(config.machines, allCollectors());
  if (problems.length > 0)
    throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `Invalid machines in ${config.source}`, problems);
  // What the agent will run with: the file plus what the operator changed in the app (a damaged
  // settings.local.json stops `run` too, so it is reported here, naming the file and the field).
  const effective = withLocalSettings(config);
  // The CA bundle is read and parsed as at start: a wrong file is said now, naming it and the fix.
  const trust = cloudTrust(effective.cloud);
  out(`OK: ${path}`);
  out(`  cloud ${effective.cloud.url}; data_dir ${config.data_dir}; ${config.machines.length} machine(s)`);
  const changed = readLocalSettings(config.data_dir);
  const keys = Object.entries(changed).flatMap(([section, values]) =>
    Object.keys(values ?? {}).map((key) => `${section}.${key}`),
  );
  if (keys.length > 0)
    out(`  changed in the app (${join(config.data_dir, LOCAL_SETTINGS_FILE)}): ${keys.join(', ')}`);
  if (trust.added.length > 0) out(`  cloud CAs besides Node's: ${trust.added.join('; ')}`);
  if (effective.withheldApiToken) out(`  warning: ${withheldTokenReason(effective.withheldApiToken)}`);
  if (config.cloud.api_token?.secret) {
    out(
      '  warning: cloud.api_token.secret is written in plain text; prefer secret_ref (env:, store: or file:)',
    );
  }
  if (!flags['check-network']) return 0;
  return (await checkNetworkOf(effective)) ? 0 : 1;
}

/**
 * The agent's proxy check, for this file: the same proxy (configuration, environment; the system
 * settings are the desktop app's only) and CAs. True when the cloud answers the way Echo uses.
 */
async function checkNetworkOf(config: ResolvedConfig): Promise<boolean> {
  const network = new CloudNetwork({ cloud: config.cloud, secrets: openSecretStore(config.data_dir) });
  try {
    const check = await checkNetwork(network, config.cloud.url, {
      timeoutMs: Math.min(config.cloud.request_timeout_ms, 10_000),
    });
    for (const line of networkLines(check)) out(line);
    return check.reachable;
  } finally {
    await network.close();
  }
}
