import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { BlobFiles } from './blob-files.ts';
import type { DiskSpace } from './disk-space.ts';
import type { StoreHandle } from './handle.ts';
import { captureRecord, logRecord, type PendingRecord, stateRecord } from './pending-records.ts';
import type { CaptureInput, PollRecords } from './types.ts';
import { uuidFromKey } from './uuid-from-key.ts';

/** What the store lends the preparation of captures and polls (Store owns every one of them). */
export interface PollIngestParts {
  handle: StoreHandle;
  blobs: BlobFiles;
  space: DiskSpace;
  inlineMaxBytes: number;
  now: () => number;
  /** Who is signed in to the cloud now: each log entry keeps it (Store.logUser). */
  logUser: () => string | null;
  /** Frees about `bytes` in the current transaction; returns the blob files to delete (Store). */
  makeRoom: (bytes: number) => string[];
}

/**
 * Turns what a collector hands the store into records for the group commit: a capture gets its
 * id and row, its large content written to a blob file first (making room on a full disk); a poll
 * gets its captures, its log lines and its collector position, to be committed together.
 */
export class PollIngest {
  constructor(private readonly parts: PollIngestParts) {}

  /** The records of one poll, in the order they are committed, and the ids of its captures. */
  pollRecords(poll: PollRecords): { records: PendingRecord[]; echoCaptureIds: string[] } {
    const records: PendingRecord[] = [];
    const echoCaptureIds: string[] = [];
    for (const capture of poll.captures) {
      const { record, echoCaptureId } = this.prepareCapture(capture);
      records.push(record);
      echoCaptureIds.push(echoCaptureId);
    }
    const now = this.parts.now();
    for (const entry of poll.logs) records.push(logRecord(entry, now, this.parts.logUser()));
    for (const [key, value] of poll.state) records.push(stateRecord(key, value));
    return { records, echoCaptureIds };
  }

  /** A capture's row, its content written to a blob file first when it is large. */
  prepareCapture(input: CaptureInput): { record: PendingRecord; echoCaptureId: string } {
    const echoCaptureId = input.idempotencyKey
      ? uuidFromKey(`${input.machine}\u0000${input.idempotencyKey}`)
      : randomUUID();
    const content = typeof input.content === 'string' ? Buffer.from(input.content) : input.content;
    const meta = { ...input.meta, echo_capture_id: echoCaptureId };
    const contentPath =
      content.length <= this.parts.inlineMaxBytes ? null : this.writeBlob(echoCaptureId, content);
    const now = this.parts.now();
    const record = captureRecord({
      echoCaptureId,
      machine: input.machine,
      captureTypeName: input.captureTypeName,
      content,
      contentPath,
      contentType: input.contentType,
      meta,
      printerNames: input.printerNames ?? [input.machine],
      capturedAt: input.capturedAt ?? now,
      now,
    });
    return { record, echoCaptureId };
  }

  /**
   * Writes a capture's content file. On a full disk with `drop_oldest_captures` the oldest unsent
   * captures make room for it (their files are what frees the disk) and it is written once more.
   */
  private writeBlob(echoCaptureId: string, content: Buffer): string {
    const { handle, blobs, space } = this.parts;
    try {
      return handle.guard(() => blobs.writeDurably(echoCaptureId, content));
    } catch (error) {
      blobs.discard(echoCaptureId);
      if (!space.canMakeRoom(error)) {
        space.countRefused(error, 'captures');
        throw error;
      }
      try {
        handle.guard(() => this.freeForDiskFull(content.length));
        return handle.guard(() => blobs.writeDurably(echoCaptureId, content));
      } catch (again) {
        blobs.discard(echoCaptureId);
        space.countRefused(again, 'captures');
        throw again;
      }
    }
  }

  /** Drops the oldest unsent captures worth about `bytes` (at least 256 KB), in one transaction. */
  private freeForDiskFull(bytes: number): void {
    const freed: string[] = [];
    this.parts.handle.db.transaction(() => {
      freed.push(...this.parts.makeRoom(Math.max(bytes * 2, 256 * 1024)));
    })();
    for (const path of freed) rmSync(path, { force: true });
  }
}
