import { z } from 'zod';
import { INSECURE_HTTP_MESSAGE, isInsecureRemoteHttp } from './insecure-http.ts';

// The `cloud` section of the configuration (schema.ts holds the rest and re-exports these): the
// cloud's address, the credential, and how requests reach it (proxy, trusted CAs).

/** A reference to a secret kept outside the config file. */
export const secretRef = z
  .string()
  .regex(/^(env|store|file):.+$/, 'must be "env:VARIABLE", "store:NAME" (the secret store) or "file:/path"')
  .describe('Where the secret lives: env:VARIABLE, store:NAME (Echo secret store) or file:/path.');

export const apiTokenSchema = z
  .strictObject({
    uuid: z.string().min(1).describe('The api token uuid returned by POST /api_tokens/.'),
    secret: z.string().min(1).optional().describe('The token secret in plain text (prefer secret_ref).'),
    secret_ref: secretRef.optional(),
  })
  .refine((t) => (t.secret === undefined) !== (t.secret_ref === undefined), {
    message: 'give exactly one of "secret" or "secret_ref"',
  })
  .describe('Credential for headless installs; `echo-agent login` stores one in the secret store instead.');

/**
 * The forward proxy for cloud traffic only (machines on the LAN are never proxied). `auto`: the
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY variables when set, else (desktop app) the system's settings, PAC
 * and WPAD included, else direct. docs/network.md.
 */
export const proxySchema = z
  .strictObject({
    mode: z
      .enum(['auto', 'manual', 'none'])
      .default('auto')
      .describe(
        'auto: the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), else the system settings in the desktop app, else direct; manual: proxy.url; none: always direct.',
      ),
    url: z
      .url({ protocol: /^https?$/, error: 'must be the proxy as http://host:port (or https://)' })
      .optional()
      .describe(
        'The proxy for mode manual, e.g. http://proxy.corp.example:3128 (no password in it: use password_ref).',
      ),
    username: z.string().min(1).optional().describe('Proxy user for Basic authentication.'),
    password_ref: secretRef.optional().describe('Where the proxy password lives (env:, store: or file:).'),
    no_proxy: z
      .string()
      .optional()
      .describe(
        'Mode manual: hosts that bypass the proxy, comma separated (example.com also covers its subdomains; host:port).',
      ),
  })
  .superRefine((proxy, ctx) => {
    if (proxy.mode === 'manual' && proxy.url === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'mode manual needs the proxy url, e.g. http://proxy:3128',
      });
    if (proxy.url !== undefined && new URL(proxy.url).password !== '')
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'the url holds a password: move it to password_ref (e.g. store:proxy) and the user to username',
      });
    if (proxy.password_ref !== undefined && proxy.username === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: 'password_ref needs the username it belongs to',
      });
  })
  .default({ mode: 'auto' })
  .describe('How cloud requests reach the cloud: directly or through a forward proxy.');

const cloudFields = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.example.com/' })
    .describe('Base URL of the cloud MES API.'),
  events_url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Default: <url>/events/.'),
  events_idle_timeout_ms: z
    .number()
    .int()
    .min(10_000)
    .max(3_600_000)
    .default(300_000)
    .describe(
      'A command stream that brings no byte (not even a comment) this long is taken as dead and opened again, which also polls for what it may have missed.',
    ),
  api_token: apiTokenSchema.optional(),
  bureau: z.url().optional().describe('Bureau URI; default: the first resource of GET /bureau/.'),
  request_timeout_ms: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe('Timeout of one cloud request.'),
  verify_uploads: z
    .boolean()
    .default(true)
    .describe('GET each capture after its upload before marking it acknowledged.'),
  machines_from_cloud: z
    .boolean()
    .default(true)
    .describe("Also collect from the cloud's machines (GET /modeler/); config machines win on a match."),
  adopt_installation_by_name: z
    .boolean()
    .default(true)
    .describe(
      'Send workstation_name with POST /ecco/ and, when the installation URI is lost (store and installation.json), adopt the bureau’s one installation of that name instead of registering another.',
    ),
  allow_insecure_http: z
    .boolean()
    .default(false)
    .describe(
      'Allow an http:// url or events_url on another host (a lab only); loopback http needs no flag.',
    ),
  proxy: proxySchema,
  ca_file: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A PEM file of certificate authorities trusted for the cloud besides Node's own (a corporate CA, a TLS-inspecting proxy's).",
    ),
  use_system_ca: z
    .boolean()
    .default(false)
    .describe(
      "Also trust the operating system's certificate store for the cloud (Windows, macOS keychain; needs the desktop app's runtime or Node 22.15+).",
    ),
  check_network: z
    .boolean()
    .default(true)
    .describe(
      'At start, check whether the cloud answers directly and through the proxy, and say which works.',
    ),
});

/**
 * The token travels in every request: it is not sent in clear text beyond this PC unless the
 * administrator allows it in the file (the app's settings cannot change `allow_insecure_http`).
 */
export const cloudSchema = cloudFields.superRefine((cloud, ctx) => {
  // Credentials in the URL would be shown wherever the URL is (settings, logs, the diagnostics
  // zip), and Echo authenticates with its token or sign-in anyway.
  for (const key of ['url', 'events_url'] as const) {
    const value = cloud[key];
    if (value !== undefined && URL.canParse(value)) {
      const parsed = new URL(value);
      if (parsed.username !== '' || parsed.password !== '')
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            'the URL holds a user or password: remove it (Echo signs in with `echo-agent login` or cloud.api_token)',
        });
    }
  }
  if (cloud.allow_insecure_http) return;
  for (const key of ['url', 'events_url'] as const) {
    const value = cloud[key];
    if (value !== undefined && isInsecureRemoteHttp(value))
      ctx.addIssue({ code: 'custom', path: [key], message: INSECURE_HTTP_MESSAGE, input: value });
  }
});
