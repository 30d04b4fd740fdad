import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';

export interface FtpsUpload {
  name: string;
  bytes: number;
  sha256: string;
  /** Whether the data connection resumed the control connection's TLS session. */
  sessionReused: boolean;
}

export interface FtpsServerOptions {
  cert: string;
  key: string;
  user: string;
  password: string;
  /** The largest file it takes (552 above it). */
  maxUploadBytes?: number;
  /** Refuse a data connection that does not resume the control session (vsftpd `require_ssl_reuse`). */
  requireSessionReuse?: boolean;
  port?: number;
}

const MAX_COMMAND_BYTES = 1024;

/**
 * The printer's implicit-TLS FTP server (OpenBambuAPI ftp.md: `ftps://<ip>:990`, user `bblp`, the
 * LAN access code), for the simulator: the same certificate as MQTT, PBSZ/PROT P, PASV and EPSV
 * data connections over TLS that must resume the control connection's session, STOR into memory
 * with a size limit. Files land at the SD card root or in `cache/`; uploads are counted for tests.
 */
export class FtpsServer {
  /** Files on the "SD card", by name (a `cache/` prefix kept). */
  readonly files = new Map<string, Buffer>();
  readonly uploads: FtpsUpload[] = [];
  /** Control connections opened (the TLS handshake done), and logins that succeeded. */
  connections = 0;
  logins = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly dataServers = new Set<Server>();

  private constructor(private readonly options: FtpsServerOptions) {
    this.server = createServer({ cert: options.cert, key: options.key }, (socket) => this.session(socket));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: FtpsServerOptions): Promise<FtpsServer> {
    const server = new FtpsServer(options);
    await new Promise<void>((resolve) =>
      server.server.listen(options.port ?? 0, '127.0.0.1', () => resolve()),
    );
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A factory reset: the same server presents a new certificate. */
  setCertificate(cert: string, key: string): void {
    this.options.cert = cert;
    this.options.key = key;
    this.server.setSecureContext({ cert, key });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    for (const data of this.dataServers) data.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private session(socket: TLSSocket): void {
    this.connections++;
    socket.on('error', () => undefined);
    const reply = (line: string) => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let user: string | undefined;
    let authed = false;
    let passive: { server: Server; connection: Promise<TLSSocket> } | undefined;
    let buffer = '';
    let busy = Promise.resolve();
    const closePassive = () => {
      if (passive) {
        passive.server.close();
        this.dataServers.delete(passive.server);
        passive = undefined;
      }
    };
    socket.on('close', closePassive);
    const handle = async (line: string): Promise<void> => {
      const space = line.indexOf(' ');
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const argument = space < 0 ? '' : line.slice(space + 1);
      if (verb === 'QUIT') {
        reply('221 Goodbye.');
        socket.end();
        return;
      }
      if (verb === 'USER') {
        user = argument;
        authed = false;
        return reply('331 Please specify the password.');
      }
      if (verb === 'PASS') {
        if (user === this.options.user && argument === this.options.password) {
          authed = true;
          this.logins++;
          return reply('230 Login successful.');
        }
        return reply('530 Login incorrect.');
      }
      if (!authed) return reply('530 Please login with USER and PASS.');
      switch (verb) {
        case 'PBSZ':
          return reply('200 PBSZ=0');
        case 'PROT':
          return reply(argument.toUpperCase() === 'P' ? '200 PROT now Private.' : '536 PROT P required.');
        case 'TYPE':
          return reply('200 Switching to Binary mode.');
        case 'PASV':
        case 'EPSV': {
          closePassive();
          passive = await this.openPassive();
          const port = (passive.server.address() as AddressInfo).port;
          return reply(
            verb === 'PASV'
              ? `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 0xff}).`
              : `229 Entering Extended Passive Mode (|||${port}|).`,
          );
        }
        case 'STOR': {
          const name = argument.replace(/^\/+/, '');
          if (!/^(cache\/)?[^/\\]+$/.test(name)) return reply('553 Could not create file.');
          const open = passive;
          passive = undefined;
          if (!open) return reply('425 Use PORT or PASV first.');
          reply('150 Ok to send data.');
          try {
            const data = await Promise.race([
              open.connection,
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error('no data connection')), 10_000),
              ),
            ]);
            await this.receive(name, data, reply);
          } catch {
            reply('425 Failed to establish connection.');
          } finally {
            open.server.close();
            this.dataServers.delete(open.server);
          }
          return;
        }
        default:
          return reply('502 Command not implemented.');
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (buffer.length > MAX_COMMAND_BYTES && !buffer.includes('\n')) {
        socket.destroy();
        return;
      }
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        busy = busy
          .then(() => handle(line))
          .catch(() => {
            socket.destroy();
          });
        newline = buffer.indexOf('\n');
      }
    });
    reply('220 Bambu FTP server ready.');
  }

  /** A passive data listener on the same certificate, sharing the control server's ticket keys. */
  private async openPassive(): Promise<{ server: Server; connection: Promise<TLSSocket> }> {
    let accept: (socket: TLSSocket) => void = () => undefined;
    const connection = new Promise<TLSSocket>((resolve) => {
      accept = resolve;
    });
    const server = createServer(
      { cert: this.options.cert, key: this.options.key, ticketKeys: this.server.getTicketKeys() },
      (socket) => {
        socket.on('error', () => undefined);
        accept(socket);
      },
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    this.dataServers.add(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return { server, connection };
  }

  private receive(name: string, data: TLSSocket, reply: (line: string) => void): Promise<void> {
    const limit = this.options.maxUploadBytes ?? 64 * 1024 * 1024;
    const sessionReused = data.isSessionReused();
    if ((this.options.requireSessionReuse ?? true) && !sessionReused) {
      data.destroy();
      reply('522 SSL connection failed: session reuse required');
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let over = false;
      data.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limit) {
          over = true;
          data.destroy();
          return;
        }
        chunks.push(chunk);
      });
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        if (over) {
          reply('552 Exceeded storage allocation.');
          return resolve();
        }
        const content = Buffer.concat(chunks);
        this.files.set(name, content);
        this.uploads.push({
          name,
          bytes: content.length,
          sha256: createHash('sha256').update(content).digest('hex'),
          sessionReused,
        });
        // Like the printer: no close_notify back, the data connection just closes.
        data.destroy();
        reply('226 Transfer complete.');
        resolve();
      };
      data.once('end', end);
      data.once('close', () => {
        if (over) return end();
        if (ended) return;
        ended = true;
        reply('426 Connection closed; transfer aborted.');
        resolve();
      });
    });
  }
}
