import { defineCollector } from '../sdk/collector.ts';
import { carbonConnection } from './config.ts';

/** Carbon DLS printers (M1, M2, M3, L1) through the Carbon API v1. */
export const carbon = defineCollector({
  id: 'carbon',
  vendor: 'Carbon',
  models: 'M1, M2, M3, M3 Max, L1 (Carbon cloud)',
  protocol: 'http',
  captureTypes: ['carbon3D.modeler.status'],
  capabilities: ['status', 'jobs', 'history'],
  connectionSchema: carbonConnection,
  load: async () => {
    const { carbonCollector } = await import('./collector.ts');
    return (connection, ctx) => carbonCollector(connection, ctx);
  },
});
