import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import {
  type ClientSession,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  setDebugLogger,
  setErrorLogger,
  setWarningLogger,
  UserTokenType,
} from 'node-opcua-client';
import type { CollectorLogger } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { networkError } from './network-error.ts';
import type { OpcuaSecurity } from './opcua-config.ts';
import { type OpcuaTrust, trustOnly } from './opcua-trust.ts';

export interface OpcuaSessionOptions {
  endpointUrl: string;
  security: OpcuaSecurity;
  user?: { username: string; password: string };
  /** Echo's own certificate and key, shared by every machine (`data_dir/pki`). */
  pkiDir: string;
  /** This machine's trust folder: its pinned server certificate only. */
  trustDir: string;
  /** The collection's certificate stores (`opcuaTrust(ctx.shared)`). */
  trust: OpcuaTrust;
  applicationName: string;
  logger: CollectorLogger;
  signal: AbortSignal;
  /** The largest message the server may send (`CollectorContext.limits.maxMessageBytes`). */
  maxMessageBytes: number;
}

export interface OpcuaConnection {
  client: OPCUAClient;
  session: ClientSession;
  /** Set when the connection or session is lost; the next poll reports it. */
  lost: () => CollectorError | undefined;
  close(): Promise<void>;
}

/**
 * node-opcua prints to the console by itself, through process-wide hooks set when it is imported.
 * Its messages go instead to the pino logger of the machine whose session produced them, at debug
 * level: each session is opened inside `libraryLog.run(machine's logger)`, and the sockets and
 * timers it creates carry that context, so a message lands in the right machine's log and nowhere
 * when no machine's work caused it. No logger is kept in module state.
 */
const libraryLog = new AsyncLocalStorage<CollectorLogger>();
const librarySink = (...args: unknown[]) =>
  libraryLog.getStore()?.debug({ lib: 'node-opcua' }, args.map(String).join(' '));
setDebugLogger(librarySink);
setWarningLogger(librarySink);
setErrorLogger(librarySink);

export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * Opens a secured OPC UA session. The server's certificate is checked first, over an unsecured
 * GetEndpoints call that carries no credential: unknown (not pinned yet) or changed, it is an
 * `untrusted_certificate` failure with its fingerprint, a clear state for the operator to accept,
 * never a silent retry loop; pinned, it becomes the only certificate in the machine's own trust
 * folder (`trustDir`), then the secure channel and the session (user name and password, or
 * anonymous) are opened. Echo's own client certificate lives in `pkiDir`, made on first use.
 */
export function openOpcuaSession(options: OpcuaSessionOptions): Promise<OpcuaConnection> {
  return libraryLog.run(options.logger, () => openSession(options));
}

async function openSession(options: OpcuaSessionOptions): Promise<OpcuaConnection> {
  const { security, endpointUrl, signal } = options;
  const mode = MessageSecurityMode[security.mode];
  const policy = SecurityPolicy[security.policy];
  const manager = await options.trust.machineStore(options.trustDir, options.pkiDir);
  if (security.mode !== 'None') await trustServer(options, manager);

  const client = OPCUAClient.create({
    applicationName: options.applicationName,
    securityMode: mode,
    securityPolicy: policy,
    endpointMustExist: false,
    keepSessionAlive: true,
    requestedSessionTimeout: 60_000,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    // Told to the server in HEL and enforced by the transport: a bigger message ends the channel.
    transportSettings: { maxMessageSize: options.maxMessageBytes, maxChunkCount: 0 },
    clientCertificateManager: manager,
    certificateFile: join(options.pkiDir, 'own', 'certs', 'echo-client.pem'),
    privateKeyFile: join(options.pkiDir, 'own', 'private', 'private_key.pem'),
  });
  let lost: CollectorError | undefined;
  client.on('connection_lost', () => {
    lost ??= new CollectorError('unreachable', `${endpointUrl}: the connection to the server was lost`);
  });
  client.on('close', () => {
    lost ??= new CollectorError('unreachable', `${endpointUrl}: the server closed the connection`);
  });
  const onAbort = () => void client.disconnect().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(endpointUrl);
    const session = await client.createSession(
      options.user
        ? { type: UserTokenType.UserName, userName: options.user.username, password: options.user.password }
        : { type: UserTokenType.Anonymous },
    );
    session.on('session_closed', () => {
      lost ??= new CollectorError('unreachable', `${endpointUrl}: the session was closed by the server`);
    });
    return {
      client,
      session,
      lost: () => lost,
      async close() {
        await session.close().catch(() => undefined);
        await client.disconnect().catch(() => undefined);
      },
    };
  } catch (error) {
    await client.disconnect().catch(() => undefined);
    throw mapOpcuaError(endpointUrl, error, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function trustServer(options: OpcuaSessionOptions, manager: OPCUACertificateManager): Promise<void> {
  const { endpointUrl, security } = options;
  const discovery = OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
  let certificate: Buffer | undefined;
  try {
    await discovery.connect(endpointUrl);
    const endpoints = await discovery.getEndpoints();
    const wanted = endpoints.find(
      (e) =>
        e.securityMode === MessageSecurityMode[security.mode] &&
        e.securityPolicyUri === SecurityPolicy[security.policy],
    );
    if (!wanted) {
      const offered = endpoints.map(
        (e) => `${MessageSecurityMode[e.securityMode]}/${(e.securityPolicyUri ?? '').split('#')[1]}`,
      );
      throw new CollectorError(
        'protocol',
        `${endpointUrl}: the server offers no ${security.mode}/${security.policy} endpoint (it offers ${offered.join(', ')}); set connection.security to one of them`,
      );
    }
    certificate = wanted.serverCertificate ? Buffer.from(wanted.serverCertificate) : undefined;
  } catch (error) {
    throw mapOpcuaError(endpointUrl, error, options.signal);
  } finally {
    await discovery.disconnect().catch(() => undefined);
  }
  if (!certificate) throw new CollectorError('protocol', `${endpointUrl}: the server sent no certificate`);
  const presented = fingerprintOf(certificate);
  const pinned = security.server_certificate_fingerprint;
  const details = { fingerprint: presented };
  if (!pinned) {
    throw new CollectorError(
      'untrusted_certificate',
      `${endpointUrl}: the OPC UA server presented a certificate Echo does not know yet (SHA-256 ${presented}); compare it with the server and accept it: set connection.security.server_certificate_fingerprint`,
      undefined,
      details,
    );
  }
  if (pinned !== presented) {
    throw new CollectorError(
      'untrusted_certificate',
      `${endpointUrl}: the server's certificate changed (pinned ${pinned}, presented ${presented}); check it and accept the new one`,
      undefined,
      details,
    );
  }
  await trustOnly(manager, certificate);
}

/** OPC UA status codes and socket errors → collector error kinds. */
export function mapOpcuaError(where: string, error: unknown, signal?: AbortSignal): CollectorError {
  if (error instanceof CollectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid/.test(message)) {
    return new CollectorError('auth', `${where}: the server refused the user name or password`, error);
  }
  if (/BadCertificate|BadSecurityChecksFailed/.test(message)) {
    return new CollectorError(
      'untrusted_certificate',
      `${where}: the certificate exchange failed (${message.split('\n')[0]}); the server may not trust Echo's client certificate yet (in data_dir/pki/own)`,
      error,
    );
  }
  if (
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|socket has been disconnected|Connection Break/i.test(
      message,
    )
  ) {
    return new CollectorError('unreachable', `${where}: ${message.split('\n')[0]}`, error);
  }
  return networkError(where, error, signal);
}
