import { z } from 'zod';

/** Request bodies of the local API that are not machines or settings (those have their own files). */

export const retryBodySchema = z.strictObject({
  kind: z.enum(['captures', 'logs']).default('captures'),
  ids: z.array(z.number().int()).optional(),
});

export const discardBodySchema = z.strictObject({ ids: z.array(z.number().int()).min(1) });

export const passwordSignInSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1),
  logon_type: z.enum(['password', 'ldap']).default('password'),
});

/** "Use an API token": one made in the cloud, pasted by the operator. */
export const tokenSignInSchema = z.strictObject({
  api_token: z.strictObject({ uuid: z.string().trim().min(1), secret: z.string().trim().min(1) }),
});

export const signInBodySchema = z.union([passwordSignInSchema, tokenSignInSchema]);
export type SignInBody = z.input<typeof signInBodySchema>;

/** The body's shape picks the schema, so that a refusal names the field rather than "invalid input". */
export function pickSignInSchema(raw: unknown): z.ZodType {
  return typeof raw === 'object' && raw !== null && 'api_token' in raw
    ? tokenSignInSchema
    : passwordSignInSchema;
}

export const discoverBodySchema = z.strictObject({ seconds: z.number().min(1).max(30).default(5) });

export const collectionBodySchema = z.strictObject({ paused: z.boolean() });

/** Sign-in takes the secret itself, never a reference for Echo to read (docs/security.md). */
export const NOT_A_SIGN_IN_FIELD =
  'unknown field; sign in with "username" and "password", or "api_token" with its "uuid" and "secret" themselves (secret references belong in the configuration file)';

export const NOT_A_SETTING =
  'not a setting the app may change; set it in the configuration file (secret references, credentials, machines and the API address live there)';
