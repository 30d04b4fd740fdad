import { createHash } from 'node:crypto';

/**
 * A UUID that is a pure function of `key` (SHA-256, shaped as RFC 9562 version 8, "custom"): the
 * `echo_capture_id` of a capture that may be read twice from its source, so that both readings are
 * one capture for the store and for the cloud.
 */
export function uuidFromKey(key: string): string {
  const bytes = createHash('sha256').update(key).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
