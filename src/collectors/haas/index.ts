import { defineCollector } from '../sdk/collector.ts';
import { haasConnection } from './config.ts';

/** Haas NGC CNC controls through Q-commands, over RS-232 or TCP. */
export const haas = defineCollector({
  id: 'haas',
  vendor: 'Haas Automation',
  models: 'Haas mills and lathes with the NGC control (and Classic Haas Control over RS-232)',
  protocol: 'serial',
  captureTypes: ['haas.modeler.status'],
  capabilities: ['status', 'jobs'],
  connectionSchema: haasConnection,
  fromModeler: ({ host, port }) => ({ transport: 'tcp', host, port: port ?? 5051 }),
  load: async () => {
    const { HaasCollector } = await import('./collector.ts');
    return (connection, ctx) => new HaasCollector(connection, ctx);
  },
});
