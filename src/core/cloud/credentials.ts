import type { EchoConfig } from '../../shared/config/schema.ts';
import { EchoError } from '../../shared/errors.ts';
import { resolveSecretRef, type SecretStore } from '../secrets/secret-store.ts';
import type { CloudHttpClient } from './http-client.ts';
import { apiTokenReply, bureauReply, listReply, sessionReply } from './replies.ts';

/** The secret-store entry where `echo-agent login` keeps the api token. */
export const TOKEN_SECRET_NAME = 'cloud.api_token';

export interface ApiToken {
  uuid: string;
  secret: string;
  userUuid: string | null;
}

/**
 * The credential to use: a token stored by `login` wins (it is the operator's latest intent), else
 * the token in the config (inline or by reference), else none.
 */
export function loadApiToken(config: Pick<EchoConfig, 'cloud'>, secrets: SecretStore): ApiToken | undefined {
  const stored = secrets.get(TOKEN_SECRET_NAME);
  if (stored) {
    const parsed = JSON.parse(stored) as ApiToken;
    return { uuid: parsed.uuid, secret: parsed.secret, userUuid: parsed.userUuid ?? null };
  }
  const configured = config.cloud.api_token;
  if (!configured) return undefined;
  const secret = configured.secret ?? resolveSecretRef(configured.secret_ref!, secrets);
  return { uuid: configured.uuid, secret, userUuid: null };
}

/**
 * Why the config file's api token is not used (the app's settings point `cloud.url` at another
 * origin, see `applyLocalSettings`): for the log and `status` (`cloud.authError`).
 */
export function withheldTokenReason(withheld: { configuredFor: string; cloud: string }): string {
  return (
    `the api token in the config file is for ${withheld.configuredFor}, not ${withheld.cloud} (the cloud URL set in the app), ` +
    'so it is not sent there: sign in to that cloud, or set cloud.url in the config file'
  );
}

export interface LoginRequest {
  username: string;
  password: string;
  ldap: boolean;
  workstationName: string;
}

/**
 * The operator login of the contract: a session from `/sessions/`, then an api token from
 * `/api_tokens/` that Echo keeps in the secret store. The password is used for this exchange only
 * and never stored.
 */
export async function loginForToken(
  client: CloudHttpClient,
  request: LoginRequest,
  secrets: SecretStore,
): Promise<ApiToken> {
  client.auth = { kind: 'none' };
  const body = request.ldap
    ? { ldap_username: request.username, password: request.password, logon_type: 'ldap' }
    : { username: request.username, password: request.password, logon_type: 'password' };
  const session = await client.send({ method: 'POST', url: 'sessions/', json: body });
  const cookie = /(?:^|,\s*)(session=[^;,]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie)
    throw new EchoError('ECHO_ERR_CLOUD_REPLY_INVALID', 'POST /sessions/ answered without a session cookie');
  client.auth = { kind: 'session', cookie };
  await client.json({ method: 'GET', url: 'sessions/' }, sessionReply);
  const token = await client.json(
    { method: 'POST', url: 'api_tokens/', json: { name: `Echo ${request.workstationName}` } },
    apiTokenReply,
  );
  const stored: ApiToken = { uuid: token.uuid, secret: token.secret, userUuid: token.user_uuid ?? null };
  secrets.set(TOKEN_SECRET_NAME, JSON.stringify(stored));
  client.auth = { kind: 'token', uuid: stored.uuid, secret: stored.secret };
  return stored;
}

/**
 * "Use an API token": an operator pastes a token made in the cloud (uuid and secret). It is
 * checked with one authenticated read (`GET /bureau/`, which registration needs anyway) before it
 * is kept where `login` keeps its token: a wrong one is refused at once, not at the next sync.
 */
export async function useApiToken(
  client: CloudHttpClient,
  token: { uuid: string; secret: string },
  secrets: SecretStore,
): Promise<ApiToken> {
  client.auth = { kind: 'token', uuid: token.uuid, secret: token.secret };
  await client.json({ method: 'GET', url: 'bureau/' }, listReply(bureauReply));
  const stored: ApiToken = { uuid: token.uuid, secret: token.secret, userUuid: null };
  secrets.set(TOKEN_SECRET_NAME, JSON.stringify(stored));
  return stored;
}

/** Signs out: forgets the stored token (a token in the config file stays; remove it there). */
export function forgetApiToken(secrets: SecretStore): void {
  secrets.delete(TOKEN_SECRET_NAME);
}
