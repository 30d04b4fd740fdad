import { defineCollector } from '../sdk/collector.ts';
import { opcuaConnection } from '../sdk/opcua-config.ts';
import { slmSpec } from './map.ts';

/** SLM Solutions machines over OPC UA, with subscriptions. */
export const slm = defineCollector({
  id: 'slm',
  vendor: 'SLM Solutions (Nikon SLM)',
  models: 'SLM 125, 280, 500, 800, NXG XII 600',
  protocol: 'opcua',
  captureTypes: ['slm.modeler.status'],
  capabilities: ['status', 'jobs', 'push'],
  // Through the job methods the server exposes, found by browsing (README "Remote commands").
  commands: ['pause_job', 'resume_job', 'cancel_job'],
  connectionSchema: opcuaConnection,
  fromModeler: ({ host, port }) => ({ endpoint_url: `opc.tcp://${host}:${port ?? 4840}` }),
  load: async () => {
    const { OpcuaCollector } = await import('../sdk/opcua-collector.ts');
    return (connection, ctx) => new OpcuaCollector(connection, slmSpec, ctx);
  },
});
