/**
 * Property tests (fast-check) of the Haas collector (Q-commands over TCP): a poll on a real socket
 * whatever the control answers, and the Q-command reader fed bytes of any kind in any pieces (and a
 * megabyte of them), ending in an accepted snapshot, a string or a `CollectorError`, never another
 * exception, within the time budget. Shared scaffolding: `property-harness.ts`. `ECHO_FUZZ_RUNS`
 * scales the case counts.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { HaasCollector } from '../../src/collectors/haas/collector.ts';
import { haasConnection } from '../../src/collectors/haas/config.ts';
import { QCommandClient } from '../../src/collectors/haas/protocol.ts';
import type { ByteLink } from '../../src/collectors/sdk/byte-link.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  awkwardWord,
  BUDGET_MS,
  context,
  MB,
  number,
  pollOnce,
  repeatedTo,
  settles,
  shared,
  text,
} from './property-harness.ts';

after(async () => {
  await shared.close();
});

// ---------------------------------------------------------------------------------------------
// Haas (Q-commands over TCP).
// ---------------------------------------------------------------------------------------------

/** An answer's text between STX and ETB: words, commas, numbers, or anything but the framing bytes. */
const qText = fc
  .oneof(
    fc.constantFrom(
      'SERIAL NUMBER, 1234567',
      'SOFTWARE VERSION, 100.21.000.1037',
      'MODEL, VF2',
      'MODE, MEM',
      'LAST CYCLE, 00000:01:30',
      'PROGRAM, O01234, IDLE, PARTS, 380',
      'PROGRAM, O01234, BUSY, PARTS, abc',
      'STATUS, BUSY',
      'MACRO, 12000.000000',
      'UNKNOWN',
      'INVALID',
    ),
    fc
      .array(
        fc.oneof(text, number.map(String), fc.constantFrom(',', ', ', 'PARTS', 'PROGRAM', 'STATUS', 'ALARM')),
        {
          maxLength: 8,
        },
      )
      .map((p) => p.join('')),
    // The words the control puts where Echo reads a mode or a status, awkward ones included.
    fc
      .tuple(
        fc.constantFrom(
          'PROGRAM, O01234, %, PARTS, 380',
          'MODE, %',
          'STATUS, %',
          'LAST CYCLE, %',
          'MACRO, %',
        ),
        awkwardWord,
      )
      .map(([form, word]) => form.replace('%', word)),
  )
  .map((s) => s.replaceAll('\x02', '').replaceAll('\x17', ''));

test('property: a Haas poll ends in an accepted snapshot or a CollectorError, whatever the control answers', async () => {
  let answers: Record<string, string> = {};
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let line = '';
    socket.on('data', (chunk) => {
      line += chunk.toString('latin1');
      for (let end = line.search(/[\r\n]/); end >= 0; end = line.search(/[\r\n]/)) {
        const q = line.slice(0, end).trim().replace(/^\?/, '');
        line = line.slice(end + 1);
        if (q) socket.write(`\x02${answers[q.split(' ')[0]!] ?? 'UNKNOWN'}\x17\r\n>`, 'latin1');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          Q100: qText,
          Q101: qText,
          Q102: qText,
          Q104: qText,
          Q303: qText,
          Q500: qText,
          Q600: qText,
        }),
        async (generated) => {
          answers = generated;
          const collector = new HaasCollector(
            haasConnection.parse({ transport: 'tcp', host: '127.0.0.1', port }),
            context(),
          );
          await pollOnce('haas', collector);
        },
      ),
      {
        numRuns: fuzzRuns(300),
        // Found by this property in CI: a macro past the double range read as Infinity.
        examples: [[{ Q100: '', Q101: '', Q102: '', Q104: '', Q303: '', Q500: '', Q600: 'MACRO, 1e999' }]],
      },
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A byte link whose incoming bytes the test pours in. */
function scriptedLink(): { link: ByteLink; pour(chunk: Buffer): void } {
  const listeners: Array<(chunk: Buffer) => void> = [];
  return {
    link: {
      write: async () => undefined,
      onData: (listener) => void listeners.push(listener),
      lost: () => undefined,
      close: async () => undefined,
    },
    pour: (chunk) => {
      for (const listener of listeners) listener(chunk);
    },
  };
}

test('property: Haas bytes of any kind, in any pieces, never throw in the socket listener; an answer is a string or a CollectorError', async () => {
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc
      .constantFrom('\x02', '\x17', '\r\n', '>', '\x02SERIAL, 1\x17\r\n>', '\x02PROGRAM, O0')
      .map((s) => Buffer.from(s, 'latin1')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 30 }), async (pieces) => {
      const { link, pour } = scriptedLink();
      const client = new QCommandClient(link, 'fuzzed:5051');
      const controller = new AbortController();
      const answer = settles('haas ask', () => client.ask('Q100', controller.signal));
      await new Promise((resolve) => setImmediate(resolve));
      for (const chunk of pieces) assert.doesNotThrow(() => pour(chunk));
      controller.abort();
      const value = await answer;
      if (value !== undefined) assert.equal(typeof value, 'string');
    }),
    { numRuns: fuzzRuns(1000) },
  );
});

// ---------------------------------------------------------------------------------------------
// A megabyte input: the Q-command reader alone, on a hostile fragment repeated to about 1 MB.
// ---------------------------------------------------------------------------------------------

test('property: 1 MB of Haas bytes in 64 KB pieces is read within the budget, never throwing', async () => {
  await fc.assert(
    fc.asyncProperty(
      repeatedTo(MB, ['\x02', 'PROGRAM, O1', '\x17', '\r\n', '>', 'noise ', '\x02\x02\x02']),
      async (bytes) => {
        const { link, pour } = scriptedLink();
        const client = new QCommandClient(link, 'fuzzed:5051');
        const controller = new AbortController();
        const answer = settles('haas ask', () => client.ask('Q500', controller.signal));
        await new Promise((resolve) => setImmediate(resolve));
        const data = Buffer.from(bytes, 'latin1');
        const started = performance.now();
        for (let i = 0; i < data.length; i += 64 * 1024) pour(data.subarray(i, i + 64 * 1024));
        assert.ok(performance.now() - started < BUDGET_MS, `${(performance.now() - started).toFixed(0)} ms`);
        controller.abort();
        await answer;
      },
    ),
    { numRuns: fuzzRuns(30) },
  );
});
