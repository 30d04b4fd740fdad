import type { IncomingMessage, ServerResponse } from 'node:http';

/** The simulator's HTTP plumbing: JSON answers and the request bodies of the write API. */

export function json(res: ServerResponse, status: number, document: unknown, close = false): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (close) headers.connection = 'close';
  if (status === 204) res.writeHead(204, headers).end();
  else res.writeHead(status, headers).end(JSON.stringify(document));
}

export function tooLarge(res: ServerResponse): void {
  json(res, 413, { message: 'Request entity too large' }, true);
}

/** The request body, or undefined when it is (or declares itself) larger than `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

/** `application=…&user=…` (or the same as JSON, as some clients send it). */
export function parseForm(body: Buffer, contentType: string | undefined): Map<string, string> {
  const text = body.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/json')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return new Map(
        Object.entries(parsed).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v] as [string, string]] : [],
        ),
      );
    } catch {
      return new Map();
    }
  }
  return new Map(new URLSearchParams(text));
}

/** The `file` part of a `multipart/form-data` body: its file name and bytes. Linear searches only. */
export function parseMultipartFile(
  body: Buffer,
  contentType: string | undefined,
): { name: string; data: Buffer } | undefined {
  const marker = 'boundary=';
  const at = contentType?.indexOf(marker) ?? -1;
  if (!contentType || at < 0) return undefined;
  let boundary = contentType
    .slice(at + marker.length)
    .split(';')[0]!
    .trim();
  if (boundary.startsWith('"') && boundary.endsWith('"')) boundary = boundary.slice(1, -1);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const headersStart = start + delimiter.length + 2;
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) return undefined;
    const headers = body.subarray(headersStart, headersEnd).toString('utf8');
    const disposition = headers
      .split('\r\n')
      .find((line) => line.toLowerCase().startsWith('content-disposition:'));
    if (disposition?.includes('name="file"')) {
      const nameAt = disposition.indexOf('filename="');
      const nameEnd = nameAt < 0 ? -1 : disposition.indexOf('"', nameAt + 10);
      const name = nameEnd < 0 ? 'upload' : disposition.slice(nameAt + 10, nameEnd);
      return { name, data: body.subarray(headersEnd + 4, next) };
    }
    start = next + 2;
  }
  return undefined;
}
