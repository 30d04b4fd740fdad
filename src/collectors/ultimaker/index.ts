import { defineCollector } from '../sdk/collector.ts';
import { ultimakerConnection } from './config.ts';
import { findUltimakers } from './discovery.ts';

/** Ultimaker S3/S5/S7 and UM3 over their local HTTP API. */
export const ultimaker = defineCollector({
  id: 'ultimaker',
  vendor: 'Ultimaker',
  models: 'S3, S5, S7, Ultimaker 3',
  protocol: 'http',
  captureTypes: ['ultimaker.modeler.log'],
  capabilities: ['status', 'jobs', 'history', 'logs', 'discovery'],
  commands: ['pause_job', 'resume_job', 'cancel_job', 'start_job'],
  discover: (ms) => findUltimakers(ms),
  connectionSchema: ultimakerConnection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { UltimakerCollector } = await import('./collector.ts');
    return (connection, ctx) => new UltimakerCollector(connection, ctx);
  },
});
