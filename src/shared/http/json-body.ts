/**
 * Reading a request body, bounded, and parsing it as JSON: one reader for every HTTP server Echo
 * runs (the local API, the cloud emulator). Each server turns the two failures into its own reply
 * (the local API's `too_large`/`invalid_json`, the contract's `payload-too-large`/`invalid-payload`).
 */

/** The body grew past `limit` bytes; reading stopped there. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** The body is not JSON text. */
export class BodyNotJson extends Error {
  constructor() {
    super('the request body is not JSON');
    this.name = 'BodyNotJson';
  }
}

/** The bytes of a body, refused as soon as they pass `limit` (never buffered beyond it). */
export async function readBodyBytes(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(chunks);
}

/**
 * A body parsed as JSON, not validated yet (the caller's schema does that). An empty body is
 * `whenEmpty` when given (the local API reads "no body" as `{}`), otherwise not JSON.
 */
export async function readJsonBody(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  options: { whenEmpty?: unknown } = {},
): Promise<unknown> {
  const bytes = await readBodyBytes(body, limit);
  if (bytes.length === 0 && 'whenEmpty' in options) return options.whenEmpty;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BodyNotJson();
  }
}
