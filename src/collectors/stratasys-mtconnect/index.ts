import { defineCollector } from '../sdk/collector.ts';
import { stratasysConnection } from './config.ts';

/** Stratasys F-series (F170/F270/F370/F770/F900) through MTConnect. */
export const stratasysMtconnect = defineCollector({
  id: 'stratasys-mtconnect',
  vendor: 'Stratasys',
  models: 'F170, F270, F370, F770, F900 (Stratasys Connectivity / MTConnect agent)',
  protocol: 'http',
  captureTypes: ['stratasys.connectivity.modeler.status', 'stratasys.connectivity.modeler.historic'],
  capabilities: ['status', 'jobs', 'history'],
  connectionSchema: stratasysConnection,
  fromModeler: ({ host, port }) => ({ url: `http://${host}:${port ?? 5000}/` }),
  load: async () => {
    const { StratasysCollector } = await import('./collector.ts');
    return (connection, ctx) => new StratasysCollector(connection, ctx);
  },
});
