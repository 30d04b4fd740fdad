import { z } from 'zod';

/** One way of reaching the cloud's `/about/`, tried once. */
export const probeResultSchema = z.object({
  reachable: z.boolean(),
  /** "answered 200", or why not in words. */
  detail: z.string(),
  /** The TLS code when the certificate was not trusted (an inspecting proxy's, most often). */
  certificateCode: z.string().optional(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

/** The proxy check at start (docs/network.md): which way to the cloud works. */
export const networkCheckSchema = z.object({
  checkedAt: z.string(),
  url: z.string(),
  /** Where the proxy in effect comes from. */
  source: z.enum(['config', 'environment', 'system', 'none']),
  /** The way Echo sends cloud requests. */
  route: z.enum(['direct', 'proxy']),
  /** The proxy, without credentials. */
  proxy: z.string().optional(),
  direct: probeResultSchema,
  proxied: probeResultSchema.optional(),
  /** CAs trusted besides Node's ("cloud.ca_file: 2 certificates"). */
  trust: z.array(z.string()),
  /** Who issued the certificate Echo did not trust, when one was shown. */
  issuer: z.string().optional(),
  /** Whether the cloud answers on the way Echo uses. */
  reachable: z.boolean(),
  summary: z.string(),
});
export type NetworkCheck = z.infer<typeof networkCheckSchema>;
