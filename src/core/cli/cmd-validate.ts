import { allCollectors } from '../../collectors/all.ts';
import { ConfigError } from '../../shared/errors.ts';
import { validateMachines } from '../collection/validate-machines.ts';
import { loadConfigFile } from '../config/load.ts';
import { out } from './output.ts';

/** `echo-agent validate-config F`: checks a file without connecting anywhere. */
export function validateCommand(path: string | undefined): number {
  if (!path) throw new Error('usage: echo-agent validate-config <file>');
  const config = loadConfigFile(path);
  const problems = validateMachines(config.machines, allCollectors());
  if (problems.length > 0)
    throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `Invalid machines in ${config.source}`, problems);
  out(`OK: ${path}`);
  out(`  cloud ${config.cloud.url}; data_dir ${config.data_dir}; ${config.machines.length} machine(s)`);
  if (config.cloud.api_token?.secret) {
    out(
      '  warning: cloud.api_token.secret is written in plain text; prefer secret_ref (env:, store: or file:)',
    );
  }
  return 0;
}
