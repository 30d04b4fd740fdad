import { defineCollector } from '../sdk/collector.ts';
import { eosConnectV6Connection } from './config.ts';

/** EOS M/P machines with the EOSCONNECT v6 web API (HTTPS, user and password). */
export const eosConnectV6 = defineCollector({
  id: 'eos-connect-v6',
  vendor: 'EOS',
  models: 'EOS M 290, M 300-4, M 400(-4), P 396, P 500 with EOSCONNECT v6',
  protocol: 'http',
  captureTypes: ['eosconnet_v6_http_modeler.jobs'],
  capabilities: ['status', 'jobs', 'history'],
  connectionSchema: eosConnectV6Connection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { EosConnectV6Collector } = await import('./collector.ts');
    return (connection, ctx) => new EosConnectV6Collector(connection, ctx);
  },
});
