import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialPort } from 'serialport';
import { openSerialLink } from './byte-link.ts';
import { CollectorError } from './collector-error.ts';
import { PtyPair } from './simulator/pty-pair.ts';

const settings = (path: string) => ({
  path,
  baudRate: 9600,
  dataBits: 8 as const,
  parity: 'none' as const,
  stopBits: 1 as const,
});

test('serial ports: one held by another program is "busy", a missing one is named with the fix', async (t) => {
  const pty = await PtyPair.open();
  t.after(() => pty.close());
  // Another program (a DNC, a terminal) holds the port with an exclusive lock, as serial tools do.
  const other = new SerialPort({ path: pty.hostPath, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => other.open((e) => (e ? reject(e) : resolve())));
  t.after(() => new Promise<void>((r) => (other.isOpen ? other.close(() => r()) : r())));

  await assert.rejects(
    openSerialLink(settings(pty.hostPath), AbortSignal.timeout(5000)),
    (error: unknown) =>
      error instanceof CollectorError &&
      error.failure === 'unreachable' &&
      /is busy: another program/.test(error.message),
  );
  await assert.rejects(
    openSerialLink(settings('/dev/echo-no-such-port'), AbortSignal.timeout(5000)),
    (error: unknown) =>
      error instanceof CollectorError && /does not exist: check the cable/.test(error.message),
  );
});
