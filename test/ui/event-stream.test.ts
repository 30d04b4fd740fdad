import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readServerSentEvents } from '../../src/renderer/event-stream.ts';

function body(...parts: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(typeof part === 'string' ? encoder.encode(part) : part);
      controller.close();
    },
  });
}

async function read(stream: ReadableStream<Uint8Array>, max?: number): Promise<Array<[string, string]>> {
  const events: Array<[string, string]> = [];
  await readServerSentEvents(stream, (type, data) => events.push([type, data]), max);
  return events;
}

test('the UI reads the agent events: types, split chunks and characters, CRLF, comments', async () => {
  const euro = new TextEncoder().encode('event: delta\ndata: {"a":"€"}\n\n');
  assert.deepEqual(
    await read(
      body(
        ': connected\n\n',
        'event: status\ndata: {"x":',
        '1}\r\n\r\n',
        euro.subarray(0, 24),
        euro.subarray(24),
        'data: plain\r\rdata: unfinished',
      ),
    ),
    [
      ['status', '{"x":1}'],
      ['delta', '{"a":"€"}'],
      ['message', 'plain'],
    ],
  );
});

test('an endless line or event from the stream is refused, not buffered', async () => {
  const long = 'x'.repeat(4096);
  await assert.rejects(read(body(`data: ${long}`, long, long), 8192), /longer than 8192 characters/);
  const many = Array.from({ length: 20 }, () => `data: ${'y'.repeat(1000)}\n`);
  await assert.rejects(read(body(...many), 8192), /larger than 8192 characters/);
  await assert.rejects(read(body(`data: ${'z'.repeat(9000)}\n\n`), 8192), /larger than 8192 characters/);
});
