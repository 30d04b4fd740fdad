import { PROXY_RESOLVED, proxyResolvedSchema, RESOLVE_PROXY } from '../../../shared/shell-messages.ts';
import type { SystemProxyResolver } from './system-proxy.ts';

/** The message port of an Electron utility process (`process.parentPort`), as far as Echo uses it. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** How long the core waits for the desktop app's answer before it goes direct (said in the log). */
const ANSWER_TIMEOUT_MS = 5000;

/**
 * The system proxy resolver of a core the desktop app runs: asks the app over the utility
 * process's port (the app asks Chromium). Headless there is no port: undefined, and `auto` means
 * the environment or direct.
 */
export function shellProxyResolver(
  port: ParentPortLike | undefined = (process as { parentPort?: ParentPortLike }).parentPort,
  timeoutMs = ANSWER_TIMEOUT_MS,
): SystemProxyResolver | undefined {
  if (!port) return undefined;
  let next = 0;
  const waiting = new Map<number, (pac: string) => void>();
  port.on('message', (event) => {
    const answer = proxyResolvedSchema.safeParse(event.data);
    if (!answer.success || answer.data.type !== PROXY_RESOLVED) return;
    waiting.get(answer.data.id)?.(answer.data.pac);
    waiting.delete(answer.data.id);
  });
  return {
    resolve(url: string): Promise<string> {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(
            new Error(
              `the desktop app did not say within ${timeoutMs} ms how to reach ${new URL(url).origin}`,
            ),
          );
        }, timeoutMs);
        waiting.set(id, (pac) => {
          clearTimeout(timer);
          resolve(pac);
        });
        port.postMessage({ type: RESOLVE_PROXY, id, url });
      });
    },
  };
}
