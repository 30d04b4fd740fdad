import { existsSync } from 'node:fs';
import { ConfigError } from '../shared/errors.ts';

/** The config path from `--config`, else ECHO_CONFIG, else ./echo.yml when present. */
export function configPath(flag: string | undefined): string {
  const path = flag ?? process.env.ECHO_CONFIG ?? (existsSync('echo.yml') ? 'echo.yml' : undefined);
  if (!path) {
    throw new ConfigError('ECHO_ERR_CONFIG_NOT_FOUND', 'No configuration given', [
      'pass --config <file> or set ECHO_CONFIG (resources/echo.sample.yml is a starting point)',
    ]);
  }
  return path;
}
