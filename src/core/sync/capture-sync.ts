import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { CloudHttpError, CloudReplyError, StoreError } from '../../shared/errors.ts';
import { Wakeup } from '../clock.ts';
import { captureReply } from '../cloud/replies.ts';
import type { StoredCapture } from '../store/types.ts';
import { classifyError } from './classify-error.ts';
import { findExistingCapture } from './existing-capture.ts';
import { retryAtToStore, retryDueAt } from './retry-due.ts';
import type { SyncContext } from './sync-context.ts';

const IDLE_RECHECK_MS = 5000;

/**
 * Sends captures: create (`POST /capture/`), upload (`PUT` to the upload URL), verify (`GET`), then
 * acknowledged. Captures of one machine go in order, one at a time; different machines go
 * concurrently up to `sync.max_in_flight`. Every step is stored before the next, so a crash at any
 * point resumes where it stopped, and the capture URI is stored before the upload starts.
 */
export class CaptureSync {
  readonly wakeup = new Wakeup();
  private readonly inFlight = new Set<string>();
  /** Machines whose captures wait because no modeler URI is known for them. */
  readonly waitingForModeler = new Set<string>();
  sent = 0;

  constructor(private readonly ctx: SyncContext) {}

  async run(signal: AbortSignal, active: () => boolean): Promise<void> {
    const { clock, store } = this.ctx;
    const running = new Set<Promise<void>>();
    while (!signal.aborted) {
      if (!active()) {
        await this.wakeup.wait(clock, 1000, signal);
        continue;
      }
      const now = clock.now();
      let nextDue = now + IDLE_RECHECK_MS;
      for (const machine of store.captures.machinesWithBacklog()) {
        if (this.inFlight.size >= this.ctx.config.sync.max_in_flight) break;
        if (this.inFlight.has(machine)) continue;
        const head = store.captures.next(machine);
        if (!head) continue;
        const due = retryDueAt(head.nextAttemptAt, now, this.ctx.config.sync.backoff_max_ms);
        if (due > now) {
          nextDue = Math.min(nextDue, due);
          continue;
        }
        if (!this.ctx.captureOwnerFor(machine)) {
          this.waitingForModeler.add(machine);
          continue;
        }
        this.waitingForModeler.delete(machine);
        this.inFlight.add(machine);
        const work = this.drainMachine(machine, signal, active)
          .catch((error: unknown) => this.drainFailed(machine, error))
          .finally(() => {
            this.inFlight.delete(machine);
            running.delete(work);
            this.wakeup.poke();
          });
        running.add(work);
      }
      await this.wakeup.wait(clock, Math.max(5, nextDue - now), signal);
    }
    await Promise.allSettled(running);
  }

  private async drainMachine(machine: string, signal: AbortSignal, active: () => boolean): Promise<void> {
    const { store, gate, clock } = this.ctx;
    while (!signal.aborted && active()) {
      const head = store.captures.next(machine);
      const now = clock.now();
      if (!head || retryDueAt(head.nextAttemptAt, now, this.ctx.config.sync.backoff_max_ms) > now) return;
      await gate.pass(signal);
      if (signal.aborted) return;
      try {
        await this.step(head);
        gate.succeeded();
      } catch (error) {
        this.fail(head, error);
        return;
      }
    }
  }

  /**
   * A machine's drain stopped on something other than a request (the store refused to record a
   * step: disk full, unwritable). The step is redone from the stored state later: every step is
   * idempotent (the cloud drops a capture it has by echo_capture_id).
   */
  private drainFailed(machine: string, error: unknown): void {
    if (error instanceof StoreError && error.retryable)
      this.ctx.logger.debug(
        { machine, code: error.code },
        'a capture step could not be recorded; redone later',
      );
    else
      this.ctx.logger.error({ machine, err: error }, 'sending captures failed unexpectedly; retried later');
  }

  private async step(capture: StoredCapture): Promise<void> {
    const { client, store, config } = this.ctx;
    if (capture.state === 'pending') {
      const owner = this.ctx.captureOwnerFor(capture.machine)!;
      let created: Awaited<ReturnType<typeof client.create>>;
      try {
        created = await client.create('capture/', {
          [owner.field]: owner.uri,
          capture_type_name: capture.captureTypeName,
          printer_names: capture.printerNames,
          meta: capture.meta,
        });
      } catch (error) {
        if (!(error instanceof CloudHttpError && error.status === 409)) throw error;
        await this.adoptExisting(capture);
        return;
      }
      const upload = created.uploadLocation ?? (await this.fetchUploadUrl(created.location));
      store.captures.markCreated(capture.id, created.location, upload);
      return;
    }
    if (capture.state === 'created') {
      await this.upload(capture);
      store.captures.markUploaded(capture.id);
      return;
    }
    if (capture.state === 'uploaded') {
      if (config.cloud.verify_uploads) {
        const remote = await client.json({ method: 'GET', url: capture.captureUri! }, captureReply);
        if (remote.status === 'failed') {
          this.ctx.logger.warn(
            { capture: capture.captureUri, machine: capture.machine, echo_capture_id: capture.echoCaptureId },
            'the cloud could not parse a capture (status failed); it is kept there for inspection',
          );
        }
      }
      store.captures.markAcknowledged(capture.id);
      this.sent++;
    }
  }

  /**
   * `409` to the create: the cloud already has this `echo_capture_id` (an earlier POST whose reply
   * was lost). It is the same capture: go on with it, never dead-letter it. Its content there
   * already (status past `new`): verified and acknowledged by the next step, not uploaded again.
   */
  private async adoptExisting(capture: StoredCapture): Promise<void> {
    const { client, store, logger } = this.ctx;
    const existing = await findExistingCapture(client, capture.echoCaptureId);
    store.captures.markCreated(capture.id, existing.uri, existing.uploadUrl);
    if (existing.hasContent) store.captures.markUploaded(capture.id);
    logger.info(
      {
        machine: capture.machine,
        echo_capture_id: capture.echoCaptureId,
        capture: existing.uri,
        uploaded: existing.hasContent,
      },
      'the cloud already had this capture (409); continuing with it',
    );
  }

  private async fetchUploadUrl(captureUri: string): Promise<string> {
    const remote = await this.ctx.client.json({ method: 'GET', url: captureUri }, captureReply);
    if (!remote.content_upload)
      throw new CloudReplyError(`${captureUri} has neither X-Upload-Location nor content_upload`);
    return remote.content_upload;
  }

  private async upload(capture: StoredCapture): Promise<void> {
    const { client } = this.ctx;
    const url = capture.uploadUrl ?? (await this.fetchUploadUrl(capture.captureUri!));
    const body =
      (capture.contentPath === undefined ? this.ctx.store.captures.inlineContent(capture.id) : undefined) ??
      (Readable.toWeb(createReadStream(capture.contentPath!)) as ReadableStream<Uint8Array>);
    await client.send({
      method: 'PUT',
      url,
      body,
      contentType: capture.contentType,
      contentLength: capture.contentSize,
      // On another origin (a presigned object-store URL) it goes without the credential.
      presigned: true,
    });
  }

  private fail(capture: StoredCapture, error: unknown): void {
    const { store, logger } = this.ctx;
    const outcome = classifyError(error, this.ctx);
    const where = { machine: capture.machine, echo_capture_id: capture.echoCaptureId, state: capture.state };
    switch (outcome.kind) {
      case 'retry':
        store.captures.markRetry(
          capture.id,
          outcome.reason,
          retryAtToStore(outcome.at, this.ctx.clock.now(), this.ctx.config.sync.backoff_max_ms),
        );
        logger.debug({ ...where, reason: outcome.reason }, 'capture will be retried');
        return;
      case 'not_found':
        if (capture.state === 'pending') {
          store.captures.markDead(capture.id, outcome.reason);
          logger.warn(
            { ...where, reason: outcome.reason },
            'the cloud refused a capture; it is dead-lettered',
          );
        } else {
          // The capture or its upload URL is gone: create it again (the server drops duplicates).
          store.captures.resetToPending(capture.id, outcome.reason);
        }
        return;
      case 'dead':
        store.captures.markDead(capture.id, outcome.reason);
        logger.warn({ ...where, reason: outcome.reason }, 'the cloud refused a capture; it is dead-lettered');
        return;
      case 'unauthenticated':
        return;
    }
  }
}
