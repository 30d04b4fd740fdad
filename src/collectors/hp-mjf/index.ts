import { defineCollector } from '../sdk/collector.ts';
import { hpMjfConnection } from './config.ts';

/** HP Multi Jet Fusion printers, over an HTTP status API that is assumed (README). */
export const hpMjf = defineCollector({
  id: 'hp-mjf',
  vendor: 'HP',
  models: 'HP Jet Fusion 4200/5200 series (Multi Jet Fusion), assumed API',
  protocol: 'http',
  captureTypes: ['hp.modeler.status'],
  capabilities: ['status', 'jobs'],
  connectionSchema: hpMjfConnection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { HpMjfCollector } = await import('./collector.ts');
    return (connection, ctx) => new HpMjfCollector(connection, ctx);
  },
});
