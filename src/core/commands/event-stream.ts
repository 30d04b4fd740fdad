/** The largest event Echo reads from the stream; a longer one ends the connection. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Server-sent events from a byte stream: the `data:` lines of each event joined, handed over at the
 * blank line that ends it (the WHATWG EventSource parsing rules, for the fields Echo reads).
 * Linear in the input, and bounded: an event (or a line) longer than `maxEventBytes` throws.
 */
export async function* serverSentEvents(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes = MAX_EVENT_BYTES,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  let size = 0;
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = pending.indexOf('\n', start); end !== -1; end = pending.indexOf('\n', start)) {
      const line = pending.slice(start, end).replace(/\r$/, '');
      start = end + 1;
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
        size = 0;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      if (field !== 'data') continue;
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      size += value.length + 1;
      if (size > maxEventBytes)
        throw new Error(`an event of the stream is larger than ${maxEventBytes} bytes`);
      data.push(value);
    }
    pending = pending.slice(start);
    if (pending.length > maxEventBytes)
      throw new Error(`a line of the stream is longer than ${maxEventBytes} bytes`);
  }
}
