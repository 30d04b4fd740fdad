import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One request that reached the proxy. */
export interface ProxiedRequest {
  /** `CONNECT` for a tunnel (HTTPS), else the forwarded request's method. */
  method: string;
  /** `host:port` for a tunnel, the absolute URI for a forwarded request. */
  target: string;
  /** Whether it carried the right `Proxy-Authorization` (true when the proxy asks for none). */
  authorized: boolean;
  /** The user name of a Basic `Proxy-Authorization`, right or wrong; absent without one. */
  username?: string;
}

export interface ConnectProxyOptions {
  /** Basic credentials the proxy requires; without them it lets everyone through. */
  auth?: { username: string; password: string };
  /**
   * Names the proxy resolves itself (name → address), as a corporate proxy resolves outside names
   * the workstation's DNS does not know: a host only reachable through the proxy.
   */
  hosts?: Record<string, string>;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` (no credentials in it). */
  readonly url: string;
  readonly port: number;
  /** What reached the proxy, in order, refused requests included. */
  readonly requests: ProxiedRequest[];
  /**
   * The local port of every connection the proxy opened onward (tunnels and forwards): a server
   * that sees only these ports as its clients was reached only through the proxy.
   */
  readonly upstreamPorts: Set<number>;
  /** The URL with the credentials of `options.auth` (or any given), as `HTTPS_PROXY` carries them. */
  urlWithCredentials(username?: string, password?: string): string;
  /** Stops listening and destroys open connections and tunnels. */
  close(): Promise<void>;
}

/**
 * A real forward proxy on 127.0.0.1, as a corporate network has: `CONNECT host:port` opens a tunnel
 * (HTTPS goes through it, still encrypted end to end), a request with an absolute URI
 * (`GET http://host:port/path`) is forwarded. With `auth`, a request without the right Basic
 * `Proxy-Authorization` is answered `407` with `Proxy-Authenticate: Basic realm="test"`.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const requests: ProxiedRequest[] = [];
  const upstreamPorts = new Set<number>();
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  function check(method: string, target: string, headers: IncomingHttpHeaders): boolean {
    const header = headers['proxy-authorization'];
    let username: string | undefined;
    let password: string | undefined;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      username = colon >= 0 ? decoded.slice(0, colon) : decoded;
      password = colon >= 0 ? decoded.slice(colon + 1) : '';
    }
    const authorized =
      !options.auth || (username === options.auth.username && password === options.auth.password);
    requests.push({ method, target, authorized, ...(username !== undefined ? { username } : {}) });
    return authorized;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    let url: URL;
    try {
      url = new URL(target);
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
      res.end('a proxy request needs an absolute http:// URI');
      return;
    }
    if (!check(req.method ?? '', target, req.headers)) {
      req.resume();
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': 0 });
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      {
        host: options.hosts?.[url.hostname] ?? url.hostname,
        port: url.port || 80,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.rawHeaders);
        reply.pipe(res);
      },
    );
    upstream.on('socket', (socket) => {
      track(socket);
      socket.once('connect', () => {
        if (socket.localPort !== undefined) upstreamPorts.add(socket.localPort);
      });
    });
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('the proxy could not reach the target');
      } else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    if (!check('CONNECT', target, req.headers)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n' +
          'Content-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!match) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream: Socket = connect(Number(match[2]), options.hosts?.[match[1]!] ?? match[1]!);
    track(upstream);
    let established = false;
    upstream.once('connect', () => {
      established = true;
      if (upstream.localPort !== undefined) upstreamPorts.add(upstream.localPort);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (!established) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      } else client.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    upstreamPorts,
    urlWithCredentials(username = options.auth?.username ?? '', password = options.auth?.password ?? '') {
      return `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    },
    close() {
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          for (const socket of sockets) socket.destroy();
          resolve();
          return;
        }
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
