import { request } from 'node:http';
import type { Socket } from 'node:net';
import { type DetailedPeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';

/**
 * Who issued the certificate `url`'s server (or the TLS-inspecting proxy in front of it) shows:
 * a handshake that does not verify, made only to name the issuer in an error. Through `proxy`
 * with a CONNECT, as the real request went. Undefined when it cannot be learnt in `timeoutMs`.
 */
export async function certificateIssuer(
  url: string,
  options: { proxy?: string; proxyAuthorization?: string; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return undefined;
  const port = Number(target.port || 443);
  const timeoutMs = options.timeoutMs ?? 5000;
  let socket: Socket | undefined;
  let tls: TLSSocket | undefined;
  const timer = setTimeout(() => {
    socket?.destroy();
    tls?.destroy();
  }, timeoutMs);
  try {
    socket = options.proxy
      ? await tunnel(options.proxy, target.hostname, port, options.proxyAuthorization)
      : undefined;
    tls = tlsConnect({
      ...(socket ? { socket } : { host: target.hostname, port }),
      servername: isIp(target.hostname) ? undefined : target.hostname,
      rejectUnauthorized: false,
    });
    const secured = tls;
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', () => resolve());
      secured.once('error', reject);
      secured.once('close', () => reject(new Error('closed')));
    });
    return topIssuer(secured.getPeerCertificate(true));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    tls?.destroy();
    socket?.destroy();
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** The issuer at the top of the chain the server sent: the CA the PC would have to trust. */
function topIssuer(leaf: DetailedPeerCertificate): string | undefined {
  let cert = leaf;
  for (let depth = 0; depth < 10 && cert.issuerCertificate && cert.issuerCertificate !== cert; depth++) {
    cert = cert.issuerCertificate;
  }
  const issuer = cert.issuer as Record<string, string | string[] | undefined> | undefined;
  if (!issuer) return undefined;
  const pick = (key: string) => {
    const value = issuer[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const name = pick('CN') ?? pick('O');
  const org = pick('O');
  return name && org && org !== name ? `"${name}" (${org})` : name ? `"${name}"` : undefined;
}

function tunnel(
  proxy: string,
  host: string,
  port: number,
  authorization: string | undefined,
): Promise<Socket> {
  const via = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = request({
      host: via.hostname,
      port: Number(via.port || 80),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: {
        host: `${host}:${port}`,
        ...(authorization ? { 'proxy-authorization': authorization } : {}),
      },
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`the proxy answered ${res.statusCode}`));
      }
    });
    req.once('error', reject);
    req.end();
  });
}
