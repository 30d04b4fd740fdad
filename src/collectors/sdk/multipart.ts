import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** A request body that can be sent (and, after a 401, sent again) without holding it in memory. */
export interface StreamedBody {
  contentType: string;
  /** The exact number of bytes `open()` yields: the request's `Content-Length`. */
  length: number;
  /** A new stream of the whole body, each time it is called. */
  open(): Readable;
}

/**
 * A file name safe inside `Content-Disposition: …; filename="…"`: no quote, backslash, control
 * character or path separator (the name comes from the cloud, the header goes to a machine).
 */
export function safeFileName(name: string): string {
  let out = '';
  for (const ch of name.slice(0, 255)) {
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f || ch === '"' || ch === '\\' || ch === '/' ? '_' : ch;
  }
  return out.length > 0 ? out : 'file';
}

/**
 * A `multipart/form-data` body of one file field (RFC 7578), streamed from disk: the length is
 * computed from the file's size, and a file that changes size while it is sent fails the stream
 * rather than sending a body that does not match its `Content-Length`.
 */
export async function multipartFile(
  field: string,
  file: { path: string; name: string },
  contentType = 'application/octet-stream',
): Promise<StreamedBody & { fileBytes: number; fileName: string }> {
  const { size } = await stat(file.path);
  const boundary = `----echo${randomBytes(12).toString('hex')}`;
  const fileName = safeFileName(file.name);
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${safeFileName(field)}"; filename="${fileName}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    let sent = 0;
    if (size > 0) {
      for await (const chunk of createReadStream(file.path, { start: 0, end: size - 1 })) {
        sent += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (sent !== size) throw new Error(`${file.path} changed while it was sent (${sent} of ${size} bytes)`);
    yield tail;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
    open: () => Readable.from(parts(), { objectMode: false }),
    fileBytes: size,
    fileName,
  };
}
