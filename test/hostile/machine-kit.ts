/**
 * What the hostile fake machines in this folder (`machine-*.ts`) share: what the agent must show
 * for a hostile machine, the hostile payloads several of them send (deep JSON, a megabyte of
 * filler), writing without end under back-pressure, listening on a free port, tracking and closing
 * connections, and the self-signed certificate of the TLS fakes.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import {
  type SelfSignedCertificate,
  selfSignedCertificate,
} from '../../src/collectors/sdk/simulator/self-signed-certificate.ts';

export const MB = 1024 * 1024;

/** What the agent must show for a hostile machine: its `live.lastError` and snapshot state. */
export interface Expectation {
  error: RegExp;
  state: RegExp;
  /**
   * The machine recovers between failures by design: the error must recur during the attack
   * (seen, with at least two failures), rather than be the one shown at the end.
   */
  recurring?: boolean;
}

/** `{"a":{"a":…1…}}`, `levels` deep: 20,000 levels is 120 KB of text. */
export function deepJson(levels: number, key = 'a'): string {
  return `${`{"${key}":`.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** Writes `chunk` again and again, honouring back-pressure, until `total` bytes or the peer goes. */
export function pump(
  stream: Writable,
  chunk: Buffer,
  total: number,
  onSent: (bytes: number) => void,
  then?: () => void,
): void {
  let sent = 0;
  const write = () => {
    while (sent < total && !stream.destroyed) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      onSent(piece.length);
      if (!stream.write(piece)) {
        stream.once('drain', write);
        return;
      }
    }
    if (sent >= total && !stream.destroyed) then?.();
  };
  stream.on('error', () => undefined);
  write();
}

export async function listen(server: Server | import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it holds. */
export async function shut(server: import('node:net').Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function track(server: import('node:net').Server, sockets: Set<Socket>, event = 'connection'): void {
  server.on(event, (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
}

/** A JSON document nested 20,000 levels deep. */
export const DEEP_JSON = deepJson(20_000);
/** 1 MB of JSON string content, reused for every streamed megabyte. */
export const FILLER = Buffer.alloc(MB, 'x');

/** One self-signed certificate for every TLS fake (making one takes a moment). */
export function certificate(commonName: string): Promise<SelfSignedCertificate> {
  return selfSignedCertificate(commonName);
}
