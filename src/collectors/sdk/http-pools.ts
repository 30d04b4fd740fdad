import http from 'node:http';
import https from 'node:https';
import type { SharedResources } from './shared-resources.ts';

/**
 * Keep-alive connection pools shared by the HTTP machines of one collection: a machine polled each
 * second reuses its connection instead of a TCP handshake per request. Plain `node:http` rather
 * than `fetch`: with hundreds of machines, fetch's stream and abort machinery costs several times
 * the CPU. Owned by the collection (see SharedResources): its sockets close when it stops.
 */
export class HttpPools {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: 60_000 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: 60_000 }),
  };

  agentFor(protocol: string): http.Agent | undefined {
    return protocol === 'https:' || protocol === 'http:' ? this.agents[protocol] : undefined;
  }

  destroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/** The collection's HTTP pools, made on first use. */
export function httpPools(shared: SharedResources): HttpPools {
  return shared.get(
    'sdk/http-pools',
    () => new HttpPools(),
    (pools) => pools.destroy(),
  );
}
