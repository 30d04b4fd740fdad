import { defineCollector } from '../sdk/collector.ts';
import { catalystexConnection } from './config.ts';

/** Stratasys printers of the CatalystEX era, through their status port (TCP 53742, `status.sts`). */
export const catalystex = defineCollector({
  id: 'catalystex',
  vendor: 'Stratasys',
  models:
    'uPrint / uPrint SE (Plus), Dimension (Elite, SST/BST 768/1200es), Fortus (CatalystEX / Insight era)',
  protocol: 'tcp',
  captureTypes: ['catex.modeler.status', 'catex.modeler.jobs'],
  capabilities: ['status', 'jobs', 'history'],
  connectionSchema: catalystexConnection,
  fromModeler: ({ host, port }) => ({ host, port: port ?? 53742 }),
  load: async () => {
    const { CatalystexCollector } = await import('./collector.ts');
    return (connection, ctx) => new CatalystexCollector(connection, ctx);
  },
});
