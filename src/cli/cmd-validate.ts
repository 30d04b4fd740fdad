import { join } from 'node:path';
import { allCollectors } from '../collectors/all.ts';
import {
  LOCAL_SETTINGS_FILE,
  loadConfigFile,
  readLocalSettings,
  validateMachines,
  withheldTokenReason,
  withLocalSettings,
} from '../core/index.ts';
import { ConfigError } from '../shared/errors.ts';
import { out } from './output.ts';

/** `echo-agent validate-config F`: checks a file without connecting anywhere. */
export function validateCommand(path: string | undefined): number {
  if (!path) throw new Error('usage: echo-agent validate-config <file>');
  const config = loadConfigFile(path);
  const problems = validateMachines(config.machines, allCollectors());
  if (problems.length > 0)
    throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `Invalid machines in ${config.source}`, problems);
  // What the agent will run with: the file plus what the operator changed in the app (a damaged
  // settings.local.json stops `run` too, so it is reported here, naming the file and the field).
  const effective = withLocalSettings(config);
  out(`OK: ${path}`);
  out(`  cloud ${effective.cloud.url}; data_dir ${config.data_dir}; ${config.machines.length} machine(s)`);
  const changed = readLocalSettings(config.data_dir);
  const keys = Object.entries(changed).flatMap(([section, values]) =>
    Object.keys(values ?? {}).map((key) => `${section}.${key}`),
  );
  if (keys.length > 0)
    out(`  changed in the app (${join(config.data_dir, LOCAL_SETTINGS_FILE)}): ${keys.join(', ')}`);
  if (effective.withheldApiToken) out(`  warning: ${withheldTokenReason(effective.withheldApiToken)}`);
  if (config.cloud.api_token?.secret) {
    out(
      '  warning: cloud.api_token.secret is written in plain text; prefer secret_ref (env:, store: or file:)',
    );
  }
  return 0;
}
