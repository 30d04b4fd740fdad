import { z } from 'zod';
import { NOT_A_SIGN_IN_FIELD, pickSignInSchema, signInBodySchema } from './bodies.ts';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { type RouteSpec, route } from './route-spec.ts';
import { updateStatusSchema } from './wire-status.ts';

/**
 * The rows of the route table (routes.ts) for the cloud account and what comes from it: signing in
 * and out, and updates of Echo from the cloud's /installer/ feed.
 */
export const CLOUD_ROUTES = {
  signIn: route({
    ...ENDPOINTS.signIn,
    summary:
      'Sign in: {username, password, logon_type: "password"|"ldap"}, or {api_token: {uuid, secret}} (checked with the cloud); stores an api token.',
    auth: true,
    body: signInBodySchema,
    pickBody: pickSignInSchema,
    unknownKey: NOT_A_SIGN_IN_FIELD,
    status: 204,
    errors: ['sign_in_refused', 'sign_in_failed'],
  }),
  signOut: route({
    ...ENDPOINTS.signOut,
    summary: 'Sign out (forget the stored token).',
    auth: true,
    status: 204,
    errors: [],
  }),
  update: route({
    ...ENDPOINTS.update,
    summary:
      'Updates from the cloud’s /installer/ feed: the running version, the newer one available, and the check’s or download’s state.',
    auth: true,
    status: 200,
    response: updateStatusSchema,
    errors: [],
  }),
  checkUpdate: route({
    ...ENDPOINTS.checkUpdate,
    summary: 'Ask the cloud for a newer Echo now; answers the update status after the check.',
    auth: true,
    status: 200,
    response: updateStatusSchema,
    errors: ['updates_off'],
  }),
  downloadUpdate: route({
    ...ENDPOINTS.downloadUpdate,
    summary:
      'Download and verify the offered update into <data_dir>/updates/: its path when ready (the desktop app installs it).',
    auth: true,
    status: 200,
    response: z.object({
      path: z.string(),
      version: z.string(),
      sha256: z.string(),
      size: z.number(),
      verifiedBy: z.enum(['sha256', 'signature', 'none']),
    }),
    errors: ['updates_off', 'no_update', 'update_refused', 'update_failed'],
  }),
} satisfies Partial<Record<EndpointName, RouteSpec>>;
