import { BoundedEventParser } from '../../shared/http/bounded-event-parser.ts';

/** The largest event Echo reads from the stream; a longer one ends the connection. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * The `data` of each server-sent event of a byte stream (the cloud's events stream), bounded and
 * linear (src/shared/http/bounded-event-parser.ts); past the bound the generator throws, which
 * ends the connection.
 */
export async function* serverSentEvents(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes = MAX_EVENT_BYTES,
): AsyncGenerator<string> {
  const parser = new BoundedEventParser(maxEventBytes);
  for await (const chunk of body) {
    for (const event of parser.feed(chunk)) yield event.data;
  }
}
