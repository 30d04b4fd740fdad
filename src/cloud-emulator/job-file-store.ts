import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EmulatorAddresses } from './addresses.ts';

/** A file the MES hands to Echo: a `/build-file/` or a `/machine-job-file/` (contract: "Commands"). */
export interface JobFileRecord {
  uuid: string;
  uri: string;
  kind: 'build-file' | 'machine-job-file';
  /** The suggested file name (a machine-job-file has one only when a test gave it). */
  name: string | null;
  /** build-file only: `pending|processing|complete|error` (tests may change it at any time). */
  status: 'pending' | 'processing' | 'complete' | 'error';
  /** build-file only: `unscanned|passed|quarantined` (tests may change it at any time). */
  virus_scan: 'unscanned' | 'passed' | 'quarantined';
  format: 'stl' | '3mf' | 'zip' | 'gcode' | 'crs' | null;
  /** What the resource says (a test may make it lie); the bytes served are `data`. */
  file_size: number;
  /** Emulator extension, not in the seed: the hex sha256 the resource shows; null: not shown. */
  sha256: string | null;
  error: string | null;
  created: string;
  updated: string;
  data: Buffer;
  /** Download links handed out: token -> expiry (epoch ms). */
  links: Map<string, number>;
  /** Downloads that were answered with the file's bytes (a refused one does not count). */
  downloads: number;
  /** Download requests of any outcome (expired links included). */
  downloadAttempts: number;
}

export interface JobFileInput {
  name?: string | null;
  content: Buffer;
  virus_scan?: JobFileRecord['virus_scan'];
  status?: JobFileRecord['status'];
  format?: JobFileRecord['format'];
  /** Default: the content's length. */
  file_size?: number;
  /** Default: the content's sha256; null: the resource shows no checksum (as the seed's). */
  sha256?: string | null;
  error?: string | null;
}

/**
 * The job files the MES holds (`/build-file/` and `/machine-job-file/`), how a GET shows them, and
 * the short-lived `content` links their bytes are downloaded by (routes-files.ts serves those).
 */
export class JobFileStore {
  readonly buildFiles = new Map<string, JobFileRecord>();
  readonly machineJobFiles = new Map<string, JobFileRecord>();
  /** How long a `content` link handed out by a GET stays valid (EmulatorOptions.jobFileLinkTtlMs). */
  linkTtlMs = 5 * 60_000;
  /**
   * Awaited by the download route before it checks the link (tests: a download that arrives after
   * the link expired, as over a slow connection).
   */
  beforeDownload: ((file: JobFileRecord) => Promise<void> | void) | undefined;

  constructor(private readonly addresses: EmulatorAddresses) {}

  /** Adds a `/build-file/` (default: `complete`, `virus_scan: passed`). */
  addBuildFile(input: JobFileInput): JobFileRecord {
    return this.add('build-file', input);
  }

  /** Adds a `/machine-job-file/` (the seed shows no scan state for them: its bytes are always served). */
  addMachineJobFile(input: JobFileInput): JobFileRecord {
    return this.add('machine-job-file', input);
  }

  private add(kind: JobFileRecord['kind'], input: JobFileInput): JobFileRecord {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const file: JobFileRecord = {
      uuid,
      uri: this.addresses.url(`/${kind}/${uuid}/`),
      kind,
      name: input.name ?? null,
      status: input.status ?? 'complete',
      virus_scan: input.virus_scan ?? 'passed',
      format: input.format ?? null,
      file_size: input.file_size ?? input.content.length,
      sha256:
        input.sha256 === undefined ? createHash('sha256').update(input.content).digest('hex') : input.sha256,
      error: input.error ?? null,
      created: now,
      updated: now,
      data: input.content,
      links: new Map(),
      downloads: 0,
      downloadAttempts: 0,
    };
    (kind === 'build-file' ? this.buildFiles : this.machineJobFiles).set(uuid, file);
    return file;
  }

  /** A build-file's bytes may be served: processed and scanned clean. A machine-job-file's always. */
  servable(file: JobFileRecord): boolean {
    return file.kind === 'machine-job-file' || (file.status === 'complete' && file.virus_scan === 'passed');
  }

  /**
   * The resource as a GET or LIST shows it, with a fresh `content` link valid `linkTtlMs`
   * (null while the file may not be served). Expired links are forgotten here, so they stay few.
   */
  publicView(file: JobFileRecord): Record<string, unknown> {
    const now = Date.now();
    for (const [token, expires] of file.links) if (expires <= now) file.links.delete(token);
    let content: string | null = null;
    if (this.servable(file)) {
      const token = randomBytes(16).toString('hex');
      file.links.set(token, now + this.linkTtlMs);
      content = this.addresses.url(`/_files/${file.uuid}?token=${token}`);
    }
    const bureau = this.addresses.bureauUri;
    const checksum = file.sha256 === null ? {} : { sha256: file.sha256 };
    if (file.kind === 'machine-job-file') {
      return {
        uri: file.uri,
        bureau,
        content,
        ...(file.name ? { name: file.name } : {}),
        ...checksum,
      };
    }
    return {
      uri: file.uri,
      bureau,
      name: file.name,
      content,
      file_size: file.file_size,
      file_unit: 'mm',
      format: file.format,
      status: file.status,
      virus_scan: file.virus_scan,
      error: file.error,
      archived: null,
      notes: null,
      layout: null,
      printer_type: null,
      run: null,
      snapshot_content: null,
      source_build_file: null,
      upload_location: null,
      user: null,
      created: file.created,
      updated: file.updated,
      ...checksum,
    };
  }

  /** Every job file as `GET /_emulator/state` reports it (downloads counted, bytes left out). */
  summary() {
    return [...this.buildFiles.values(), ...this.machineJobFiles.values()].map((f) => ({
      uri: f.uri,
      name: f.name,
      status: f.status,
      virus_scan: f.virus_scan,
      file_size: f.file_size,
      downloads: f.downloads,
      download_attempts: f.downloadAttempts,
    }));
  }
}
