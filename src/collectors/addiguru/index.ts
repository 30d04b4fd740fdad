import { defineCollector } from '../sdk/collector.ts';
import { addiguruConnection } from './config.ts';

/**
 * An Addiguru in-situ monitoring hub on the LAN, analysing the builds of several printers, over an
 * HTTP API that is assumed (README). Configure it with `addiguru_installation` instead of `modeler`.
 */
export const addiguru = defineCollector({
  id: 'addiguru',
  vendor: 'Addiguru',
  models: 'Addiguru in-situ monitoring hub (assumed API)',
  protocol: 'http',
  captureTypes: ['addiguru.build.analysis'],
  capabilities: ['status', 'history'],
  connectionSchema: addiguruConnection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { AddiguruCollector } = await import('./collector.ts');
    return (connection, ctx) => new AddiguruCollector(connection, ctx);
  },
});
