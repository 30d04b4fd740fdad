import { defineCollector } from '../sdk/collector.ts';
import { formlabsConnection } from './config.ts';

/** Formlabs printers through the Formlabs Web API (cloud account) or a local PreFormServer. */
export const formlabs = defineCollector({
  id: 'formlabs',
  vendor: 'Formlabs',
  models: 'Form 3/3+/3L/3BL, Form 4/4L, Fuse 1/1+ (Formlabs Web API or PreFormServer)',
  protocol: 'http',
  captureTypes: ['formlabs.modeler.status'],
  capabilities: ['status', 'jobs', 'history', 'discovery'],
  discover: async (ms) => (await import('./discovery.ts')).findFormlabsPrinters(ms),
  connectionSchema: formlabsConnection,
  fromModeler: ({ serialNumber }) => (serialNumber ? { mode: 'local', serial: serialNumber } : undefined),
  load: async () => {
    const { formlabsCollector } = await import('./collector.ts');
    return (connection, ctx) => formlabsCollector(connection, ctx);
  },
});
