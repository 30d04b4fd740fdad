import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { CollectorError } from './collector-error.ts';
import { networkError } from './network-error.ts';
import { connectPinnedTls, type TlsTrust } from './pinned-tls.ts';

/** The longest control reply line Echo reads; a server that sends more is broken or hostile. */
const MAX_LINE_BYTES = 2048;
/** The most lines of one multi-line reply (`211-…` … `211 End`). */
const MAX_REPLY_LINES = 64;
/** Replies waiting to be read: a server that talks without being asked is cut off. */
const MAX_QUEUED_REPLIES = 8;
/** How long each step (a reply, a connection) may take. */
const STEP_MS = 15_000;
/** How long the data connection may stall while the file is sent. */
const IDLE_MS = 30_000;

export interface FtpsUploadOptions {
  host: string;
  /** The implicit-TLS control port (990 on most machines). */
  port: number;
  /** The same trust as the machine's other TLS connection: the certificate is checked before USER. */
  trust: TlsTrust;
  expectedName?: string;
  username: string;
  password: string;
  /** The local file, streamed from disk. */
  localPath: string;
  /** The name on the server: a plain file name, optionally in a folder (`cache/part.3mf`). */
  remoteName: string;
  signal: AbortSignal;
  stepTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export interface FtpsUploadResult {
  bytes: number;
  /** The server's answer to the upload (`226 …`). */
  reply: string;
  /** Whether the data connection resumed the control connection's TLS session. */
  sessionReused: boolean;
}

interface FtpReply {
  code: number;
  text: string;
}

/**
 * Uploads one file over implicit FTPS (TLS from the first byte, RFC 4217 on port 990): the control
 * connection is opened with `connectPinnedTls`, so no user name or password is written before the
 * certificate checked out; then USER/PASS, PBSZ 0 and PROT P (a protected data channel), TYPE I,
 * PASV (EPSV when PASV is not offered), STOR, the file streamed over a data connection that is TLS
 * too, resuming the control connection's TLS session (servers such as vsftpd with
 * `require_ssl_reuse` refuse a data connection that does not) and showing the same certificate,
 * then QUIT. The PASV address is ignored: the data connection goes to the control host. Every
 * reply line is bounded, every step timed; failures are `CollectorError`s (`auth` on 530).
 */
export async function ftpsUpload(options: FtpsUploadOptions): Promise<FtpsUploadResult> {
  const where = `${options.host}:${options.port}`;
  for (const [what, value] of [
    ['file name', options.remoteName],
    ['user name', options.username],
    ['password', options.password],
  ] as const) {
    if (value === '' || /[\r\n\0]/.test(value)) {
      throw new CollectorError('protocol', `${where}: the FTP ${what} is empty or has a line break`);
    }
  }
  const size = (await stat(options.localPath)).size;
  const stepMs = options.stepTimeoutMs ?? STEP_MS;
  const control = await connectPinnedTls({
    host: options.host,
    port: options.port,
    trust: options.trust,
    ...(options.expectedName ? { expectedName: options.expectedName } : {}),
    signal: options.signal,
  });
  // TLS 1.3 hands its session ticket over after the handshake: keep the latest.
  let session: Buffer | undefined = control.getSession();
  control.on('session', (s: Buffer) => {
    session = s;
  });
  const presented = control.getPeerCertificate().fingerprint256;
  const replies = new ControlReplies(control, where);
  let data: Socket | TLSSocket | undefined;
  const send = (line: string) => control.write(`${line}\r\n`);
  const next = () => replies.next(stepMs, options.signal);
  const expect = async (step: string, codes: readonly number[]): Promise<FtpReply> => {
    const reply = await next();
    if (!codes.includes(reply.code)) throw unexpected(where, step, reply);
    return reply;
  };
  try {
    await expect('the greeting', [220]);
    send(`USER ${options.username}`);
    const user = await expect('USER', [230, 331]);
    if (user.code === 331) {
      send(`PASS ${options.password}`);
      await expect('PASS', [230, 202]);
    }
    send('PBSZ 0');
    await expect('PBSZ 0', [200]);
    send('PROT P');
    await expect('PROT P', [200]);
    send('TYPE I');
    await expect('TYPE I', [200]);
    const dataPort = await passivePort(send, next, where);
    const tcp = connectTcp({ host: options.host, port: dataPort });
    data = tcp;
    await settle(tcp, 'connect', stepMs, options.signal, `${where}: the data connection`);
    send(`STOR ${options.remoteName}`);
    await expect(`STOR ${options.remoteName}`, [125, 150]);
    const secure = connectTls({
      socket: tcp,
      ...(session ? { session } : {}),
      ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
      rejectUnauthorized: false,
    });
    data = secure;
    await settle(secure, 'secureConnect', stepMs, options.signal, `${where}: the data connection's TLS`);
    // A resumed session proves the server is the one the pinned handshake authenticated (only it
    // holds that session's secret; a resumed TLS 1.3 session shows no certificate at all). A full
    // handshake must show the very certificate the control connection was checked with.
    if (
      !options.trust.insecure &&
      !secure.isSessionReused() &&
      secure.getPeerCertificate().fingerprint256 !== presented
    ) {
      throw new CollectorError(
        'untrusted_certificate',
        `${where}: the data connection presented another certificate than the control connection`,
      );
    }
    const sessionReused = secure.isSessionReused();
    let sent = 0;
    secure.setTimeout(options.idleTimeoutMs ?? IDLE_MS, () =>
      secure.destroy(
        new CollectorError('timeout', `${where}: the upload stalled (${sent} of ${size} bytes)`),
      ),
    );
    const file = createReadStream(options.localPath);
    file.on('data', (chunk) => {
      sent += chunk.length;
    });
    try {
      // Ends the data connection (close_notify, FIN) once the file is sent; some servers never
      // answer with their own close_notify, so Echo waits for the control reply, not for that.
      await pipeline(file, secure, { signal: options.signal });
    } catch (error) {
      // The server may have said why it dropped the data connection (552: no space left).
      const said = await replies.next(1000, options.signal).catch(() => undefined);
      if (said && said.code >= 400) throw unexpected(where, `STOR ${options.remoteName}`, said);
      throw networkError(where, error, options.signal);
    }
    const done = await expect(`STOR ${options.remoteName} (${sent} bytes)`, [226, 250]);
    secure.destroy();
    send('QUIT');
    await replies.next(Math.min(stepMs, 2000), options.signal).catch(() => undefined);
    return { bytes: sent, reply: `${done.code} ${done.text}`, sessionReused };
  } catch (error) {
    throw networkError(where, error, options.signal);
  } finally {
    data?.destroy();
    control.destroy();
  }
}

/** PASV (`227 … (h1,h2,h3,h4,p1,p2)`), or EPSV (`229 … (|||port|)`) where PASV is not offered. */
async function passivePort(
  send: (line: string) => void,
  next: () => Promise<FtpReply>,
  where: string,
): Promise<number> {
  send('PASV');
  const pasv = await next();
  if (pasv.code === 227) {
    const match = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(pasv.text);
    const port = match ? Number(match[5]) * 256 + Number(match[6]) : 0;
    if (port > 0 && port < 65_536) return port;
    throw unexpected(where, 'PASV', pasv);
  }
  if (pasv.code !== 500 && pasv.code !== 502) throw unexpected(where, 'PASV', pasv);
  send('EPSV');
  const epsv = await next();
  const match = /\(([!-~])\1\1(\d{1,5})\1\)/.exec(epsv.text);
  const port = match ? Number(match[2]) : 0;
  if (epsv.code === 229 && port > 0 && port < 65_536) return port;
  throw unexpected(where, 'EPSV', epsv);
}

function unexpected(where: string, step: string, reply: FtpReply): CollectorError {
  const said = `${reply.code} ${reply.text.slice(0, 200)}`;
  if (reply.code === 530) {
    return new CollectorError('auth', `${where}: the FTP server refused the login (${said})`);
  }
  return new CollectorError('protocol', `${where}: ${step} was answered "${said}"`, undefined, {
    ftp_code: reply.code,
  });
}

/** Waits for `event` on a socket, at most `ms`, failing on its error or close, or on abort. */
function settle(socket: Socket, event: string, ms: number, signal: AbortSignal, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new CollectorError('timeout', `${what} took over ${ms} ms`)), ms);
    const onAbort = () => finish(signal.reason ?? new Error('aborted'));
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new CollectorError('unreachable', `${what} was closed`));
    const onEvent = () => finish();
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError).off('close', onClose).off(event, onEvent);
      if (error) reject(error);
      else resolve();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError).once('close', onClose).once(event, onEvent);
  });
}

/**
 * Reads FTP replies (RFC 959 §4.2) from the control connection: `ddd text` or a multi-line
 * `ddd-…` up to `ddd text`, each line bounded, the lines of one reply and the replies waiting
 * bounded. Anything else on the line is a protocol failure, which every later read reports.
 */
class ControlReplies {
  private buffer: Buffer = Buffer.alloc(0);
  private partial: { code: number; lines: string[] } | undefined;
  private readonly queue: FtpReply[] = [];
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly where: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('error', (error) => this.fail(networkError(where, error)));
    socket.on('close', () =>
      this.fail(new CollectorError('unreachable', `${where}: the FTP server closed the connection`)),
    );
  }

  next(ms: number, signal: AbortSignal): Promise<FtpReply> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const reply = this.queue.shift();
        if (reply) return finish(reply);
        if (this.failure) return finish(undefined, this.failure);
        this.waiter = check;
      };
      const timer = setTimeout(
        () => finish(undefined, new CollectorError('timeout', `${this.where}: no FTP reply within ${ms} ms`)),
        ms,
      );
      const onAbort = () => finish(undefined, signal.reason ?? new Error('aborted'));
      const finish = (reply?: FtpReply, error?: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        if (reply) resolve(reply);
        else reject(error);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  private feed(chunk: Buffer): void {
    if (this.failure) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const newline = this.buffer.indexOf(0x0a);
      if (newline < 0) {
        if (this.buffer.length > MAX_LINE_BYTES)
          this.fail(
            new CollectorError(
              'protocol',
              `${this.where}: an FTP reply line is over ${MAX_LINE_BYTES} bytes`,
            ),
          );
        break;
      }
      if (newline > MAX_LINE_BYTES) {
        this.fail(
          new CollectorError('protocol', `${this.where}: an FTP reply line is over ${MAX_LINE_BYTES} bytes`),
        );
        break;
      }
      const line = this.buffer.subarray(0, newline).toString('latin1').replace(/\r$/, '');
      this.buffer = this.buffer.subarray(newline + 1);
      this.line(line);
      if (this.failure) break;
    }
    this.waiter?.();
  }

  private line(line: string): void {
    const head = /^(\d{3})([ -])(.*)$/.exec(line);
    const partial = this.partial;
    if (partial) {
      if (head && Number(head[1]) === partial.code && head[2] === ' ') {
        partial.lines.push(head[3]!);
        this.partial = undefined;
        this.push({ code: partial.code, text: partial.lines.join('\n') });
      } else if (partial.lines.length >= MAX_REPLY_LINES) {
        this.fail(
          new CollectorError('protocol', `${this.where}: an FTP reply is over ${MAX_REPLY_LINES} lines`),
        );
      } else {
        partial.lines.push(line);
      }
      return;
    }
    const code = head ? Number(head[1]) : 0;
    if (!head || code < 100 || code > 599) {
      this.fail(
        new CollectorError(
          'protocol',
          `${this.where}: the FTP server sent something that is not a reply (${JSON.stringify(line.slice(0, 40))})`,
        ),
      );
      return;
    }
    if (head[2] === '-') this.partial = { code, lines: [head[3]!] };
    else this.push({ code, text: head[3]! });
  }

  private push(reply: FtpReply): void {
    if (this.queue.length >= MAX_QUEUED_REPLIES) {
      this.fail(
        new CollectorError('protocol', `${this.where}: the FTP server sent replies nobody asked for`),
      );
      return;
    }
    this.queue.push(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (error instanceof CollectorError && error.failure === 'protocol') this.socket.destroy();
    this.waiter?.();
  }
}
