import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ByteLink } from '../sdk/byte-link.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { macroValue, QCommandClient } from './protocol.ts';

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

/** A line the test answers on: `push` delivers bytes as the control's socket would, in pieces. */
function pushLink(): ByteLink & { push(text: string | Buffer): void; sent: string[] } {
  let listener: ((chunk: Buffer) => void) | undefined;
  const sent: string[] = [];
  return {
    sent,
    push: (text) => listener?.(typeof text === 'string' ? Buffer.from(text, 'latin1') : text),
    write: async (text: string) => {
      sent.push(text);
    },
    onData: (l) => {
      listener = l;
    },
    lost: () => undefined,
    close: async () => undefined,
  };
}

/** An abort after `ms` whose timer keeps the test's event loop alive (AbortSignal.timeout does not). */
function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}

/** Lets the client's queued write run, so that an answer pushed next is the awaited one's. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('the NGC Ethernet framing (text CR LF `>`, no STX/ETB) is an answer, on any transport, in any pieces', async () => {
  const link = pushLink();
  const client = new QCommandClient(link, 'vf2');
  const signal = AbortSignal.timeout(2000);
  // The first answer, split inside the CR LF.
  let answer = client.ask('Q100', signal);
  await turn();
  link.push('SERIAL NUMBER, 1234567\r');
  link.push('\n>');
  assert.equal(await answer, 'SERIAL NUMBER, 1234567');
  // The next one follows the previous prompt, byte by byte.
  answer = client.ask('Q500', signal);
  await turn();
  for (const byte of 'PROGRAM, O01234, IDLE, PARTS, 380\r\n>') link.push(byte);
  assert.equal(await answer, 'PROGRAM, O01234, IDLE, PARTS, 380');
  // An echo of the request is nobody's answer; STX/ETB still works on the same line.
  answer = client.ask('Q101', signal);
  await turn();
  link.push('?Q101\r\n\u0002SOFTWARE VERSION, 100.21.000.1037\u0017\r\n>');
  assert.equal(await answer, 'SOFTWARE VERSION, 100.21.000.1037');
  answer = client.ask('Q104', signal);
  await turn();
  link.push('>MODE, MEM\r\n>');
  assert.equal(await answer, 'MODE, MEM');
  assert.deepEqual(link.sent, ['?Q100\r\n', '?Q500\r\n', '?Q101\r\n', '?Q104\r\n']);
});

test('a line that is not `WORD, …` is refused with the port settings named; endless noise stays bounded', async () => {
  const link = pushLink();
  const client = new QCommandClient(link, 'vf2');
  let answer = client.ask('Q100', AbortSignal.timeout(2000));
  await turn();
  link.push(Buffer.from([0xff, 0xfe, 0x23, 0x40, 0x21, 0x0d, 0x0a, 0x3e]));
  await assert.rejects(
    answer,
    /vf2: the answer is not a Q-command frame \("\?\?#@!"\); check the port settings \(baud rate/,
  );
  answer = client.ask('Q100', AbortSignal.timeout(2000));
  await turn();
  link.push('hello world\r\n');
  await assert.rejects(answer, /not a Q-command frame \("hello world"\)/);
  // UNKNOWN without a frame is still an answer (answerValue makes it the Setting 143 error).
  answer = client.ask('Q999', AbortSignal.timeout(2000));
  await turn();
  link.push('UNKNOWN\r\n>');
  assert.equal(await answer, 'UNKNOWN');
  // 1 MB without a line end or a frame: dropped 4 KB at a time, the ask times out, then the
  // next answer is read.
  answer = client.ask('Q500', deadline(300));
  await turn();
  const started = performance.now();
  for (let i = 0; i < 256; i++) link.push(Buffer.alloc(4096, 0x41));
  assert.ok(performance.now() - started < 1000, 'linear in what arrives');
  await assert.rejects(answer, /no answer to \?Q500/);
  link.push('\r\n');
  answer = client.ask('Q500', AbortSignal.timeout(2000));
  await turn();
  link.push('STATUS, BUSY\r\n>');
  assert.equal(await answer, 'STATUS, BUSY');
});

test('?Q600: the value is the last field, in both wordings; a non-number is no value (never 0)', () => {
  assert.equal(macroValue('MACRO, 8000.000000'), 8000);
  assert.equal(macroValue('MACRO, 3027, 8000.000000'), 8000);
  assert.equal(macroValue('MACRO, 3027, -12.5'), -12.5);
  assert.equal(macroValue('MACRO, '), undefined);
  assert.equal(macroValue('MACRO, 3027, ###'), undefined);
  // Found by the hostile property test: a number past the double range reads as Infinity.
  assert.equal(macroValue('MACRO, 17.976931348623159e+307'), undefined);
  assert.equal(macroValue('MACRO, -1e999'), undefined);
  assert.equal(macroValue('MACRO, 1e-999'), 0);
});
