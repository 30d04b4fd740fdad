import { defineCollector } from '../sdk/collector.ts';
import { opcuaConnection } from '../sdk/opcua-config.ts';
import { eosCoreSpec } from './map.ts';

/** EOS machines with EOSCONNECT Core: OPC UA, user and password, SignAndEncrypt. */
export const eosConnectCore = defineCollector({
  id: 'eos-connect-core',
  vendor: 'EOS',
  models: 'EOS M 290, M 300-4, M 400(-4), P 396, P 500 with EOSCONNECT Core',
  protocol: 'opcua',
  captureTypes: ['eos_connect.modeler.log'],
  capabilities: ['status', 'jobs', 'logs', 'push'],
  // Through the job methods the server exposes, found by browsing (README "Remote commands").
  commands: ['pause_job', 'resume_job', 'cancel_job'],
  connectionSchema: opcuaConnection,
  fromModeler: ({ host, port }) => ({ endpoint_url: `opc.tcp://${host}:${port ?? 4843}` }),
  load: async () => {
    const { OpcuaCollector } = await import('../sdk/opcua-collector.ts');
    return (connection, ctx) => new OpcuaCollector(connection, eosCoreSpec, ctx);
  },
});
