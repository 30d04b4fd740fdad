/**
 * The local API's contract: the route table, the wire types and the client. Imports only zod and
 * src/shared, so the core, the renderer and the CLI can all take it.
 */
export * from './bodies.ts';
export * from './client.ts';
export * from './endpoints.ts';
export * from './route-spec.ts';
export * from './routes.ts';
export * from './wire-machines.ts';
export * from './wire-network.ts';
export * from './wire-records.ts';
export * from './wire-settings.ts';
export * from './wire-status.ts';
