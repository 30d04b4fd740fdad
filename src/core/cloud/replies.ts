import { z } from 'zod';

/**
 * Schemas of the cloud's replies that Echo reads. Objects are loose (`z.object`): the server may add
 * fields, and Echo must not break when it does; the fields Echo relies on are checked.
 */
export const aboutReply = z.object({
  name: z.string(),
  version: z.string(),
  deployment_date: z.string().optional(),
});
export const apiTokenReply = z.object({
  uuid: z.string().min(1),
  secret: z.string().min(1),
  name: z.string().optional(),
  user_uuid: z.string().nullable().optional(),
});
export const sessionReply = z.object({
  uri: z.string().optional(),
  username: z.string().optional(),
  name: z.string().optional(),
});
export const listReply = <T extends z.ZodType>(item: T) =>
  z.object({ resources: z.array(item), total_count: z.number().int().optional() });
export const bureauReply = z.object({ uri: z.string().url(), name: z.string().optional() });
export const eccoReply = z.object({
  uri: z.string().url(),
  enabled: z.boolean().default(true),
  health: z.string().optional(),
});
export const captureReply = z.object({
  uri: z.string().url(),
  status: z.enum(['new', 'processing', 'batch_processing', 'complete', 'failed']).optional(),
  content_upload: z.string().nullable().optional(),
});
export const errorBody = z.object({
  errors: z.array(z.object({ code: z.string(), title: z.string() })).min(1),
});

export type EccoReply = z.infer<typeof eccoReply>;
export type CaptureReply = z.infer<typeof captureReply>;
export const modelerReply = z.object({
  uri: z.string(),
  name: z.string().optional(),
  watermark: z.string().nullable().optional(),
  serial_number: z.string().nullable().optional(),
  history_collection_frequency: z.string().nullable().optional(),
});
