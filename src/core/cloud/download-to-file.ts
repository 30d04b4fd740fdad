import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CloudNetworkError, describeError } from '../../shared/errors.ts';
import { syncFolder } from '../owner-only.ts';
import type { CloudHttpClient } from './http-client.ts';
import { IdleWatch } from './idle-watch.ts';

export interface DownloadToFileOptions {
  client: CloudHttpClient;
  /** A download link the cloud handed out (presigned: no credential off the cloud's origins). */
  url: string;
  /** Where the file ends, once `verify` accepted it; a `.part` file beside it until then. */
  path: string;
  /** What the file is called in errors. */
  name: string;
  maxBytes: number;
  /** The error when the download passes `maxBytes` (it is stopped and deleted). */
  tooLarge(size: number): Error;
  /** Throws to refuse the finished file (size, checksum): it is deleted, never renamed. */
  verify(file: { size: number; sha256: string }): void;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  /** A download that receives nothing this long is dropped (default 60 s). */
  idleTimeoutMs?: number;
  /** A download not complete this long after the request is dropped (default: none). */
  totalTimeoutMs?: number;
}

/**
 * Streams a download through the agent's cloud client (its proxy and CAs) into a temporary file
 * beside `path`, bounded by `maxBytes` and hashed on the way, fsynced, checked by `verify`, then
 * renamed into place (and the folder fsynced): a crash or a refusal leaves no file under `path`
 * and no temporary one. Both limits run from the request on: an error body that never ends is
 * dropped too. Used by start_job's files and by Echo's own updates.
 */
export async function downloadToFile(
  options: DownloadToFileOptions,
): Promise<{ size: number; sha256: string }> {
  const temporary = join(
    dirname(options.path),
    `.${basename(options.path)}-${randomBytes(6).toString('hex')}.part`,
  );
  const stop = new AbortController();
  const idle = new IdleWatch(options.idleTimeoutMs ?? 60_000, (ms) => `nothing received for ${ms} ms`);
  // What cut the transfer short, with the reason of whichever came first (idle, total, a refusal).
  const cut = AbortSignal.any([stop.signal, idle.signal]);
  const signals = options.signal ? [options.signal, cut] : [cut];
  const hash = createHash('sha256');
  let size = 0;
  let handle: FileHandle | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let complete = false;
  const totalMs = options.totalTimeoutMs;
  const total =
    totalMs === undefined
      ? undefined
      : setTimeout(() => stop.abort(new Error(`not complete after ${totalMs} ms`)), totalMs);
  idle.touch();
  try {
    let body: ReadableStream<Uint8Array>;
    try {
      body = await options.client.openStream(options.url, {
        accept: '*/*',
        signal: AbortSignal.any(signals),
        connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
        presigned: true,
      });
    } catch (error) {
      options.signal?.throwIfAborted();
      throw error;
    }
    reader = body.getReader();
    handle = await open(temporary, 'wx', 0o600);
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        options.signal?.throwIfAborted();
        const why = cut.aborted ? describeError(cut.reason) : describeError(error);
        throw new CloudNetworkError(
          `the download of ${options.name} broke off after ${size} bytes: ${why}`,
          error,
        );
      }
      if (chunk.done) break;
      idle.touch();
      size += chunk.value.length;
      if (size > options.maxBytes) throw options.tooLarge(size);
      hash.update(chunk.value);
      await writeAll(handle, chunk.value);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    const sha256 = hash.digest('hex');
    options.verify({ size, sha256 });
    await rename(temporary, options.path);
    complete = true;
    syncFolder(dirname(options.path));
    return { size, sha256 };
  } finally {
    idle.stop();
    clearTimeout(total);
    if (!complete) {
      // Stop the transfer (a refused or failed download holds no connection) and leave no file.
      stop.abort(new Error('stopped'));
      void reader?.cancel().catch(() => undefined);
      await handle?.close().catch(() => undefined);
      await rm(temporary, { force: true });
    }
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
