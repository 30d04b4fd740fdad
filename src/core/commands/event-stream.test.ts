import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandStreamUrl } from './command-stream.ts';
import { serverSentEvents } from './event-stream.ts';

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part;
}

async function all(source: AsyncIterable<Uint8Array>, max?: number): Promise<string[]> {
  const events: string[] = [];
  for await (const event of serverSentEvents(source, max)) events.push(event);
  return events;
}

test('events are read as the EventSource rules say: split anywhere, CRLF, comments, several data lines', async () => {
  // Split inside the three bytes of "€".
  const euro = new TextEncoder().encode('data: {"a":"€"}\n\n');
  assert.deepEqual(
    await all(
      chunks(
        ': connected\n\n',
        'data: {"x":',
        '1}\r\n\r\n',
        'event: command\ndata: one\ndata:two\n\n',
        euro.subarray(0, 13),
        euro.subarray(13),
        'id: 7\n\n',
        'data: unfinished',
      ),
    ),
    ['{"x":1}', 'one\ntwo', '{"a":"€"}'],
  );
});

test('an endless line or event ends the stream instead of filling the memory', async () => {
  const long = 'x'.repeat(4096);
  await assert.rejects(all(chunks(`data: ${long}`, long, long), 8192), /longer than 8192 characters/);
  const many = Array.from({ length: 20 }, () => `data: ${'y'.repeat(1000)}\n`);
  await assert.rejects(all(chunks(...many), 8192), /larger than 8192 characters/);
});

test('lone CR line ends, a CRLF split between chunks, and fields Echo does not read', async () => {
  assert.deepEqual(
    await all(chunks('data: a\rdata: b\r\r', 'retry: x\nfoo: bar\ndata: c\r', '\n\r\n', 'data:\n\n')),
    ['a\nb', 'c', ''],
  );
});

test('an event larger than the limit is refused even when it arrives whole in one chunk', async () => {
  await assert.rejects(all(chunks(`data: ${'z'.repeat(9000)}\n\n`), 8192), /larger than 8192 characters/);
  // Under the limit, events keep coming; keepalive comments never add up to a "large event".
  const keepalives = Array.from({ length: 50 }, () => `: ${'k'.repeat(500)}\n\n`);
  assert.deepEqual(await all(chunks(...keepalives, 'data: ok\n\n'), 8192), ['ok']);
});

test('lone CR line ends, as many as come, end lines as CRLF and LF do (their speed: npm run bench -- sse)', async () => {
  const flood = `${'data:a\r'.repeat(10_000)}\r`;
  const events = await all(chunks(flood.slice(0, 33_333), flood.slice(33_333)));
  assert.deepEqual(events, ['a\n'.repeat(10_000).slice(0, -1)]);
});

test('the command stream is <events_url>commands, by default under the cloud url', () => {
  assert.equal(
    commandStreamUrl('https://mes.example/api', undefined),
    'https://mes.example/api/events/commands',
  );
  assert.equal(commandStreamUrl('https://mes.example/', undefined), 'https://mes.example/events/commands');
  assert.equal(
    commandStreamUrl('https://mes.example/', 'https://events.example/stream'),
    'https://events.example/stream/commands',
  );
});
