import { BoundedEventParser } from '../shared/http/bounded-event-parser.ts';

/** The largest event the UI reads: far above a full status of a large fleet. */
export const MAX_UI_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * The UI's reader of server-sent events (`GET /api/v1/events`): reads `body` to its end, handing
 * over each event's type and data; bounded and linear (src/shared/http/bounded-event-parser.ts),
 * it throws past the bound and the caller drops the connection and reconnects.
 */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (type: string, data: string) => void,
  maxEventChars = MAX_UI_EVENT_CHARS,
): Promise<void> {
  const parser = new BoundedEventParser(maxEventChars);
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.feed(value)) onEvent(event.type, event.data);
    }
  } finally {
    reader.releaseLock();
  }
}
