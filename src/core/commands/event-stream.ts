import { createParser, type ParseError } from 'eventsource-parser';

/** The largest event Echo reads from the stream; a longer one ends the connection. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Server-sent events from a byte stream: the `data:` lines of each event joined, handed over at the
 * blank line that ends it. The parsing is eventsource-parser's (the WHATWG EventSource rules);
 * around it Echo keeps two properties of its own:
 * - bounded: the parser's `maxBufferSize` caps the unfinished line plus the event's data held so
 *   far, and each event handed over is checked too; past `maxEventBytes` (counted in characters)
 *   the generator throws, which ends the connection;
 * - linear: CR and CRLF line ends are turned into LF before the parser sees them (its CR path
 *   searches ahead for the next LF from every CR, quadratic in a chunk of lone CRs).
 */
export async function* serverSentEvents(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes = MAX_EVENT_BYTES,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const events: string[] = [];
  let failure: Error | undefined;
  // Characters since the last line end: tells an endless line from an endless event.
  let lineLength = 0;
  let afterCr = false;
  const parser = createParser({
    maxBufferSize: maxEventBytes,
    onEvent: (event) => {
      if (failure) return;
      if (event.data.length > maxEventBytes) failure = tooLarge(maxEventBytes);
      else events.push(event.data);
    },
    onError: (error: ParseError) => {
      if (error.type !== 'max-buffer-size-exceeded' || failure) return; // unknown fields are skipped
      failure =
        lineLength > maxEventBytes
          ? new Error(`a line of the stream is longer than ${maxEventBytes} bytes`)
          : tooLarge(maxEventBytes);
    },
  });
  for await (const chunk of body) {
    let text = decoder.decode(chunk, { stream: true });
    if (text === '') continue;
    if (afterCr && text.startsWith('\n')) text = text.slice(1);
    afterCr = text.endsWith('\r');
    text = text.replace(/\r\n?/g, '\n');
    const lastEnd = text.lastIndexOf('\n');
    lineLength = lastEnd === -1 ? lineLength + text.length : text.length - lastEnd - 1;
    parser.feed(text);
    yield* events.splice(0);
    if (failure) throw failure;
  }
}

function tooLarge(max: number): Error {
  return new Error(`an event of the stream is larger than ${max} bytes`);
}
