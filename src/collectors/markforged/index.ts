import { defineCollector } from '../sdk/collector.ts';
import { markforgedConnection } from './config.ts';

/** Markforged printers (Onyx, Mark Two, X7, FX10, Metal X) through the Eiger API v3. */
export const markforged = defineCollector({
  id: 'markforged',
  vendor: 'Markforged',
  models: 'Onyx One/Pro, Mark Two, X3/X5/X7, FX10, FX20, Metal X (Eiger cloud)',
  protocol: 'http',
  captureTypes: ['markforged.modeler.status'],
  capabilities: ['status', 'jobs', 'history'],
  connectionSchema: markforgedConnection,
  load: async () => {
    const { markforgedCollector } = await import('./collector.ts');
    return (connection, ctx) => markforgedCollector(connection, ctx);
  },
});
