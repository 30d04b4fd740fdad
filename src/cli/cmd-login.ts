import {
  CloudHttpClient,
  CloudNetwork,
  CredentialOrigins,
  loadConfigFile,
  loginForToken,
  openSecretStore,
  withLocalSettings,
} from '../core/index.ts';
import { configPath } from './config-arg.ts';
import { out } from './output.ts';
import { prompt, readStdin } from './prompt.ts';

/**
 * `echo-agent login`: exchanges an operator's password (or LDAP login) for an api token kept in the
 * secret store. The password is asked for (or read from stdin) and never stored. A running agent
 * picks the new token up within seconds.
 */
export async function loginCommand(flags: {
  config?: string;
  username?: string;
  ldap?: boolean;
  'password-stdin'?: boolean;
}): Promise<number> {
  // The cloud the agent works with (the app may have changed cloud.url): a token is for its origin only.
  const config = withLocalSettings(loadConfigFile(configPath(flags.config)));
  const username = flags.username ?? (await prompt(flags.ldap ? 'LDAP username: ' : 'Username: '));
  const password = flags['password-stdin'] ? await readStdin() : await prompt('Password: ', true);
  const secrets = openSecretStore(config.data_dir);
  // Through the same proxy and CAs as the agent (docs/network.md).
  const network = new CloudNetwork({ cloud: config.cloud, secrets });
  const client = new CloudHttpClient(
    config.cloud.url,
    config.cloud.request_timeout_ms,
    new CredentialOrigins([config.cloud.url]),
    network,
  );
  const token = await loginForToken(
    client,
    { username, password, ldap: flags.ldap ?? false, workstationName: config.workstation_name },
    secrets,
  ).finally(() => network.close());
  out(
    `Signed in to ${config.cloud.url} as ${username}; api token ${token.uuid} stored in ${secrets.description}.`,
  );
  return 0;
}
