/**
 * The UI's reader of server-sent events (`GET /api/v1/events`), on eventsource-parser (the WHATWG
 * EventSource rules; about 2 KB of the UI's bundle). The renderer may import only src/shared/, so
 * this is the UI's twin of src/core/commands/event-stream.ts, with the same two properties around
 * the parser:
 * - bounded: the parser's `maxBufferSize` caps the unfinished line plus the event's data held so
 *   far, and each event handed over is checked too; past `maxEventChars` the read throws (the
 *   caller drops the connection and reconnects);
 * - linear: CR and CRLF line ends become LF before the parser sees them (its CR path searches
 *   ahead for the next LF from every CR, quadratic in a chunk of lone CRs).
 */
import { createParser, type ParseError } from 'eventsource-parser';

/** The largest event the UI reads: far above a full status of a large fleet. */
export const MAX_UI_EVENT_CHARS = 16 * 1024 * 1024;

/** Reads `body` to its end, handing over each event's type (`message` by default) and data. */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (type: string, data: string) => void,
  maxEventChars = MAX_UI_EVENT_CHARS,
): Promise<void> {
  const decoder = new TextDecoder();
  const events: Array<[string, string]> = [];
  let failure: Error | undefined;
  let lineLength = 0;
  let afterCr = false;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent: (event) => {
      if (failure) return;
      if (event.data.length > maxEventChars) failure = tooLarge(maxEventChars);
      else events.push([event.event ?? 'message', event.data]);
    },
    onError: (error: ParseError) => {
      if (error.type !== 'max-buffer-size-exceeded' || failure) return; // unknown fields are skipped
      failure =
        lineLength > maxEventChars
          ? new Error(`a line of the event stream is longer than ${maxEventChars} characters`)
          : tooLarge(maxEventChars);
    },
  });
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      let text = decoder.decode(value, { stream: true });
      if (text === '') continue;
      if (afterCr && text.startsWith('\n')) text = text.slice(1);
      afterCr = text.endsWith('\r');
      text = text.replace(/\r\n?/g, '\n');
      const lastEnd = text.lastIndexOf('\n');
      lineLength = lastEnd === -1 ? lineLength + text.length : text.length - lastEnd - 1;
      parser.feed(text);
      for (const [type, data] of events.splice(0)) onEvent(type, data);
      if (failure) throw failure;
    }
  } finally {
    reader.releaseLock();
  }
}

function tooLarge(max: number): Error {
  return new Error(`an event of the event stream is larger than ${max} characters`);
}
