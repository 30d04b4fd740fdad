import { defineCollector } from '../sdk/collector.ts';
import { logFilesConnection } from './config.ts';

/** Machines without an API (Arcam, EOS, Connex, ProJet, Renishaw), read through their log files. */
export const logFiles = defineCollector({
  id: 'log-files',
  vendor: 'Arcam, EOS, Stratasys Connex, 3D Systems ProJet, Renishaw',
  models: 'machines that write logs to a folder or share (format chosen per machine)',
  protocol: 'files',
  captureTypes: [
    'arcam.job.log',
    'eos.modeler.log',
    'connex.modeler.log',
    'projet660.modeler.log',
    'renishaw.modeler.log',
    'renishaw.modeler.historic',
  ],
  capabilities: ['status', 'jobs', 'logs', 'history'],
  connectionSchema: logFilesConnection,
  load: async () => {
    const { LogFilesCollector } = await import('./collector.ts');
    return (connection, ctx) => new LogFilesCollector(connection, ctx);
  },
});
