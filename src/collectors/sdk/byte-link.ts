import { once } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import { SerialPort } from 'serialport';
import { CollectorError } from './collector-error.ts';
import { networkError } from './network-error.ts';

/** Serial port settings of a machine (its control's RS-232 settings must match). */
export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/**
 * A byte stream to a machine, over RS-232 (`serialport`) or TCP: request/response protocols
 * (Haas Q-commands) on top of it do not care which. The link reports its loss once; the
 * scheduler reconnects (a replugged USB adapter comes back under the same path).
 */
export interface ByteLink {
  write(data: string): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  /** The reason the link was lost, once it was. */
  lost(): CollectorError | undefined;
  close(): Promise<void>;
}

export async function openSerialLink(settings: SerialSettings, signal: AbortSignal): Promise<ByteLink> {
  const port = new SerialPort({
    path: settings.path,
    baudRate: settings.baudRate,
    dataBits: settings.dataBits,
    parity: settings.parity,
    stopBits: settings.stopBits,
    autoOpen: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      port.open((error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    throw serialError(settings.path, error);
  }
  let lost: CollectorError | undefined;
  port.on('close', () => {
    lost ??= new CollectorError('unreachable', `serial port ${settings.path} closed (unplugged?)`);
  });
  port.on('error', (error) => {
    lost ??= serialError(settings.path, error);
  });
  return {
    write: (data) =>
      new Promise((resolve, reject) => {
        port.write(data, (error) => (error ? reject(serialError(settings.path, error)) : resolve()));
      }),
    onData: (listener) => port.on('data', listener),
    lost: () => lost,
    close: () =>
      new Promise((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

/** What the operator can do about a serial failure, in words. */
function serialError(path: string, error: unknown): CollectorError {
  if (error instanceof CollectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/ENOENT|No such file|cannot open|File not found/i.test(message)) {
    return new CollectorError(
      'unreachable',
      `serial port ${path} does not exist: check the cable or USB adapter, and connection.serial.path (echo-agent lists the ports it sees in the add-machine wizard)`,
      error,
    );
  }
  // Linux/macOS: serialport's exclusive lock fails with "Resource temporarily unavailable Cannot
  // lock port"; Windows: "Access denied".
  if (/EBUSY|Resource busy|Access denied|locked|Cannot lock|temporarily unavailable/i.test(message)) {
    return new CollectorError(
      'unreachable',
      `serial port ${path} is busy: another program (a DNC or terminal) has it open; close it`,
      error,
    );
  }
  if (/EACCES|Permission denied/i.test(message)) {
    return new CollectorError(
      'auth',
      `no permission to open ${path}: add the service user to the "dialout" group (Linux) or run with access to COM ports`,
      error,
    );
  }
  return new CollectorError('unreachable', `serial port ${path}: ${message}`, error);
}

export async function openTcpLink(host: string, port: number, signal: AbortSignal): Promise<ByteLink> {
  const where = `${host}:${port}`;
  const socket: Socket = tcpConnect({ host, port });
  socket.setNoDelay(true);
  try {
    const abort = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    await Promise.race([once(socket, 'connect'), abort]);
  } catch (error) {
    socket.destroy();
    throw networkError(where, error, signal);
  }
  let lost: CollectorError | undefined;
  socket.on('close', () => {
    lost ??= new CollectorError('unreachable', `${where}: the machine closed the connection`);
  });
  socket.on('error', (error) => {
    lost ??= networkError(where, error);
  });
  return {
    write: (data) =>
      new Promise((resolve, reject) => {
        socket.write(data, (error) => (error ? reject(networkError(where, error)) : resolve()));
      }),
    onData: (listener) => socket.on('data', listener),
    lost: () => lost,
    close: async () => {
      socket.destroy();
    },
  };
}

/** The serial ports this OS shows, or a clear error where listing is impossible. */
export async function listSerialPorts(): Promise<Array<{ path: string; manufacturer?: string }>> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) => ({ path: p.path, ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}) }));
  } catch (error) {
    throw new CollectorError(
      'protocol',
      `this system cannot list serial ports (${error instanceof Error ? error.message : String(error)}); type the port path (e.g. /dev/ttyUSB0 or COM3)`,
      error,
    );
  }
}
