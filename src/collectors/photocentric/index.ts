import { defineCollector } from '../sdk/collector.ts';
import { photocentricConnection } from './config.ts';

/** Photocentric LCD printers (Liquid Crystal Magna, Titan, Opus) through Photonic3D's REST API. */
export const photocentric = defineCollector({
  id: 'photocentric',
  vendor: 'Photocentric',
  models: 'Liquid Crystal Magna, Titan, Opus (Photonic3D host software)',
  protocol: 'http',
  captureTypes: ['photocentric.modeler.status'],
  capabilities: ['status', 'jobs', 'presets'],
  commands: ['pause_job', 'resume_job', 'cancel_job', 'start_job'],
  connectionSchema: photocentricConnection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { PhotocentricCollector } = await import('./collector.ts');
    return (connection, ctx) => new PhotocentricCollector(connection, ctx);
  },
});
