/**
 * The UI's only way to the agent: the local API on the same origin, with the bearer token, through
 * the typed client of src/shared/api (every request names a route of its table). In Electron the
 * preload hands the token over (`window.echo`); in a browser it comes once in the address's
 * fragment (`#token=…`, never sent to a server) and is kept for the tab's session.
 */
import { type ApiClient, createApiClient } from '../shared/api/client.ts';

declare global {
  interface Window {
    echo?: { apiUrl: string; token: string };
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
 * `EventSource` cannot send: a fetch stream read line by line. Reconnects after a drop.
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
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (data) onEvent(type, JSON.parse(data));
            end = buffer.indexOf('\n\n');
          }
        }
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
