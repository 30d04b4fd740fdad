import { z } from 'zod';
import { CloudReplyError } from '../../shared/errors.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { captureReply, listReply } from '../cloud/replies.ts';

const listedCapture = captureReply.extend({
  meta: z.looseObject({ echo_capture_id: z.string().optional() }).nullable().optional(),
});

/** The capture the cloud already has for an `echo_capture_id`, as a `POST /capture/` answered 409. */
export interface ExistingCapture {
  uri: string;
  /** Its upload URL (`content_upload`) while it waits for its content. */
  uploadUrl: string | undefined;
  /** True when its content is already there (status other than `new`). */
  hasContent: boolean;
}

/**
 * Finds it with `GET /capture/?filter[meta.echo_capture_id]=<id>`; each entry is checked too, for a
 * cloud that ignores the filter. None found is a reply that does not match the 409: retried later.
 * A URI on another origin is refused as a `Location` would be.
 */
export async function findExistingCapture(
  client: CloudHttpClient,
  echoCaptureId: string,
): Promise<ExistingCapture> {
  const id = encodeURIComponent(echoCaptureId);
  const list = await client.json(
    { method: 'GET', url: `capture/?filter[meta.echo_capture_id]=${id}&page[limit]=100` },
    listReply(listedCapture),
  );
  const found = list.resources.find((c) => c.meta?.echo_capture_id === echoCaptureId);
  if (!found)
    throw new CloudReplyError(
      `POST capture/ answered 409 but GET capture/ lists no capture with echo_capture_id ${echoCaptureId}`,
    );
  if (!client.trusts(found.uri)) throw client.refuse('GET', found.uri);
  const waiting = found.status === undefined || found.status === 'new';
  return {
    uri: client.resolve(found.uri),
    uploadUrl: found.content_upload ? client.resolve(found.content_upload) : undefined,
    hasContent: !waiting,
  };
}
