import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A simulator's HTTP server on the loopback address: an async handler whose failure is a 500 (a
 * simulator bug shows in the test, never as an unhandled rejection), and a close that ends open
 * keep-alive connections too, so that a test's `after` never waits for them.
 */
export class LoopbackHttpServer {
  readonly host = '127.0.0.1';
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    port = 0,
  ): Promise<LoopbackHttpServer> {
    const server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    const started = new LoopbackHttpServer(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    return started;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
