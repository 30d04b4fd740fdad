import { z } from 'zod';

/**
 * Messages between the desktop app's main process and the agent core it runs as a utility
 * process (its `parentPort`). One pair so far: the core asks how to reach a cloud URL, the shell
 * answers with Chromium's PAC answer (`session.resolveProxy`: system settings, PAC, WPAD).
 */
export const RESOLVE_PROXY = 'echo:resolve-proxy';
export const PROXY_RESOLVED = 'echo:proxy-resolved';

export const resolveProxyRequestSchema = z.strictObject({
  type: z.literal(RESOLVE_PROXY),
  id: z.number().int().nonnegative(),
  url: z.url({ protocol: /^https?$/ }).max(4096),
});
export type ResolveProxyRequest = z.infer<typeof resolveProxyRequestSchema>;

export const proxyResolvedSchema = z.strictObject({
  type: z.literal(PROXY_RESOLVED),
  id: z.number().int().nonnegative(),
  /** `PROXY host:port; DIRECT` and the like; `DIRECT` when Chromium could not say. */
  pac: z.string().max(4096),
});
export type ProxyResolved = z.infer<typeof proxyResolvedSchema>;
