import { defineCollector } from '../sdk/collector.ts';
import { photocentricJeniConnection } from './config.ts';

/** Photocentric JENI automated print, wash and cure cell, over an HTTP API that is assumed (README). */
export const photocentricJeni = defineCollector({
  id: 'photocentric-jeni',
  vendor: 'Photocentric',
  models: 'JENI automated print/wash/cure cell',
  protocol: 'http',
  captureTypes: ['photocentric_jeni.modeler.status'],
  capabilities: ['status', 'jobs', 'presets'],
  commands: ['pause_job', 'resume_job', 'cancel_job', 'start_job'],
  connectionSchema: photocentricJeniConnection,
  fromModeler: ({ host, port }) => ({ host, ...(port ? { port } : {}) }),
  load: async () => {
    const { PhotocentricJeniCollector } = await import('./collector.ts');
    return (connection, ctx) => new PhotocentricJeniCollector(connection, ctx);
  },
});
