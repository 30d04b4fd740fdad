import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ByteLink } from '../sdk/byte-link.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { QCommandClient } from './protocol.ts';

/** A line whose writes take `writeMs` (a loaded PC, a slow serial port) and that never answers. */
function slowLink(writeMs: number, failWrite = false): ByteLink {
  return {
    write: () =>
      new Promise((resolve, reject) =>
        setTimeout(
          () => (failWrite ? reject(new CollectorError('unreachable', 'write failed')) : resolve()),
          writeMs,
        ),
      ),
    onData: () => undefined,
    lost: () => undefined,
    close: async () => undefined,
  };
}

test('a timeout while the request is still being written is the ask’s error, never an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const client = new QCommandClient(slowLink(100), 'haas-1');
    await assert.rejects(client.ask('Q500', AbortSignal.timeout(10)), /haas-1: no answer to \?Q500/);
    const failing = new QCommandClient(slowLink(10, true), 'haas-2');
    await assert.rejects(failing.ask('Q100', AbortSignal.timeout(1000)), /write failed/);
    // A turn of the event loop for a stray rejection to surface.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
