import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { CredentialOrigins } from './credential-origins.ts';
import { forgetApiToken, loginForToken, useApiToken } from './credentials.ts';
import { type CloudDispatchers, CloudHttpClient } from './http-client.ts';

/** Runs a request through the cloud gate, as an operator waits for it. */
export type Gated = <T>(request: () => Promise<T>) => Promise<T>;

/**
 * Signing in and out from the operator UI or the CLI: the api token is kept in the secret store
 * (never the password), and `changed` tells the sync engine to pick the credential up.
 */
export class CloudAccount {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
    private readonly changed: () => void,
    private readonly network?: CloudDispatchers,
    /** The shared Retry-After gate, as an operator waits for it (sync/through-gate.ts). */
    private readonly gated: Gated = (request) => request(),
  ) {}

  async signIn(request: { username: string; password: string; ldap: boolean }): Promise<void> {
    await this.gated(() =>
      loginForToken(
        this.client(),
        { ...request, workstationName: this.config.workstation_name },
        this.secrets,
      ),
    );
    this.logger.info({ username: request.username }, 'signed in; api token stored');
    this.changed();
  }

  /** Signs in with an API token made in the cloud (checked first, then kept in the secret store). */
  async useApiToken(token: { uuid: string; secret: string }): Promise<void> {
    await this.gated(() => useApiToken(this.client(), token, this.secrets));
    this.logger.info({ token: token.uuid }, 'signed in with an api token; stored');
    this.changed();
  }

  signOut(): void {
    forgetApiToken(this.secrets);
    this.logger.info('signed out; collection goes on and data waits in the store');
    this.changed();
  }

  private client(): CloudHttpClient {
    return new CloudHttpClient(
      this.config.cloud.url,
      this.config.cloud.request_timeout_ms,
      new CredentialOrigins([this.config.cloud.url]),
      this.network,
    );
  }
}
