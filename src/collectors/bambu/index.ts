import { defineCollector } from '../sdk/collector.ts';
import { bambuConnection } from './config.ts';
import { listenForBambu } from './discovery.ts';

/** Bambu Lab X1, P1 and A1 printers over LAN-mode MQTT (TLS, port 8883). */
export const bambu = defineCollector({
  id: 'bambu',
  vendor: 'Bambu Lab',
  models: 'X1 Carbon, X1E, P1S, P1P, A1, A1 mini',
  protocol: 'mqtt',
  captureTypes: ['bambu.modeler.status'],
  commands: ['pause_job', 'resume_job', 'cancel_job', 'start_job'],
  capabilities: ['status', 'jobs', 'push', 'discovery'],
  discover: (ms) => listenForBambu(ms),
  connectionSchema: bambuConnection,
  // The topics need the serial number: without one in the cloud, the machine is configured by hand.
  fromModeler: ({ host, port, serialNumber }) =>
    serialNumber ? { host, serial: serialNumber, ...(port ? { port } : {}) } : undefined,
  load: async () => {
    const { BambuCollector } = await import('./collector.ts');
    return (connection, ctx) => new BambuCollector(connection, ctx);
  },
});
