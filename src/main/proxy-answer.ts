import { PROXY_RESOLVED, type ProxyResolved, resolveProxyRequestSchema } from '../shared/shell-messages.ts';

/**
 * The shell's answer to the core's "how do I reach this URL": Chromium's PAC answer for it
 * (`session.resolveProxy`, with the system settings, PAC files and WPAD). Anything from the core
 * that is not such a request is ignored (undefined); a resolver that fails answers `DIRECT`, which
 * the core logs, rather than leaving it waiting.
 */
export async function answerProxyRequest(
  message: unknown,
  resolveProxy: (url: string) => Promise<string>,
): Promise<ProxyResolved | undefined> {
  const request = resolveProxyRequestSchema.safeParse(message);
  if (!request.success) return undefined;
  let pac = 'DIRECT';
  try {
    pac = (await resolveProxy(request.data.url)).slice(0, 4096) || 'DIRECT';
  } catch {
    // Chromium could not say (no network service yet): direct, as a browser would try.
  }
  return { type: PROXY_RESOLVED, id: request.data.id, pac };
}
