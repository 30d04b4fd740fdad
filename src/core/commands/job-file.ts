import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CloudHttpError } from '../../shared/errors.ts';
import { downloadToFile } from '../cloud/download-to-file.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { restrictToOwner } from '../owner-only.ts';

/**
 * Why Echo will not use a job file: `quarantined` (the cloud's virus scan flagged it),
 * `not_scanned` (still unscanned after `scanWaitMs`), `not_ready` (the cloud still processing it
 * after `scanWaitMs`), `too_large` (past `maxBytes`, by `file_size` or while streaming),
 * `checksum_mismatch` (the bytes differ from the resource's `file_size` or `sha256`), `no_file`
 * (no `content` link), `failed` (the cloud's processing failed, or every fresh link was refused).
 */
export type JobFileRefusal =
  | 'quarantined'
  | 'not_scanned'
  | 'not_ready'
  | 'too_large'
  | 'checksum_mismatch'
  | 'no_file'
  | 'failed';

export class JobFileRefused extends Error {
  constructor(
    readonly code: JobFileRefusal,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JobFileRefused';
  }
}

/**
 * The `/build-file/` or `/machine-job-file/` resource, read leniently: only what is used is
 * checked, and everything but `content` may be missing. `sha256` is not in the seed (the cloud
 * emulator's extension): it is compared when present.
 */
const jobFileResource = z.looseObject({
  content: z.string().nullish(),
  name: z.string().nullish(),
  file_size: z.number().int().min(0).nullish(),
  format: z.string().nullish(),
  status: z.string().nullish(),
  virus_scan: z.string().nullish(),
  error: z.string().nullish(),
  sha256: z.string().nullish(),
});
type JobFileResource = z.infer<typeof jobFileResource>;

export interface DownloadJobFileOptions {
  client: CloudHttpClient;
  /** The command's `build-file` or `machine_job_file` URI. */
  resourceUri: string;
  kind: 'build-file' | 'machine_job_file';
  /** Where the file goes (a folder under data_dir); created owner-only (0700) if missing. */
  dir: string;
  /** Larger files are refused: up front by `file_size`, and while streaming whatever it says. */
  maxBytes: number;
  /** How long a file still `unscanned` (or `pending`/`processing`) is waited for before refusing. */
  scanWaitMs: number;
  /** Between two GETs of a resource that is not ready yet (default 5 s). */
  pollMs?: number;
  /** Until a download's headers arrive (default 30 s). */
  connectTimeoutMs?: number;
  /** A download that receives nothing this long is dropped (default 60 s). */
  idleTimeoutMs?: number;
  /** A download that takes longer in all is dropped (default 30 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger: Logger;
}

export interface JobFile {
  /** The complete file, inside `dir`. */
  path: string;
  /** The file name to show the machine: the resource's `name`, made safe. */
  name: string;
  size: number;
  /** Hex sha256 of the bytes at `path`. */
  sha256: string;
}

/** How many fresh links are asked for after the download refused one (403/410). */
const LINK_RETRIES = 3;
/** `.part` files older than this in `dir` are what a crash left behind, and removed. */
const STALE_PART_MS = 24 * 60 * 60_000;
const MAX_NAME_BYTES = 150;

/**
 * Fetches the file of a `start_job` command: GETs the resource just before the download (its
 * `content` link is short-lived), refuses a quarantined file without downloading it, waits up to
 * `scanWaitMs` for one still being scanned or processed, then streams it to a temporary file in
 * `dir` (bounded by `maxBytes`, hashed on the way), checks `file_size` and `sha256` where the
 * resource gives them, and renames it into place only when it is complete. A link the download
 * refuses (403/410: expired) is replaced by a fresh GET, at most 3 times. A link on another origin
 * than the cloud's (a presigned object-store URL) is fetched without the credential.
 *
 * Refusals are `JobFileRefused`; transport failures are the cloud client's errors
 * (`CloudNetworkError`, `CloudHttpError`) and an abort is `signal.reason`: the caller decides.
 * On any failure no file is left behind.
 */
export async function downloadJobFile(options: DownloadJobFileOptions): Promise<JobFile> {
  const log = options.logger.child({ job_file: options.resourceUri, kind: options.kind });
  const deadline = Date.now() + options.scanWaitMs;
  await prepareDir(options.dir, log);
  let refusedLinks = 0;
  for (;;) {
    const { resource, content } = await readyResource(options, deadline, log);
    const name = safeFileName(resource.name, fallbackName(resource.format));
    try {
      return await save(options, resource, content, name, log);
    } catch (error) {
      if (!(error instanceof CloudHttpError) || (error.status !== 403 && error.status !== 410)) throw error;
      refusedLinks++;
      if (refusedLinks > LINK_RETRIES) {
        throw new JobFileRefused(
          'failed',
          `the download link was refused ${refusedLinks} times (${error.status}), each time a fresh one: ${error.message}`,
          { cause: error },
        );
      }
      log.info(
        { status: error.status, attempt: refusedLinks },
        'the download link was refused (expired?): asking the cloud for a fresh one',
      );
    }
  }
}

/**
 * GETs the resource until it may be downloaded, and returns it with its `content` link. Refuses
 * at once what can never be used; waits (every `pollMs`, until `deadline`) for what is not ready.
 */
async function readyResource(
  options: DownloadJobFileOptions,
  deadline: number,
  log: Logger,
): Promise<{ resource: JobFileResource; content: string }> {
  const pollMs = options.pollMs ?? 5000;
  let warnedUnscanned = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const resource = await options.client.json({ method: 'GET', url: options.resourceUri }, jobFileResource);
    const verdict = judge(resource, options);
    if (verdict.ready) {
      if (verdict.unscanned && !warnedUnscanned) {
        warnedUnscanned = true;
        log.warn(
          { name: resource.name },
          'this machine job file (an operator test file) has no virus scan in the cloud: it is used unscanned',
        );
      }
      return { resource, content: verdict.content };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new JobFileRefused(
        verdict.wait,
        `${verdict.why}, still after ${options.scanWaitMs} ms: the file is not downloaded`,
      );
    }
    log.debug({ why: verdict.why, left_ms: left }, 'waiting for the job file');
    await wait(Math.min(pollMs, left), options.signal);
  }
}

type Verdict =
  | { ready: true; content: string; unscanned: boolean }
  | { ready: false; wait: 'not_scanned' | 'not_ready'; why: string };

/** What one GET of the resource allows; throws the refusals that waiting cannot change. */
function judge(resource: JobFileResource, options: DownloadJobFileOptions): Verdict {
  const scan = resource.virus_scan ?? undefined;
  if (scan === 'quarantined') {
    throw new JobFileRefused(
      'quarantined',
      'the cloud’s virus scan quarantined this file: it is not downloaded',
    );
  }
  if (resource.file_size != null && resource.file_size > options.maxBytes) {
    throw new JobFileRefused(
      'too_large',
      `the file has ${resource.file_size} bytes, more than the ${options.maxBytes} allowed`,
    );
  }
  if (resource.status === 'error') {
    throw new JobFileRefused(
      'failed',
      `the cloud could not process this file${resource.error ? `: ${resource.error}` : ''}`,
    );
  }
  if (resource.status === 'pending' || resource.status === 'processing') {
    return {
      ready: false,
      wait: 'not_ready',
      why: `the cloud is still processing the file (${resource.status})`,
    };
  }
  // A machine job file has no scan state in the contract: an operator's test file, used as it is.
  // A build file must say `passed`; absent or any other value is waited for, then refused.
  const unscanned = scan === undefined && options.kind === 'machine_job_file';
  if (scan !== 'passed' && !unscanned) {
    return {
      ready: false,
      wait: 'not_scanned',
      why: `the file is not virus-scanned (${scan ?? 'no scan state'})`,
    };
  }
  if (!resource.content)
    throw new JobFileRefused('no_file', 'the resource has no file to download (content)');
  return { ready: true, content: resource.content, unscanned };
}

/** Streams the file into `dir` (download-to-file.ts: bounded, hashed, checked, then renamed). */
async function save(
  options: DownloadJobFileOptions,
  resource: JobFileResource,
  content: string,
  name: string,
  log: Logger,
): Promise<JobFile> {
  const key = createHash('sha256').update(options.resourceUri).digest('hex').slice(0, 12);
  const path = join(options.dir, `${key}-${name}`);
  const origin = new URL(options.client.resolve(content)).origin;
  log.info({ name, file_size: resource.file_size, origin }, 'downloading the job file');
  const { size, sha256 } = await downloadToFile({
    client: options.client,
    url: content,
    path,
    name,
    maxBytes: options.maxBytes,
    tooLarge: () =>
      new JobFileRefused(
        'too_large',
        `the download passed the ${options.maxBytes} bytes allowed (the resource said ${resource.file_size ?? 'nothing'}): stopped`,
      ),
    verify: (file) => {
      if (resource.file_size != null && resource.file_size !== file.size) {
        throw new JobFileRefused(
          'checksum_mismatch',
          `the download has ${file.size} bytes, the resource says ${resource.file_size}`,
        );
      }
      if (resource.sha256 && resource.sha256.trim().toLowerCase() !== file.sha256) {
        throw new JobFileRefused(
          'checksum_mismatch',
          `the download's sha256 is ${file.sha256}, the resource says ${resource.sha256}`,
        );
      }
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    totalTimeoutMs: options.timeoutMs ?? 30 * 60_000,
  });
  log.info({ name, size, sha256 }, 'job file downloaded');
  return { path, name, size, sha256 };
}

/** `dir` made (0700) or made owner-only again; `.part` files a crash left there long ago removed. */
async function prepareDir(dir: string, log: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const problem = restrictToOwner(dir, 0o700);
  if (problem) log.warn(problem, 'the job file folder could not be made owner-only');
  const now = Date.now();
  for (const entry of await readdir(dir)) {
    if (!entry.startsWith('.') || !entry.endsWith('.part')) continue;
    const path = join(dir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > STALE_PART_MS) await rm(path, { force: true });
  }
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function fallbackName(format: string | null | undefined): string {
  return format && /^[a-z0-9]{1,8}$/i.test(format) ? `job-file.${format.toLowerCase()}` : 'job-file';
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** A character that has no place in a file name: separators, controls, Windows' reserved ones, bidi overrides. */
function unsafe(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (
    code < 0x20 ||
    code === 0x7f ||
    '<>:"/\\|?*'.includes(char) ||
    (code >= 0x200e && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * A file name that stays inside its folder: the last segment of `suggested` (either separator),
 * no control or reserved characters, no leading dots (no `..`, no hidden file), no trailing dots
 * or spaces, not a Windows device name, at most 150 bytes (the extension kept); `fallback` when
 * nothing is left.
 */
export function safeFileName(suggested: string | null | undefined, fallback = 'job-file'): string {
  const last = (suggested ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = [...last.slice(0, 4096)].map((c) => (unsafe(c) ? '_' : c)).join('');
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (name === '') name = fallback;
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = [...name.slice(0, name.length - extension.length)];
  while (stem.length > 0 && Buffer.byteLength(stem.join('') + extension) > MAX_NAME_BYTES) stem.pop();
  return (stem.join('').replace(/[.\s]+$/, '') || 'job-file') + extension;
}
