import type { EndpointName } from './endpoints.ts';
import type { RouteSpec } from './route-spec.ts';
import { APP_ROUTES } from './routes-app.ts';
import { CLOUD_ROUTES } from './routes-cloud.ts';
import { COMMAND_ROUTES } from './routes-commands.ts';
import { MACHINE_DISCOVERY_ROUTES, MACHINE_EDIT_ROUTES, MACHINE_ROUTES } from './routes-machines.ts';
import { SETTINGS_ROUTES } from './routes-settings.ts';
import { SYNC_ROUTES } from './routes-sync.ts';

/**
 * The local API, one row per endpoint: the single source of its routing and validation
 * (core/api/router.ts), its OpenAPI document (core/api/openapi.ts) and its typed client
 * (client.ts). Adding an endpoint: a row in the table of its area (routes-*.ts), a handler of the
 * same name in core/api/handlers.ts (the compiler asks for it), a line in docs/local-api.md.
 *
 * Order matters only where a fixed path and a parameter share a shape (`/machines/test` before
 * `/machines/{name}`): the first row whose method and path match answers. The area tables are
 * spread below in the rows' order, which the OpenAPI document and docs/local-api.md's table follow
 * too; a name in two tables would silently keep the later row (routes-tables.test.ts refuses it).
 */
export const ROUTES = {
  ...APP_ROUTES,
  ...MACHINE_ROUTES,
  ...COMMAND_ROUTES,
  ...MACHINE_EDIT_ROUTES,
  ...SETTINGS_ROUTES,
  ...MACHINE_DISCOVERY_ROUTES,
  ...SYNC_ROUTES,
  ...CLOUD_ROUTES,
} satisfies Record<EndpointName, RouteSpec>;

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;
