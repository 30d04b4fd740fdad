import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';

/** One server-sent event: its type (`message` when the stream names none) and its data lines joined. */
export interface ServerSentEvent {
  type: string;
  data: string;
}

/**
 * Server-sent events from a byte stream, for the core (the cloud's events stream) and the UI (the
 * local API's): the parsing is eventsource-parser's (the WHATWG EventSource rules); around it Echo
 * keeps two properties of its own:
 * - bounded: the parser's `maxBufferSize` caps the unfinished line plus the event's data held so
 *   far, and each event handed over is checked too (one that arrives whole in a chunk skips the
 *   parser's own check); past `maxEventChars` `feed` throws, and the caller ends the connection;
 * - linear: CR and CRLF line ends are turned into LF before the parser sees them (its CR path
 *   searches ahead for the next LF from every CR, quadratic in a chunk of lone CRs).
 */
export class BoundedEventParser {
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private events: ServerSentEvent[] = [];
  private failure: Error | undefined;
  /** Characters since the last line end: tells an endless line from an endless event. */
  private lineLength = 0;
  private afterCr = false;

  constructor(private readonly maxEventChars: number) {
    this.parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (event) => {
        if (this.failure) return;
        if (event.data.length > maxEventChars) this.failure = this.tooLarge();
        else this.events.push({ type: event.event ?? 'message', data: event.data });
      },
      onError: (error: ParseError) => {
        if (error.type !== 'max-buffer-size-exceeded' || this.failure) return; // unknown fields are skipped
        this.failure =
          this.lineLength > maxEventChars
            ? new Error(`a line of the event stream is longer than ${maxEventChars} characters`)
            : this.tooLarge();
      },
    });
  }

  /** The events a chunk completed; throws once the stream broke a bound. */
  feed(chunk: Uint8Array): ServerSentEvent[] {
    let text = this.decoder.decode(chunk, { stream: true });
    if (text === '') return [];
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    text = text.replace(/\r\n?/g, '\n');
    const lastEnd = text.lastIndexOf('\n');
    this.lineLength = lastEnd === -1 ? this.lineLength + text.length : text.length - lastEnd - 1;
    this.parser.feed(text);
    const events = this.events;
    this.events = [];
    if (this.failure) throw this.failure;
    return events;
  }

  private tooLarge(): Error {
    return new Error(`an event of the event stream is larger than ${this.maxEventChars} characters`);
  }
}
