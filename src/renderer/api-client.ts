/**
 * The UI's only way to the agent: the local API on the same origin, with the bearer token, through
 * the typed client of src/shared/api (every request names a route of its table). In Electron the
 * preload hands the token over (`window.echo`); in a browser it comes once in the address's
 * fragment (`#token=…`, never sent to a server) and is kept for the tab's session.
 */
import { type ApiClient, createApiClient } from '../shared/api/client.ts';
import type { EchoBridge } from '../shared/bridge.ts';
import { readServerSentEvents } from './event-stream.ts';

declare global {
  interface Window {
    /** The desktop app's preload bridge; absent in a browser. */
    echo?: EchoBridge;
  }
}

const KEY = 'echo.token';

export function takeToken(): string | undefined {
  if (window.echo?.token) return window.echo.token;
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

/**
 * Follows `GET /api/v1/events` (server-sent events) with the token in a header, which
 * `EventSource` cannot send: a fetch stream read by `readServerSentEvents` (eventsource-parser,
 * bounded). A malformed or oversized event drops the connection; it reconnects after a drop.
 */
export function followEvents(
  token: string,
  onEvent: (type: string, data: unknown) => void,
  onState: (connected: boolean, reason?: string) => void,
): () => void {
  const controller = new AbortController();
  const run = async () => {
    // The first retry after a drop is quick (a core restart takes a moment), later ones 2 s apart.
    let retryMs = 250;
    while (!controller.signal.aborted) {
      try {
        // Deltas: a full status first, then only the machines that changed (and when each was heard).
        const response = await api(token).open(
          'events',
          { query: { deltas: '1' } },
          { accept: 'text/event-stream', signal: controller.signal },
        );
        if (response.status === 401) {
          onState(
            false,
            'The access token was refused: open Echo again from the app or `echo-agent status`.',
          );
          return;
        }
        if (!response.ok || !response.body) throw new Error(`answered ${response.status}`);
        onState(true);
        retryMs = 250;
        await readServerSentEvents(response.body, (type, data) => {
          if (data) onEvent(type, JSON.parse(data));
        });
        onState(false, 'The agent closed the connection; reconnecting…');
      } catch {
        if (controller.signal.aborted) return;
        onState(false, 'The agent is not answering; reconnecting…');
      }
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = 2000;
    }
  };
  void run();
  return () => controller.abort();
}

/** The typed client of the local API (src/shared/api), on this origin with the token. */
export function api(token: string): ApiClient {
  return createApiClient({ baseUrl: '', token });
}
